/**
 * Issue 9 benchmarks (called by run.js; also runnable alone: `node bench/network.js`). A berthd
 * of its own runs inside a network namespace made here (network safety: bridges, veths and
 * port rules never touch the host's namespace); all traffic stays inside that namespace.
 *   - `run --rm busybox true` on the default bridge, with `--network none`, and on the bridge
 *     with one published port, interleaved: medians, and the bridge's cost over none;
 *   - 1 GB (10^9 bytes) sent over TCP into a container through a published port on
 *     127.0.0.1, and to the container's own address: MB/s each and the ratio;
 *   - 50 containers (BENCH_NET_CONTAINERS) started one after the other on one user network:
 *     ms per container;
 *   - berthd's own time for networking per run (from its debug timings): the attach before the
 *     task starts and the exit path, for each mode (the end-to-end medians are noisy on a busy
 *     machine; these are not).
 * Bounded: a timeout per command, BENCH_MAX_SECONDS overall; everything is removed at the end.
 */
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
// the sink: busybox nc, persistent (-ll), each connection's bytes read by dd into /dev/null
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const common = require('./common');

const BYTES = 1e9;
const NET_CONTAINERS = Math.max(1, Number(process.env.BENCH_NET_CONTAINERS || 50));

/** A TCP client run inside the namespace: sends `bytes` zeros to host:port, prints the ms until the peer closed. */
const SEND_JS = `
const net = require('node:net');
const [host, port, bytes] = process.argv.slice(1);
const chunk = Buffer.alloc(1 << 20);
let left = Number(bytes);
const t0 = process.hrtime.bigint();
const s = net.connect(Number(port), host, () => {
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
s.on('data', () => {});
s.on('close', () => { process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6)); });
s.on('error', (e) => { process.stderr.write(String(e)); process.exit(1); });
setTimeout(() => { process.stderr.write('timeout'); process.exit(1); }, 120000).unref();
`;

