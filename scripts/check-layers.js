#!/usr/bin/env node
/**
 * The dependency-direction check (`npm run lint`, CI): every import between workspace packages
 * must point down the layers of the architecture, so that it does not rest on discipline alone.
 *
 *        cli ──► client ──► api   (and cli ──► registry-client for `manifest inspect`)
 *     daemon ──► builder, image-store, registry-client, runtime, network, cri ──► oci ──► errdefs
 *     registry (server) ──► registry-client, oci, errdefs
 *     sqlite and log beneath everything; oci, errdefs, sqlite, log, fs are the base; api (the
 *     Engine API's wire types) is for the client side, the daemon and cri only.
 *
 * - The middle packages (builder, image-store, registry-client, runtime, network) never import
 *   each other: where one needs another's work, the daemon passes in an interface.
 * - cri (the Kubernetes CRI server, beside the Engine API router) imports no middle package: it
 *   takes the interfaces the daemon passes in, and is imported by the daemon alone.
 * - Nothing imports the daemon; the daemon and the client share nothing but api.
 * - No deep imports (`@berth/x/src/…`, `@berth/x/dist/…`) and no relative path out of a package:
 *   a package's public surface is its `src/index.ts`.
 * - Every `@berth/*` a package imports is declared in its package.json (and nothing undeclared
 *   resolves by luck of hoisting).
 *
 * Scans packages/NAME/{src,bin,scripts} (tests included: a test may not reach up either).
 * Exits 1 with one line per violation. A new package needs a line in ALLOWED below.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const BASE = ['errdefs', 'log', 'oci', 'sqlite', 'api', 'fs'];
// no `api`: the Engine API's shapes belong to the daemon (and the client side), not below it
const MIDDLE_DEPS = ['errdefs', 'log', 'oci', 'sqlite', 'fs'];

/** package -> the workspace packages it may import */
const ALLOWED = {
  errdefs: [],
  // paths inside a container root or a volume, resolved in the kernel (daemon, builder, image-store)
  fs: ['errdefs'],
  log: [],
  oci: ['errdefs'],
  sqlite: ['errdefs', 'log'],
  api: ['errdefs', 'oci', 'log'],
  client: ['api', 'oci', 'errdefs', 'log'],
  // registry-client: `manifest inspect` asks the registry itself, as the docker CLI does
  cli: ['client', 'api', 'oci', 'errdefs', 'log', 'registry-client'],
  // the middle: never each other
  builder: MIDDLE_DEPS,
  'image-store': MIDDLE_DEPS,
  'registry-client': MIDDLE_DEPS,
  runtime: MIDDLE_DEPS,
  // hands the daemon its own data (NetworkInfo, Attachment); the daemon renders Docker's shapes
  network: MIDDLE_DEPS,
  // the CRI reaches containers, images and networks only through interfaces the daemon passes in
  cri: BASE,
  registry: ['registry-client', 'oci', 'errdefs', 'log', 'sqlite'],
  daemon: ['builder', 'image-store', 'registry-client', 'runtime', 'network', 'cri', ...BASE],
};

// the repository (or another tree laid out like it: `node scripts/check-layers.js ROOT`, for its test)
const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const pkgsDir = path.join(root, 'packages');
const SCAN = ['src', 'bin', 'scripts'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build']);
const EXT = /\.(ts|tsx|js|cjs|mjs)$/;
// import … from 'x' / export … from 'x' / import 'x' / require('x') / import('x') / jest.mock('x')
const SPEC = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bjest\.(?:mock|requireActual)\s*\(\s*)(['"])([^'"\n]+)\1/g;

function files(dir) {
  const out = [];
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...files(path.join(dir, e.name)));
    } else if (e.isFile() && EXT.test(e.name) && !e.name.endsWith('.d.ts')) {
      out.push(path.join(dir, e.name));
    }
  }
  return out;
}

function check() {
  const problems = [];
  const names = fs.readdirSync(pkgsDir).filter((n) => fs.existsSync(path.join(pkgsDir, n, 'package.json')));
  for (const name of names) {
    const pkgDir = path.join(pkgsDir, name);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies }));
    const allowed = ALLOWED[name];
    if (!allowed) {
      problems.push(`packages/${name}: no layer rule: add it to ALLOWED in scripts/check-layers.js (and to the README's graph)`);
      continue;
    }
    for (const file of SCAN.flatMap((d) => files(path.join(pkgDir, d)))) {
      const rel = path.relative(root, file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(SPEC)) {
        const spec = m[2];
        const line = text.slice(0, m.index).split('\n').length;
        const where = `${rel}:${line}`;
        if (spec.startsWith('@berth/')) {
          const [, target, ...deep] = spec.split('/');
          if (deep.length > 0) problems.push(`${where}: deep import "${spec}": import "@berth/${target}" (its src/index.ts)`);
          // a package naming itself (a fixture script driving the built package) points nowhere
          if (target === name) continue;
          if (target === 'daemon') problems.push(`${where}: "${spec}": nothing imports the daemon`);
          else if (!allowed.includes(target)) problems.push(`${where}: "${spec}": @berth/${name} may not import @berth/${target} (allowed: ${allowed.join(', ') || 'none'})`);
          else if (!declared.has(`@berth/${target}`)) problems.push(`${where}: "${spec}" is not declared in packages/${name}/package.json`);
        } else if (spec.startsWith('.')) {
          const resolved = path.resolve(path.dirname(file), spec);
          if (path.relative(pkgDir, resolved).startsWith('..')) {
            problems.push(`${where}: "${spec}" reaches out of packages/${name}: import the package by name`);
          }
        }
      }
    }
  }
  return problems;
}

const problems = check();
for (const p of problems) console.error(`layers: ${p}`);
if (problems.length > 0) {
  console.error(`layers: ${problems.length} import(s) against the architecture (rules: scripts/check-layers.js)`);
  process.exit(1);
}
console.log('layers: every import points down');
