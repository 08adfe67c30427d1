#!/usr/bin/env node
/**
 * Keeps the sqlite3 addon that `npm ci` compiled where sqlite3's installer (prebuild-install)
 * looks before it compiles: npm's cache, `_prebuilds/<hash>-sqlite3-v<version>-napi-v<N>-<platform>-<arch>.tar.gz`
 * (the name is the one of the release asset it would download, which this machine cannot reach).
 * The next `npm ci` on this machine then unpacks it in a second instead of spending about two
 * minutes of CPU compiling the same pinned sqlite3 again; a fresh machine compiles as before.
 * Nothing is downloaded: this is the machine's own build. Run by scripts/setup.sh after npm ci;
 * does nothing when the cache already holds it or there is no build.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const dir = path.resolve(__dirname, '..', 'node_modules', 'sqlite3');
const addon = path.join('build', 'Release', 'node_sqlite3.node');
if (!fs.existsSync(path.join(dir, addon))) process.exit(0);

// prebuild-install's own rules for the asset's name, as sqlite3's install script runs it
// (`prebuild-install -r napi` in its package dir: the N-API version comes from its package.json)
process.chdir(dir);
process.argv = [process.argv[0], 'prebuild-install', '-r', 'napi'];
const pkg = require(path.join(dir, 'package.json'));
const rc = require(require.resolve('prebuild-install/rc', { paths: [dir] }))(pkg);
const util = require(require.resolve('prebuild-install/util', { paths: [dir] }));
const cached = util.cachedPrebuild(util.getDownloadUrl({ ...rc, pkg }));
if (fs.existsSync(cached)) process.exit(0);

fs.mkdirSync(path.dirname(cached), { recursive: true });
const tmp = `${cached}.${process.pid}.tmp`;
execFileSync('tar', ['-czf', tmp, '-C', dir, addon]);
fs.renameSync(tmp, cached);
console.error(`setup: sqlite3's build kept for the next npm ci: ${cached}`);
