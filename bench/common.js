'use strict';
/**
 * What the benchmark files share: paths of the binaries, the median, process start/stop, a
 * berthd of a section's own (for `node bench/<section>.js` alone), a server on a free loopback
 * port (Debian's docker-registry among them) and the table printer.
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { dockerRegistryCommand } = require('../scripts/docker-registry');

const repoRoot = path.resolve(__dirname, '..');
const berthdBin = path.join(repoRoot, 'packages', 'daemon', 'bin', 'berthd.js');
const berthBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'berth'); // the launcher npm links (snapshot fast path)
const registryBin = path.join(repoRoot, 'packages', 'registry', 'bin', 'berth-registry.js');
const makeRootfs = path.join(repoRoot, 'scripts', 'make-busybox-rootfs.sh');

function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
async function stopProcess(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, method: 'GET', path: '/_ping', timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts berthd on `unix://<dir>/berthd.sock` with its data root in `<dir>/root` and its log in
 * `<dir>/berthd.log`; resolves with the child once `/_ping` answers.
 */
async function startBerthd(dir, extraArgs = []) {
  const socketPath = path.join(dir, 'berthd.sock');
  const logFile = path.join(dir, 'berthd.log');
  const out = fs.openSync(logFile, 'a');
  // network safety: in the host's namespace, no default bridge (bench/network.js uses a netns of its own)
  const bridge = extraArgs.includes('--bridge') ? [] : ['--bridge', 'none'];
  const child = spawn(process.execPath, [berthdBin, '--config-file', '', '--data-root', path.join(dir, 'root'), '-H', `unix://${socketPath}`, '--log-level', 'warn', '--cri-socket', '', ...bridge, ...extraArgs], {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    if (await ping(socketPath)) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`berthd did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/** Unmounts whatever is still mounted below `dir` (deepest first). */
function unmountBelow(dir) {
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m && m.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}

/**
 * Runners of the two clients against `dockerHost`: `docker(args, opts)` and `berth(args, opts)`
 * run a command to completion and return { ms, stdout } (stdout only with opts.stdout 'pipe'),
 * throwing with its stderr on a non-zero exit. `berth` runs the launcher a user runs.
 */
function clients(dockerHost, tmp, timeoutMs = 120_000) {
  const env = { ...process.env, DOCKER_HOST: dockerHost, BERTH_HOST: dockerHost, DOCKER_CONFIG: path.join(tmp, 'docker-config') };
  const timed = (cmd, args, opts = {}) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'], timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(-2000)}`);
    return { ms, stdout: r.stdout ? String(r.stdout) : '' };
  };
  return { timed, docker: (args, opts) => timed('docker', args, opts), berth: (args, opts) => timed(berthBin, args, opts) };
}

/** A free TCP port on 127.0.0.1 (free when asked). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** `cmd args` with its output appended to `logFile`, once it listens on 127.0.0.1:`port` (10 s at most). */
async function startProcess(cmd, args, port, logFile) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (await listening(port)) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${cmd} did not listen on ${port}: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Debian's docker-registry (scripts/docker-registry.js) on a free loopback port, storing under `root` (config and log in `dir`). */
async function startDockerRegistry(dir, root) {
  const port = await freePort();
  const { cmd, args } = dockerRegistryCommand(dir, { port, root });
  return { host: `127.0.0.1:${port}`, child: await startProcess(cmd, args, port, path.join(dir, 'docker-registry.log')) };
}

/** Rows of [measure, figure, reference] as aligned columns. */
function printRows(rows) {
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
}

/**
 * `node bench/<name>.js` alone: a temp dir (below `baseDir`, default the OS's temp dir), a berthd
 * of its own (with busybox:latest imported when `busybox`), `bench(ctx)`, the result as JSON and
 * as rows; everything removed at the end, then `after()` is called (on failure too).
 */
function runAlone(name, { bench, rows, busybox = false, baseDir = os.tmpdir(), after = () => {} }) {
  (async () => {
    const tmp = fs.mkdtempSync(path.join(baseDir, `berth-bench-${name}-`));
    const dockerHost = `unix://${path.join(tmp, 'berthd.sock')}`;
    let daemon;
    try {
      daemon = await startBerthd(tmp);
      if (busybox) {
        const rootfs = path.join(tmp, 'busybox.tar');
        execFileSync(makeRootfs, ['-o', rootfs], { stdio: 'ignore' });
        execFileSync('docker', ['import', rootfs, 'busybox:latest'], { env: { ...process.env, DOCKER_HOST: dockerHost }, stdio: 'ignore' });
      }
      const r = await bench({ dockerHost, tmp, daemonPid: daemon.pid, deadline: Date.now() + 1000 * Number(process.env.BENCH_MAX_SECONDS || 600) });
      console.log(JSON.stringify(r, null, 2));
      printRows(rows(r));
    } finally {
      await stopProcess(daemon);
      unmountBelow(tmp);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  })()
    .catch((e) => {
      console.error(`bench ${name}: ${e.stack || e}`);
      process.exitCode = 1;
    })
    .finally(async () => {
      try {
        await after();
      } catch (e) {
        console.error(`bench ${name}: clean-up: ${e.stack || e}`);
        process.exitCode = 1;
      }
      if (process.exitCode) process.exit();
    });
}

module.exports = {
  repoRoot,
  berthdBin,
  berthBin,
  registryBin,
  makeRootfs,
  median,
  sleep,
  stopProcess,
  startBerthd,
  unmountBelow,
  clients,
  freePort,
  startProcess,
  startDockerRegistry,
  printRows,
  runAlone,
};
