#!/usr/bin/env node
/**
 * Build and commit benchmarks, through the docker CLI (legacy builder, POST /build) against
 * berthd: a Dockerfile with FROM a local image, three RUN steps and a COPY of 20 MB (10^6
 * bytes), built from scratch (`--no-cache`, BENCH_BUILD_RUNS rounds, default 5) and fully
 * cached (BENCH_BUILD_CACHED_RUNS, default 15); and `docker commit` of a stopped container that
 * wrote 10 MB (BENCH_BUILD_RUNS rounds). Medians. Docker 20.10's legacy builder on this kind of
 * machine: 1.37 s first build, 157 ms cached, 108 ms commit.
 *
 * `benchBuild(ctx)` takes a running berthd (bench/run.js can call it, with the image
 * `busybox:latest` imported); `node bench/build.js` alone starts a berthd of its own (root, a
 * build). Bounded: a timeout per command and the deadline; everything it made is removed.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, runAlone } = require('./common');

const RUNS = Math.max(1, Number(process.env.BENCH_BUILD_RUNS || 5));
const CACHED_RUNS = Math.max(1, Number(process.env.BENCH_BUILD_CACHED_RUNS || 15));
const CMD_TIMEOUT_MS = 180_000;

/**
 * ctx: { dockerHost: 'unix://...', tmp: dir to work in, log(...), deadline: ms epoch, baseImage? }.
 * Returns { firstBuildMs, cachedBuildMs, commitMs, runs... } (bench/results.json's `build`).
 */
async function benchBuild(ctx) {
  const log = ctx.log ?? ((...a) => process.stderr.write(`bench build: ${a.join(' ')}\n`));
  const base = ctx.baseImage ?? 'busybox:latest';
  const dir = fs.mkdtempSync(path.join(ctx.tmp ?? os.tmpdir(), 'build-'));
  const env = { ...process.env, DOCKER_HOST: ctx.dockerHost, DOCKER_CONFIG: path.join(dir, 'docker-config') };
  const timeLeft = () => (ctx.deadline ?? Infinity) - Date.now();
  const run = (args, opts = {}) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: CMD_TIMEOUT_MS, maxBuffer: 64 << 20 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && !opts.allowFail) throw new Error(`docker ${args.join(' ')}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(-1500)}`);
    return { ms, stdout: String(r.stdout) };
  };
  const out = { runs: 0, cachedRuns: 0, commitRuns: 0 };
  const ctxDir = path.join(dir, 'ctx');
  fs.mkdirSync(ctxDir);
  fs.writeFileSync(path.join(ctxDir, 'blob.bin'), crypto.randomBytes(20e6));
  fs.writeFileSync(
    path.join(ctxDir, 'Dockerfile'),
    [`FROM ${base}`, 'RUN echo one > /one.txt', 'RUN echo two > /two.txt && cat /one.txt', 'RUN echo three > /three.txt', 'COPY blob.bin /data/blob.bin', ''].join('\n'),
  );
  const containers = [];
  try {
    log(`first builds (--no-cache): ${RUNS} rounds`);
    const first = [];
    for (let i = 0; i < RUNS && timeLeft() > 30_000; i++) first.push(run(['build', '--no-cache', '-t', 'bench-build:1', ctxDir]).ms);
    log(`fully cached builds: ${CACHED_RUNS} rounds`);
    const cached = [];
    for (let i = 0; i < CACHED_RUNS && timeLeft() > 20_000; i++) {
      const r = run(['build', '-t', 'bench-build:1', ctxDir]);
      if ((r.stdout.match(/Using cache/g) || []).length !== 4) throw new Error(`cached build was not fully cached:\n${r.stdout}`);
      cached.push(r.ms);
    }
    log(`commit of a container that wrote 10 MB: ${RUNS} rounds`);
    const commit = [];
    for (let i = 0; i < RUNS && timeLeft() > 20_000; i++) {
      const name = `bench-commit-${process.pid}-${i}`;
      containers.push(name);
      run(['run', '--name', name, base, 'sh', '-c', 'head -c 10000000 /dev/urandom > /written.bin']);
      commit.push(run(['commit', name, `bench-committed:${i}`]).ms);
    }
    Object.assign(out, {
      firstBuildMs: median(first),
      cachedBuildMs: median(cached),
      commitMs: median(commit),
      runs: first.length,
      cachedRuns: cached.length,
      commitRuns: commit.length,
      contextMB: 20,
    });
  } catch (e) {
    out.error = String(e.message || e).slice(0, 2000);
    log(`failed: ${out.error}`);
  } finally {
    for (const c of containers) run(['rm', '-f', c], { allowFail: true });
    for (let i = 0; i < RUNS; i++) run(['rmi', '-f', `bench-committed:${i}`], { allowFail: true });
    run(['rmi', '-f', 'bench-build:1'], { allowFail: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** Table rows [what, figure, target] for bench/run.js's table. */
function buildRows(r) {
  if (r.error) return [['build/commit', `FAILED: ${r.error.split('\n')[0].slice(0, 80)}`, '']];
  return [
    ['build FROM + 3 RUN + COPY 20 MB: first (--no-cache)', `${fmt(r.firstBuildMs)} ms`, '≤ 1370 ms (Docker 1.37 s)'],
    ['  fully cached rebuild', `${fmt(r.cachedBuildMs)} ms`, '≤ 157 ms (Docker)'],
    ['commit of a container that wrote 10 MB', `${fmt(r.commitMs)} ms`, '≤ 108 ms (Docker)'],
  ];
}

module.exports = { benchBuild, buildRows };

if (require.main === module) runAlone('build', { bench: benchBuild, rows: buildRows, busybox: true });
