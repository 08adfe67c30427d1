#!/usr/bin/env node
/**
 * berth benchmarks (`npm run bench`: a build, then this). Not tests: they print figures.
 *
 * Everything is measured in one run, so the ratios hold on a noisy machine; each figure is the
 * median of BENCH_RUNS runs (default 15), interleaved where several things are compared:
 *   - `run --rm busybox true` through berth, through the docker CLI against berthd, and a bare
 *     `runc run` of an equivalent busybox bundle (the floor);
 *   - `ps` with BENCH_CONTAINERS (default 50) running containers, through the docker CLI and berth;
 *   - import, save and load of a BENCH_IMAGE_MB (default 100) MB image, in MB/s (1 MB = 10^6 bytes);
 *   - berthd's resident memory idle and with the running containers, shims included;
 *   - networking (bench/network.js, in a network namespace of its own): start on the default
 *     bridge vs --network none vs one published port, 1 GB through a published port vs to the
 *     container's address, 50 starts on one user network.
 * Writes bench/results.json. Bounded: BENCH_MAX_SECONDS (default 900) for the whole run, a
 * timeout per command, and every container, image and temp dir is removed at the end.
 * Needs root, a build (`npm run build`), the docker CLI, runc and /usr/bin/busybox.
 */
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const common = require('./common');
const { makeRootfs, median, sleep, stopProcess } = common;

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS || 15));
const CONTAINERS = Math.max(1, Number(process.env.BENCH_CONTAINERS || 50));
const IMAGE_MB = Math.max(1, Number(process.env.BENCH_IMAGE_MB || 100));
const DEADLINE = Date.now() + 1000 * Number(process.env.BENCH_MAX_SECONDS || 900);
const CMD_TIMEOUT_MS = 120_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const dataRoot = path.join(tmp, 'root');
const socketPath = path.join(tmp, 'berthd.sock');
const host = `unix://${socketPath}`;
const runcState = path.join(tmp, 'runc-state');
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);

/* ---------------------------------------------------------------- helpers */

function timeLeft() {
  return DEADLINE - Date.now();
}

const { docker, berth, timed } = common.clients(host, tmp, CMD_TIMEOUT_MS);

function api(method, p) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: p, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let json;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Shim processes of this data root: their cwd is a bundle under it (or their command line names it). */
function shimPids() {
  const pids = [];
  for (const e of fs.readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/shim/.test(cmd.split('\0')[0])) continue;
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd.startsWith(dataRoot) || cmd.includes(dataRoot)) pids.push(pid);
    } catch {
      /* gone */
    }
  }
  return pids;
}

/* ---------------------------------------------------------------- daemon */

let daemon;

async function startDaemon() {
  daemon = await common.startBerthd(tmp);
}

async function removeAllContainers() {
  const res = await api('GET', '/containers/json?all=1').catch(() => undefined);
  if (!res || !Array.isArray(res.json)) return;
  const ids = res.json.map((c) => c.Id);
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(ids.slice(i, i + 8).map((id) => api('DELETE', `/containers/${id}?force=1`).catch(() => undefined)));
  }
}

async function stopDaemon() {
  await stopProcess(daemon, 30_000);
}

/* ---------------------------------------------------------------- the benchmarks */

