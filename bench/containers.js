/**
 * Issue 4 benchmarks (called by run.js with its helpers; also runnable alone, with a
 * berthd of its own: `node bench/containers.js`). Medians, bounded:
 *   - exec round-trip: `berth exec C true` and `docker exec C true` (interleaved);
 *   - attach stream: `run --rm busybox sh -c 'dd if=/dev/zero bs=1M count=500'` to /dev/null with
 *     the json-file log on (the default), through the docker CLI, and with `--log-driver none` for
 *     scale; MB/s with 1 MB = 10^6 bytes (500 MiB = 524.3 MB);
 *   - `logs` of a container that printed 100,000 lines, to /dev/null, docker CLI and berth.
 */
'use strict';

const STREAM_BYTES = 500 * 1024 * 1024;

/**
 * ctx: { docker(args, opts), berth(args, opts), median(xs), log(...), runs, timeLeft() };
 * docker/berth run a command to completion and return { ms } (throwing on a non-zero exit).
 */
async function benchContainers(ctx, results) {
  const { docker, berth, median, log } = ctx;
  const runs = Math.max(3, ctx.runs);
  const out = {};
  results.containers = out;
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);

  // exec round-trip
  docker(['run', '-d', '--name', 'bench-exec', 'busybox', 'sleep', '100000']);
  try {
    const b = [];
    const d = [];
    docker(['exec', 'bench-exec', 'true']); // warm-up
    for (let i = 0; i < runs && left() > 60_000; i++) {
      b.push(berth(['exec', 'bench-exec', 'true']).ms);
      d.push(docker(['exec', 'bench-exec', 'true']).ms);
    }
    out.execMs = { berth: median(b), docker: median(d) };
    log(`exec round-trip: berth ${out.execMs.berth.toFixed(1)} ms, docker CLI ${out.execMs.docker.toFixed(1)} ms`);
  } finally {
    docker(['rm', '-f', 'bench-exec']);
  }

  // attach stream throughput
  const streamRuns = Math.min(runs, 5);
  const dd = ['sh', '-c', 'dd if=/dev/zero bs=1M count=500 2>/dev/null'];
  const mbps = (ms) => STREAM_BYTES / 1e6 / (ms / 1000);
  const logged = [];
  const unlogged = [];
  for (let i = 0; i < streamRuns && left() > 120_000; i++) {
    logged.push(mbps(docker(['run', '--rm', 'busybox', ...dd]).ms));
    unlogged.push(mbps(docker(['run', '--rm', '--log-driver', 'none', 'busybox', ...dd]).ms));
  }
  out.streamMBps = { jsonFileLog: median(logged), noLog: median(unlogged), runs: logged.length };
  log(`attach stream (500 MiB of zeros, docker CLI): ${out.streamMBps.jsonFileLog.toFixed(0)} MB/s with json-file, ${out.streamMBps.noLog.toFixed(0)} MB/s without a log`);

  // logs of 100,000 lines
  docker(['run', '--name', 'bench-lines', 'busybox', 'seq', '1', '100000']);
  try {
    const b = [];
    const d = [];
    for (let i = 0; i < runs && left() > 30_000; i++) {
      d.push(docker(['logs', 'bench-lines']).ms);
      b.push(berth(['logs', 'bench-lines']).ms);
    }
    out.logs100kSeconds = { docker: median(d) / 1000, berth: median(b) / 1000 };
    log(`logs of 100,000 lines: docker CLI ${out.logs100kSeconds.docker.toFixed(3)} s, berth ${out.logs100kSeconds.berth.toFixed(3)} s`);
  } finally {
    docker(['rm', '-f', 'bench-lines']);
  }
  return out;
}

function containerRows(c) {
  const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const rows = [];
  if (c.execMs) rows.push(['exec C true: berth / docker CLI', `${fmt(c.execMs.berth, 1)} / ${fmt(c.execMs.docker, 1)} ms`, '< 100 ms']);
  if (c.streamMBps) {
    rows.push(['attach stream, 500 MiB of zeros, json-file log', `${fmt(c.streamMBps.jsonFileLog)} MB/s`, '≥ 280 MB/s (Docker 56)']);
    rows.push(['  same, --log-driver none', `${fmt(c.streamMBps.noLog)} MB/s`, '']);
  }
  if (c.logs100kSeconds) rows.push(['logs of 100,000 lines: berth / docker CLI', `${fmt(c.logs100kSeconds.berth, 3)} / ${fmt(c.logs100kSeconds.docker, 3)} s`, '< 0.3 s (Docker 0.40 s)']);
  return rows;
}

module.exports = { benchContainers, containerRows };

if (require.main === module) {
  const { clients, median, runAlone } = require('./common');
  runAlone('containers', {
    busybox: true,
    rows: (r) => containerRows(r.containers),
    bench: async ({ dockerHost, tmp, deadline }) => {
      const { docker, berth } = clients(dockerHost, tmp);
      const results = {};
      const log = (...a) => process.stderr.write(`bench containers: ${a.join(' ')}\n`);
      await benchContainers({ docker, berth, median, log, runs: Number(process.env.BENCH_RUNS || 15), timeLeft: () => deadline - Date.now() }, results);
      return results;
    },
  });
}
