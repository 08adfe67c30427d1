#!/usr/bin/env node
'use strict';
// V8's young generation stays at its first size (1 MiB a semi-space) unless the user set its size:
// a streamed copy allocates its body chunks outside the JS heap, and only a scavenge frees them;
// with a grown young generation, scavenges come too rarely and V8 runs a full mark-compact per
// 64 MiB of chunks instead (see README.md, "V8's young generation"). The growth factor is read
// at each growth, so setting it here (before anything runs) takes effect; the semi-space size
// itself is fixed once the heap exists.
const nodeFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS || ''}`;
if (!/semi[-_]space/.test(nodeFlags)) require('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
require('../dist/main.js');
