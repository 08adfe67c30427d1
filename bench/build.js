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
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');
const berthdBin = path.join(repoRoot, 'packages', 'daemon', 'bin', 'berthd.js');
const makeRootfs = path.join(repoRoot, 'scripts', 'make-busybox-rootfs.sh');
const RUNS = Math.max(1, Number(process.env.BENCH_BUILD_RUNS || 5));
const CACHED_RUNS = Math.max(1, Number(process.env.BENCH_BUILD_CACHED_RUNS || 15));
const CMD_TIMEOUT_MS = 180_000;

function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

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

/* ---------------------------------------------------------------- alone: a berthd of its own */

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

if (require.main === module) {
  (async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-build-'));
    const sock = path.join(tmp, 'berthd.sock');
    let daemon;
    try {
      const logFd = fs.openSync(path.join(tmp, 'berthd.log'), 'a');
      daemon = spawn(process.execPath, [berthdBin, '--data-root', path.join(tmp, 'root'), '-H', `unix://${sock}`, '--log-level', 'warn'], { stdio: ['ignore', logFd, logFd] });
      fs.closeSync(logFd);
      for (let i = 0; i < 300 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
      const rootfs = path.join(tmp, 'busybox.tar');
      execFileSync(makeRootfs, ['-o', rootfs], { stdio: 'ignore' });
      execFileSync('docker', ['import', rootfs, 'busybox:latest'], { env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, stdio: 'ignore' });
      const r = await benchBuild({ dockerHost: `unix://${sock}`, tmp, deadline: Date.now() + 1000 * Number(process.env.BENCH_MAX_SECONDS || 600) });
      console.log(JSON.stringify(r, null, 2));
      const rows = buildRows(r);
      const w0 = Math.max(...rows.map((x) => x[0].length));
      const w1 = Math.max(...rows.map((x) => x[1].length));
      for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
    } finally {
      await stopProcess(daemon);
      spawnSync('sh', ['-c', `grep -o ' ${tmp}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  })().catch((e) => {
    console.error(`bench build: ${e.stack || e}`);
    process.exit(1);
  });
}
