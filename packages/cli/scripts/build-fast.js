#!/usr/bin/env node
/**
 * Builds berth's fast start path (run by `npm run build`, after `tsc -b`, as this package's
 * `build:native` step):
 *   1. dist/fast/berth.js    the CLI (dist/snapshot-main.js) with @berth/client, api, errdefs, oci,
 *                            yargs, tar-stream, axios... bundled into one CommonJS file (esbuild-wasm:
 *                            WebAssembly, no install script, no binary download);
 *   2. dist/fast/berth.blob  a V8 start-up snapshot of that bundle, built by this very node binary
 *                            (`node --build-snapshot`): modules loaded and yargs warmed up;
 *   3. dist/fast/berth.stamp the node binary the blob belongs to (execPath, then version), then the
 *                            tsconfig.tsbuildinfo of each workspace package bundled: bin/berth uses
 *                            the blob only with that binary and while none of those is newer than
 *                            the blob, else the plain bin/berth.js path.
 * BERTH_NO_SNAPSHOT=1 skips the blob (the bundle is still built); the launcher then takes the plain path.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = path.resolve(__dirname, '..');
const out = path.join(pkg, 'dist', 'fast');
const bundle = path.join(out, 'berth.js');
const blob = path.join(out, 'berth.blob');
const stamp = path.join(out, 'berth.stamp');

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
  get: (_, k) => (k === '__esModule' ? true : load()[k]),
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

async function main() {
  // No stamp, no fast path: bin/berth takes the plain path until the new blob is complete, and
  // for good if this build fails (a blob left from older sources would run old code).
  fs.mkdirSync(out, { recursive: true });
  fs.rmSync(stamp, { force: true });
  const tmp = (f) => `${f}.tmp-${process.pid}`;
  const esbuild = require('esbuild-wasm');
  const result = await esbuild.build({
    entryPoints: [path.join(pkg, 'dist', 'snapshot-main.js')],
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
  fs.renameSync(tmp(bundle), bundle);
  if (process.env.BERTH_NO_SNAPSHOT === '1') {
    fs.rmSync(blob, { force: true });
    process.stderr.write('build-fast: BERTH_NO_SNAPSHOT=1: bundle only, no snapshot\n');
    return;
  }
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp(blob), '--build-snapshot', bundle], { cwd: out, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const warn = /not yet fully verified/.test(r.stderr);
  if (r.status !== 0 || warn || !fs.existsSync(tmp(blob))) {
    fs.rmSync(tmp(blob), { force: true });
    fs.rmSync(blob, { force: true });
    throw new Error(`build-fast: building the snapshot failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  }
  // a launcher already running keeps the blob it opened; the next one gets the new file whole
  fs.renameSync(tmp(blob), blob);
  // The blob holds compiled copies of our workspace packages: `tsc -b` rewriting any of them
  // (its tsconfig.tsbuildinfo newer than the blob) makes bin/berth take the plain path until
  // this script runs again.
  const roots = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(input);
    if (abs.includes(`${path.sep}node_modules${path.sep}`) || !fs.existsSync(abs)) continue;
    const m = /^(.*)[\\/]dist[\\/]/.exec(abs);
    if (m && fs.existsSync(path.join(m[1], 'tsconfig.tsbuildinfo'))) roots.add(path.join(m[1], 'tsconfig.tsbuildinfo'));
  }
  const execPath = fs.realpathSync(process.execPath);
  fs.writeFileSync(tmp(stamp), `${execPath}\n${process.version}\n${[...roots].sort().map((f) => `${f}\n`).join('')}`);
  fs.renameSync(tmp(stamp), stamp);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
