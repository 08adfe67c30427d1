#!/usr/bin/env node
/**
 * Builds berth's fast start path (run by `npm run build`, after `tsc -b`, as this package's
 * `build:native` step):
 *   1. dist/fast/berth.js    the CLI (dist/snapshot-main.js) with @berth/client, api, errdefs, oci,
 *                            yargs, tar-stream, axios... bundled into one CommonJS file (esbuild-wasm:
 *                            WebAssembly, no install script, no binary download);
 *   2. dist/fast/berth.blob  a V8 start-up snapshot of that bundle, built by this very node binary
 *                            (`node --build-snapshot`): modules loaded and yargs warmed up;
 *   3. dist/fast/berth.stamp what the blob is keyed to (see stampText): the node binary (path,
 *                            version, inode/size/mtime), the bundle's content hash, the witness
 *                            files whose change may mean another node (the dpkg file list of the
 *                            package that owns it), and the tsconfig.tsbuildinfo of each bundled
 *                            workspace package. bin/berth uses the blob while the node on PATH is
 *                            that binary and no witness or input is newer than the stamp; else it
 *                            takes the plain bin/berth.js path and starts `build-fast.js --refresh`
 *                            in the background.
 * `--refresh` (what the launcher starts, detached, niced): one at a time (dist/fast/refresh.lock);
 * re-bundles, and rebuilds the blob only when the node binary or the bundle's content changed,
 * else only rewrites the stamp (a package install, a `tsc -b` that changed nothing bundled);
 * a failure is written to dist/fast/berth.failed and not retried by a refresh for 10 minutes (an
 * hour with the same node and bundle). Its output goes to dist/fast/refresh.log.
 * BERTH_NO_SNAPSHOT=1 skips the blob (the bundle is still built); the launcher then takes the plain path.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');

const pkg = path.resolve(__dirname, '..');
const out = path.join(pkg, 'dist', 'fast');
const bundle = path.join(out, 'berth.js');
const blob = path.join(out, 'berth.blob');
const stamp = path.join(out, 'berth.stamp');
const failed = path.join(out, 'berth.failed');
const lock = path.join(out, 'refresh.lock');
const refresh = process.argv.includes('--refresh');

/** Built-ins Node 20 cannot load while building a snapshot: our own code gets them through a proxy that requires on first use. */
const LAZY = new Set(['http', 'https', 'tls', 'tty', 'child_process', 'readline']);

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.namespace === 'lazy-builtin') return { path: `node:${name}`, external: true };
      // only our own packages' modules run at snapshot build time; third-party ones load at run time
      if (!LAZY.has(name) || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      return { path: name, namespace: 'lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let m;
const load = () => m || (m = require(${JSON.stringify(`node:${args.path}`)}));
module.exports = new Proxy({}, {
  // a default import (\`import https from 'node:https'\`, registry-client) is the module itself
  get: (_, k) => (k === '__esModule' ? true : k === 'default' ? load() : load()[k]),
  has: (_, k) => k in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(load(), k); if (d) d.configurable = true; return d; },
  set: (_, k, v) => { load()[k] = v; return true; },
});
`,
    }));
  },
};

/**
 * yargs' platform shim reads the terminal width (process.stdout.columns) and require.main when
 * its module loads; in a snapshot both would be the build's. Turn them into getters.
 */
const yargsShim = {
  name: 'yargs-shim',
  setup(build) {
    build.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]index\.cjs$/ }, (args) => {
      let src = fs.readFileSync(args.path, 'utf8');
      const patches = [
        [/mainFilename:null!==\(se=null===\(ee=null===require\|\|void 0===require\?void 0:require\.main\)\|\|void 0===ee\?void 0:ee\.filename\)&&void 0!==se\?se:process\.cwd\(\)/, 'get mainFilename(){return require.main&&require.main.filename||__filename}'],
        [/stdColumns:void 0!==process\.stdout\.columns\?process\.stdout\.columns:null/, 'get stdColumns(){return void 0!==process.stdout.columns?process.stdout.columns:null}'],
      ];
      for (const [re, to] of patches) {
        if (!re.test(src)) throw new Error(`build-fast: yargs changed: ${re} not found in ${args.path}; update the patch`);
        src = src.replace(re, to);
      }
      return { contents: src, loader: 'js' };
    });
  },
};

/** The node binary's identity: a blob belongs to the binary that built it. */
function nodeIdentity() {
  const execPath = fs.realpathSync(process.execPath);
  const st = fs.statSync(execPath);
  return { execPath, id: `${process.version} ${st.dev}:${st.ino}:${st.size}:${Math.trunc(st.mtimeMs)}` };
}

/**
 * Files whose mtime moves when the node binary may have been replaced by another one with an old
 * mtime (a package manager sets the packaged mtime): the dpkg file list of the package owning it,
 * else its directory (a node from a tarball or nvm). Not /usr/bin itself: every package install
 * touches that, and the fast path has to survive them.
 */
function nodeWitnesses(execPath) {
  const r = spawnSync('dpkg-query', ['-S', execPath], { encoding: 'utf8' });
  const pkgName = r.status === 0 ? /^([^:\s]+(?::[a-z0-9]+)?): /.exec(r.stdout)?.[1] : undefined;
  if (pkgName) {
    for (const n of [pkgName, pkgName.split(':')[0]]) {
      const list = `/var/lib/dpkg/info/${n}.list`;
      if (fs.existsSync(list)) return [list];
    }
  }
  return [path.dirname(execPath)];
}

/** The stamp bin/berth reads (`KEY VALUE` lines; the launcher checks node, witness and input lines). */
function stampText({ execPath, id }, hash, inputs) {
  return [
    `node ${execPath}`,
    `id ${id}`,
    `bundle ${hash}`,
    ...nodeWitnesses(execPath).map((w) => `witness ${w}`),
    ...inputs.map((i) => `input ${i}`),
    '',
  ].join('\n');
}

function readStamp() {
  try {
    const m = new Map();
    for (const line of fs.readFileSync(stamp, 'utf8').split('\n')) {
      const i = line.indexOf(' ');
      if (i > 0 && !m.has(line.slice(0, i))) m.set(line.slice(0, i), line.slice(i + 1));
    }
    return m;
  } catch {
    return new Map();
  }
}

function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp-${process.pid}`, text);
  fs.renameSync(`${file}.tmp-${process.pid}`, file);
}