function makeRuncBundle(rootfsTar) {
  const bundle = path.join(tmp, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  execFileSync('tar', ['-xf', rootfsTar, '-C', path.join(bundle, 'rootfs')]);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.hostname = 'bench';
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}

async function benchRun(results, bundle) {
  log(`run --rm busybox true: ${RUNS} rounds of runc / berth / docker`);
  const times = { runc: [], berth: [], docker: [], node: [], dockerCrun: [] };
  // for scale: the same through crun, when installed (a container may choose it: --runtime crun)
  const crun = spawnSync('crun', ['--version']).status === 0;
  for (let i = 0; i < RUNS && timeLeft() > 60_000; i++) {
    times.node.push(timed(process.execPath, ['-e', '']).ms);
    times.runc.push(timed('runc', ['--root', runcState, 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]).ms);
    times.berth.push(berth(['run', '--rm', 'busybox', 'true']).ms);
    times.docker.push(docker(['run', '--rm', 'busybox', 'true']).ms);
    if (crun) times.dockerCrun.push(docker(['run', '--rm', '--runtime', 'crun', 'busybox', 'true']).ms);
  }
  results.run = {
    runs: times.runc.length,
    runcFloorMs: median(times.runc),
    berthMs: median(times.berth),
    dockerCliMs: median(times.docker),
    nodeStartupMs: median(times.node),
    dockerCliCrunMs: median(times.dockerCrun),
  };
  results.run.berthOverFloor = results.run.berthMs / results.run.runcFloorMs;
  results.run.dockerCliOverFloor = results.run.dockerCliMs / results.run.runcFloorMs;
}

async function benchPsAndMemory(results) {
  await sleep(1000);
  const idle = rssKb(daemon.pid);
  log(`starting ${CONTAINERS} containers`);
  const t0 = Date.now();
  for (let i = 0; i < CONTAINERS && timeLeft() > 60_000; i++) docker(['run', '-d', 'busybox', 'sleep', '3600']);
  const started = (await api('GET', '/containers/json')).json.length;
  const startMs = Date.now() - t0;
  log(`ps with ${started} running containers: ${RUNS} rounds`);
  const ps = { docker: [], berth: [] };
  for (let i = 0; i < RUNS && timeLeft() > 30_000; i++) {
    ps.docker.push(docker(['ps']).ms);
    ps.berth.push(berth(['ps']).ms);
  }
  await sleep(1000);
  const shims = shimPids();
  const berthdKb = rssKb(daemon.pid);
  const shimKb = shims.reduce((a, pid) => a + rssKb(pid), 0);
  results.ps = { containers: started, dockerCliMs: median(ps.docker), berthMs: median(ps.berth), runs: ps.docker.length };
  results.memory = {
    idleMb: idle / 1024,
    running: started,
    berthdMb: berthdKb / 1024,
    shims: shims.length,
    shimsMb: shimKb / 1024,
    totalMb: (berthdKb + shimKb) / 1024,
    perContainerMb: started ? (berthdKb + shimKb - idle) / 1024 / started : null,
    startAllMs: startMs,
  };
  log('removing the containers');
  await removeAllContainers();
}

/** One import → save → rmi → load → rmi round of `big` through one client; MB/s into `t`. */
function ioRound(cli, big, saved, t) {
  const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
  const imp = cli(['import', big, 'bench-big:latest']);
  t.import.push(mbps(fs.statSync(big).size, imp.ms));
  fs.rmSync(saved, { force: true });
  const sv = cli(['save', '-o', saved, 'bench-big:latest']);
  const savedSize = fs.statSync(saved).size;
  t.save.push(mbps(savedSize, sv.ms));
  cli(['rmi', 'bench-big:latest']);
  const ld = cli(['load', '-i', saved]);
  t.load.push(mbps(savedSize, ld.ms));
  cli(['rmi', 'bench-big:latest']);
}

async function benchImageIo(results) {
  log(`making a ${IMAGE_MB} MB busybox image`);
  const big = path.join(tmp, 'big.tar');
  execFileSync(makeRootfs, ['--pad-mb', String(IMAGE_MB), '-o', big]);
  const saved = path.join(tmp, 'big-saved.tar');
  const io = {};
  for (const [name, cli] of [['dockerCli', docker], ['berth', berth]]) {
    const t = { import: [], save: [], load: [] };
    log(`import/save/load through ${name}: up to ${RUNS} rounds`);
    let error;
    for (let i = 0; i < RUNS && timeLeft() > 60_000 && !error; i++) {
      try {
        ioRound(cli, big, saved, t);
      } catch (e) {
        error = e.message.slice(0, 2000);
        log(`${name} round ${i + 1} failed: ${error}`);
        try {
          cli(['rmi', '-f', 'bench-big:latest']);
        } catch {
          /* not there */
        }
      }
    }
    io[name] = {
      ...(error ? { error } : {}),
      runs: t.import.length,
      importMBps: median(t.import),
      saveMBps: median(t.save),
      loadMBps: median(t.load),
    };
  }
  results.imageIo = { imageBytes: fs.statSync(big).size, ...io };
}

function fmt(x, digits = 0) {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

function printTable(r) {
  const rows = [];
  if (r.run) {
    rows.push(['run --rm busybox true: runc run (floor)', `${fmt(r.run.runcFloorMs)} ms`, '~36 ms']);
    rows.push(['run --rm busybox true: berth', `${fmt(r.run.berthMs)} ms (${fmt(r.run.berthOverFloor, 1)}x)`, '≤ 5x floor']);
    rows.push(['  (node -e "" alone, for scale)', `${fmt(r.run.nodeStartupMs)} ms`, '']);
    rows.push(['run --rm busybox true: docker CLI → berthd', `${fmt(r.run.dockerCliMs)} ms (${fmt(r.run.dockerCliOverFloor, 1)}x)`, '≤ 3x floor (Docker 282 ms)']);
    if (r.run.dockerCliCrunMs !== null) rows.push(['  same with --runtime crun (for scale)', `${fmt(r.run.dockerCliCrunMs)} ms`, '']);
  }
  if (r.ps) {
    rows.push([`ps, ${r.ps.containers} running: docker CLI`, `${fmt(r.ps.dockerCliMs)} ms`, '25 ms (Docker 17 ms)']);
    rows.push([`ps, ${r.ps.containers} running: berth`, `${fmt(r.ps.berthMs)} ms`, '']);
  }
  if (r.imageIo) {
    const mb = fmt(r.imageIo.imageBytes / 1e6);
    for (const [name, label] of [['dockerCli', 'docker CLI'], ['berth', 'berth']]) {
      const x = r.imageIo[name];
      if (!x) continue;
      rows.push([`import ${mb} MB (${label})`, `${fmt(x.importMBps)} MB/s`, '≥ 185 MB/s']);
      rows.push([`save ${mb} MB (${label})`, `${fmt(x.saveMBps)} MB/s`, '≥ 164 MB/s']);
      rows.push([`load ${mb} MB (${label})`, `${fmt(x.loadMBps)} MB/s`, '≥ 140 MB/s']);
    }
  }
  if (r.memory) {
    rows.push(['berthd RSS idle', `${fmt(r.memory.idleMb, 1)} MB`, '< 100 MB (Docker 141 MB)']);
    rows.push([
      `berthd + ${r.memory.shims} shims RSS, ${r.memory.running} running`,
      `${fmt(r.memory.totalMb, 1)} MB (${fmt(r.memory.perContainerMb, 2)} MB each)`,
      '< 2 MB each (Docker 13 MB)',
    ]);
  }
  if (r.containers) rows.push(...require('./containers').containerRows(r.containers));
  if (r.seccomp) rows.push(...require('./seccomp').seccompRows(r.seccomp));
  if (r.cp) rows.push(...require('./cp').cpRows(r.cp));
  if (r.registry) rows.push(...require('./registry').registryRows(r.registry));
  if (r.build) rows.push(...require('./build').buildRows(r.build));
  if (r.network) rows.push(...require('./network').networkRows(r.network));
  if (r.logReader) rows.push(...require('./log-reader').logReaderRows(r.logReader));
  if (r.unpackReplace) rows.push(...require('./unpack-replace').unpackReplaceRows(r.unpackReplace));
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  console.log(`\n${'benchmark'.padEnd(w0)}  ${'median'.padEnd(w1)}  target`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  console.log(`\n(${RUNS} runs each unless noted in bench/results.json; ${r.machine.cpus} cores)`);
  const failures = { ...r.errors };
  for (const k of ['dockerCli', 'berth']) if (r.imageIo?.[k]?.error) failures[`imageIo ${k}`] = r.imageIo[k].error;
  for (const [k, v] of Object.entries(failures)) console.log(`FAILED ${k}: ${v.split('\n')[0]}`);
}

async function main() {
  const started = Date.now();
  for (const [bin, hint] of [[common.berthdBin, 'npm run build'], [common.berthBin, 'npm run build']]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} missing: ${hint}`);
  }
  const results = {
    errors: undefined,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, kernel: os.release(), node: process.version },
    runs: RUNS,
  };
  const rootfs = path.join(tmp, 'busybox.tar');
  execFileSync(makeRootfs, ['-o', rootfs]);
  await startDaemon();
  try {
    berth(['import', rootfs, 'busybox:latest']);
    const bundle = makeRuncBundle(rootfs);
    // one failing section is recorded and the others still run
    for (const [name, section] of [
      ['run', () => benchRun(results, bundle)],
      ['ps', () => benchPsAndMemory(results)],
      ['imageIo', () => benchImageIo(results)],
      ['containers', () => require('./containers').benchContainers({ docker, berth, median, log, runs: RUNS, timeLeft }, results)],
      ['seccomp', () => require('./seccomp').benchSeccomp({ docker, median, log, runs: RUNS, timeLeft }, results)],
      ['cp', () => require('./cp').benchCp({ docker, median, log, tmp, timeLeft }, results)],
      ['build', async () => (results.build = await require('./build').benchBuild({ dockerHost: host, tmp, log, deadline: DEADLINE }))],
      ['registry', async () => (results.registry = await require('./registry').benchRegistry({ dockerHost: host, tmp, log, deadline: DEADLINE }))],
      ['network', async () => (results.network = await require('./network').benchNetwork({ runs: RUNS, timeLeft, log }))],
      ['logReader', () => require('./log-reader').benchLogReader({ median, log, runs: RUNS }, results)],
      ['unpackReplace', () => require('./unpack-replace').benchUnpackReplace({ median, log, runs: RUNS }, results)],
    ]) {
      try {
        await section();
      } catch (e) {
        log(`${name} failed: ${e.message}`);
        results.errors = { ...results.errors, [name]: e.message.slice(0, 2000) };
        await removeAllContainers().catch(() => undefined);
      }
    }
  } finally {
    await removeAllContainers().catch(() => undefined);
    await stopDaemon();
  }
  results.elapsedSeconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
}

function cleanup() {
  try {
    for (const id of execFileSync('runc', ['--root', runcState, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      spawnSync('runc', ['--root', runcState, 'delete', '--force', id]);
    }
  } catch {
    /* no runc state */
  }
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
  // anything a crashed daemon left: container processes and shims, then mounts (deepest first)
  for (const e of fs.readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      const root = fs.readlinkSync(`/proc/${pid}/root`);
      if (cwd.startsWith(tmp) || root.startsWith(tmp)) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  common.unmountBelow(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

main()
  .then(() => {
    cleanup();
  })
  .catch((e) => {
    console.error(`bench: ${e.stack || e}`);
    console.error(`bench: berthd log: ${path.join(tmp, 'berthd.log')} (removed)`);
    try {
      console.error(fs.readFileSync(path.join(tmp, 'berthd.log'), 'utf8').slice(-3000));
    } catch {
      /* none */
    }
    cleanup();
    process.exit(1);
  });
