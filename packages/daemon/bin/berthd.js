#!/usr/bin/env node
'use strict';
// V8 frees dead ArrayBuffers (every Buffer) as part of each GC, not on a background thread that
// may get no CPU for a while on a busy machine: until that thread has run, the freed memory
// still counts as "external memory", and a streamed copy's chunks then push V8 into a full
// mark-compact per 64 MiB (see README.md, "V8 and streamed copies"). Set before anything runs
// (V8 reads the flag at each GC); not when the node options name it.
const nodeFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS || ''}`;
if (!/array[-_]buffer[-_]sweeping/.test(nodeFlags)) require('node:v8').setFlagsFromString('--no-concurrent-array-buffer-sweeping');
require('../dist/main.js');