async function benchNetwork(ctx) {
  const { median, log } = common;
  const runs = Math.max(3, ctx.runs);
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);
  const say = ctx.log ?? ((...a) => process.stderr.write(`bench network: ${a.join(' ')}\n`));
  void log;
  const nsName = `berth-bench-${process.pid}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-net-'));
  const nsPath = `/var/run/netns/${nsName}`;
  execFileSync('ip', ['netns', 'add', nsName]);
  execFileSync('ip', ['-n', nsName, 'link', 'set', 'lo', 'up']);
  const inNs = (cmd, args, opts = {}) => spawnSync('nsenter', [`--net=${nsPath}`, '--', cmd, ...args], { encoding: 'utf8', timeout: 150_000, ...opts });
  let daemon;
  const out = {};
  try {
    const socketPath = path.join(tmp, 'berthd.sock');
    const logFile = path.join(tmp, 'berthd.log');
    const fd = fs.openSync(logFile, 'a');
    daemon = spawn('nsenter', [`--net=${nsPath}`, '--', process.execPath, common.berthdBin, '--config-file', '', '--data-root', path.join(tmp, 'root'), '-H', `unix://${socketPath}`, '--log-level', 'debug', '--cri-socket', ''], {
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    let up = false;
    for (let i = 0; i < 300 && daemon.exitCode === null && !up; i++) {
      up = spawnSync('docker', ['-H', `unix://${socketPath}`, 'version', '-f', '{{.Server.APIVersion}}'], { stdio: 'ignore' }).status === 0;
      if (!up) await common.sleep(100);
    }
    if (!up) throw new Error(`berthd did not start in the namespace:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    const { docker } = common.clients(`unix://${socketPath}`, tmp, 150_000);
    const rootfs = path.join(tmp, 'busybox.tar');
    execFileSync(common.makeRootfs, ['-o', rootfs]);
    docker(['import', rootfs, 'busybox:latest']);

    // run --rm busybox true: bridge, none, bridge with a published port
    const bridge = [];
    const none = [];
    const published = [];
    for (let i = 0; i < 2; i++) {
      docker(['run', '--rm', 'busybox', 'true']);
      docker(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    }
    const logged = (msg) =>
      fs
        .readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes(`"msg":"${msg}"`))
        .map((l) => JSON.parse(l));
    const startedBefore = logged('container started').length;
    const exitedBefore = logged('container exit recorded').length;
    for (let i = 0; i < runs && left() > 120_000; i++) {
      bridge.push(docker(['run', '--rm', 'busybox', 'true']).ms);
      none.push(docker(['run', '--rm', '--network', 'none', 'busybox', 'true']).ms);
      published.push(docker(['run', '--rm', '-p', '18080:80', 'busybox', 'true']).ms);
    }
    out.runMs = { bridge: median(bridge), none: median(none), published: median(published), runs: bridge.length };
    out.runMs.bridgeOverNone = out.runMs.bridge - out.runMs.none;
    out.runMs.publishedOverNone = out.runMs.published - out.runMs.none;
    // berthd's own time for networking (its debug timings; robust on a busy machine): the
    // attach before the task starts, and the exit path (unmount and detach run at once)
    const started = logged('container started').slice(startedBefore);
    const exited = logged('container exit recorded').slice(exitedBefore);
    const phase = (k) => ({
      attachMs: median(started.filter((_, j) => j % 3 === k).map((r) => r.network - r.mounted)),
      exitMs: median(exited.filter((_, j) => j % 3 === k).map((r) => r.recorded)),
    });
    out.berthdMs = { bridge: phase(0), none: phase(1), published: phase(2) };
    say(`run --rm busybox true: bridge ${out.runMs.bridge.toFixed(1)} ms, none ${out.runMs.none.toFixed(1)} ms, -p ${out.runMs.published.toFixed(1)} ms`);

    // 1 GB through a published port vs to the container's address
    if (left() > 120_000) {
      docker(['run', '-d', '--name', 'bench-sink', '-p', '127.0.0.1:15001:5001', 'busybox', 'nc', '-ll', '-p', '5001', '-e', 'dd', 'of=/dev/null', 'bs=1048576']);
      const ip = docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'bench-sink'], { stdout: 'pipe' }).stdout.trim();
      const send = (host, port) => {
        for (let attempt = 0; attempt < 20; attempt++) {
          const r = inNs(process.execPath, ['-e', SEND_JS, host, String(port), String(BYTES)]);
          // a sink that closed early would finish in no time: 1 GB takes well over 50 ms here
          if (r.status === 0 && r.stdout && Number(r.stdout) > 50) return BYTES / 1e6 / (Number(r.stdout) / 1000);
          spawnSync('sleep', ['0.2']);
        }
        throw new Error(`sending to ${host}:${port} failed`);
      };
      const viaPort = [];
      const direct = [];
      const tRuns = Math.min(runs, 3);
      for (let i = 0; i < tRuns && left() > 90_000; i++) {
        direct.push(send(ip, 5001));
        viaPort.push(send('127.0.0.1', 15001));
      }
      docker(['rm', '-f', 'bench-sink']);
      out.throughputMBps = { publishedPort: median(viaPort), containerAddress: median(direct), runs: direct.length };
      out.throughputMBps.ratio = out.throughputMBps.publishedPort / out.throughputMBps.containerAddress;
      say(`1 GB over TCP: published port ${out.throughputMBps.publishedPort.toFixed(0)} MB/s, container address ${out.throughputMBps.containerAddress.toFixed(0)} MB/s`);
    }

    // NET_CONTAINERS starts on one user network
    if (left() > 120_000) {
      docker(['network', 'create', 'benchnet']);
      const ms = [];
      const t0 = Date.now();
      for (let i = 0; i < NET_CONTAINERS && left() > 60_000; i++) {
        ms.push(docker(['run', '-d', '--name', `bench-n${i}`, '--network', 'benchnet', 'busybox', 'sleep', '100000']).ms);
      }
      out.userNetworkStart = { containers: ms.length, medianMs: median(ms), totalMs: Date.now() - t0, lastMs: ms[ms.length - 1] };
      say(`${ms.length} starts on one user network: ${out.userNetworkStart.medianMs.toFixed(1)} ms each (median), last ${out.userNetworkStart.lastMs.toFixed(1)} ms`);
      const ids = docker(['ps', '-aq'], { stdout: 'pipe' }).stdout.split('\n').filter(Boolean);
      for (let i = 0; i < ids.length; i += 10) docker(['rm', '-f', ...ids.slice(i, i + 10)]);
      docker(['network', 'rm', 'benchnet']);
    }
  } finally {
    if (daemon) await common.stopProcess(daemon, 30_000);
    common.unmountBelow(tmp);
    spawnSync('ip', ['netns', 'del', nsName]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

function fmt(x, d = 0) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

function networkRows(r) {
  if (!r) return [];
  const rows = [];
  if (r.runMs) {
    rows.push(['run --rm busybox true: default bridge', `${fmt(r.runMs.bridge, 1)} ms (+${fmt(r.runMs.bridgeOverNone, 1)} over none)`, '≤ +10 ms (Docker +50–90 ms)']);
    rows.push(['run --rm busybox true: --network none', `${fmt(r.runMs.none, 1)} ms`, '']);
    rows.push(['run --rm -p 18080:80 busybox true', `${fmt(r.runMs.published, 1)} ms (+${fmt(r.runMs.publishedOverNone, 1)} over none)`, '≤ +10 ms']);
  }
  if (r.berthdMs) {
    const b = r.berthdMs;
    rows.push(['berthd time: attach / exit path, bridge', `${fmt(b.bridge.attachMs, 1)} / ${fmt(b.bridge.exitMs, 1)} ms (none: ${fmt(b.none.attachMs, 1)} / ${fmt(b.none.exitMs, 1)})`, 'its own share of the above']);
    rows.push(['berthd time: attach / exit path, -p', `${fmt(b.published.attachMs, 1)} / ${fmt(b.published.exitMs, 1)} ms`, '']);
  }
  if (r.throughputMBps) {
    rows.push(['1 GB TCP: published port / container address', `${fmt(r.throughputMBps.publishedPort)} / ${fmt(r.throughputMBps.containerAddress)} MB/s (${fmt(100 * r.throughputMBps.ratio)}%)`, '≥ 80%']);
  }
  if (r.userNetworkStart) rows.push([`${r.userNetworkStart.containers} starts on one user network`, `${fmt(r.userNetworkStart.medianMs, 1)} ms each`, '']);
  return rows;
}

module.exports = { benchNetwork, networkRows };

if (require.main === module) {
  const deadline = Date.now() + 1000 * Number(process.env.BENCH_MAX_SECONDS || 600);
  benchNetwork({ runs: Number(process.env.BENCH_RUNS || 15), timeLeft: () => deadline - Date.now() })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      common.printRows(networkRows(r));
    })
    .catch((e) => {
      console.error(`bench network: ${e.stack || e}`);
      process.exit(1);
    });
}