/** `--refresh`: one refresher at a time; a lock older than 10 minutes is a dead refresher's. */
function takeLock() {
  for (let i = 0; i < 2; i++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs < 10 * 60_000) return false;
        fs.rmSync(lock, { force: true });
      } catch {
        /* gone meanwhile: try again */
      }
    }
  }
  return false;
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  if (refresh && !takeLock()) return;
  try {
    // A refresh that failed in the last 10 minutes (whatever the cause) is not tried again yet;
    // `npm run build` always tries.
    if (refresh && fs.existsSync(failed) && Date.now() - fs.statSync(failed).mtimeMs < 10 * 60_000) return;
    await build();
  } catch (e) {
    if (refresh && !fs.existsSync(failed)) writeAtomic(failed, `- -\n${e instanceof Error ? e.message : String(e)}\n`);
    throw e;
  } finally {
    if (refresh) fs.rmSync(lock, { force: true });
  }
}

async function build() {
  const node = nodeIdentity();
  const before = readStamp();
  const tmp = (f) => `${f}.tmp-${process.pid}`;
  const esbuild = require('esbuild-wasm');
  const result = await esbuild.build({
    entryPoints: [path.join(pkg, 'dist', 'snapshot-main.js')],
    absWorkingDir: pkg, // the bundle does not depend on where the build was started from
    outfile: tmp(bundle),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'iife', // the snapshot builder's script scope has require but no module/exports
    logLevel: 'warning',
    legalComments: 'none',
    // a smaller heap to deserialise at each start (~2 ms); identifiers keep their names
    // (errors and yargs use constructor and function names)
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    plugins: [lazyBuiltins, yargsShim],
  });
  // The blob's key: the content of everything bundled (not where it lies: the bundle names modules
  // by path), the bundler's version and how it is snapshotted (this script).
  const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
  const contents = Object.keys(result.metafile.inputs)
    .map((i) => (fs.existsSync(path.resolve(pkg, i)) ? sha(fs.readFileSync(path.resolve(pkg, i))) : i)) // i: a virtual module (lazy-builtin:http)
    .sort();
  const hash = `sha256:${sha([...contents, esbuild.version, sha(fs.readFileSync(__filename))].join('\n'))}`;
  // The blob holds compiled copies of our workspace packages: `tsc -b` rewriting any of them (its
  // tsconfig.tsbuildinfo newer than the stamp) sends bin/berth to the plain path and a refresh,
  // which finds out here whether the bundle really changed.
  const roots = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(pkg, input);
    if (abs.includes(`${path.sep}node_modules${path.sep}`) || !fs.existsSync(abs)) continue;
    const m = /^(.*)[\\/]dist[\\/]/.exec(abs);
    if (m && fs.existsSync(path.join(m[1], 'tsconfig.tsbuildinfo'))) roots.add(path.join(m[1], 'tsconfig.tsbuildinfo'));
  }
  const inputs = [...roots].sort();

  if (process.env.BERTH_NO_SNAPSHOT === '1') {
    fs.rmSync(stamp, { force: true });
    fs.renameSync(tmp(bundle), bundle);
    fs.rmSync(blob, { force: true });
    process.stderr.write('build-fast: BERTH_NO_SNAPSHOT=1: bundle only, no snapshot\n');
    return;
  }
  if (before.get('id') === node.id && before.get('bundle') === hash && fs.existsSync(blob)) {
    // Same node, same bundle: the blob is good. Only the stamp is renewed (its mtime is what the
    // launcher compares witnesses and inputs against).
    fs.renameSync(tmp(bundle), bundle);
    writeAtomic(stamp, stampText(node, hash, inputs));
    fs.rmSync(failed, { force: true });
    process.stderr.write('build-fast: snapshot unchanged (same node, same bundle): stamp renewed\n');
    return;
  }
  // A refresher that failed within the hour for this very node and bundle does not try again.
  if (refresh) {
    try {
      const f = fs.readFileSync(failed, 'utf8');
      if (f.startsWith(`${node.id} ${hash}\n`) && Date.now() - fs.statSync(failed).mtimeMs < 3600_000) {
        fs.rmSync(tmp(bundle), { force: true });
        return;
      }
    } catch {
      /* no failure recorded */
    }
  }
  // No stamp while the blob is rebuilt: bin/berth takes the plain path until the new one is whole.
  fs.rmSync(stamp, { force: true });
  fs.renameSync(tmp(bundle), bundle);
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp(blob), '--build-snapshot', bundle], { cwd: out, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const warn = /not yet fully verified/.test(r.stderr);
  if (r.status !== 0 || warn || !fs.existsSync(tmp(blob))) {
    fs.rmSync(tmp(blob), { force: true });
    fs.rmSync(blob, { force: true });
    const msg = `build-fast: building the snapshot failed (exit ${r.status ?? r.signal}):\n${r.stderr}`;
    writeAtomic(failed, `${node.id} ${hash}\n${msg}`);
    throw new Error(msg);
  }
  // a launcher already running keeps the blob it opened; the next one gets the new file whole
  fs.renameSync(tmp(blob), blob);
  writeAtomic(stamp, stampText(node, hash, inputs));
  fs.rmSync(failed, { force: true });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
