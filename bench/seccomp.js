/**
 * Issue 10: what Docker's default seccomp profile costs a container start. `docker run --rm
 * busybox true` against berthd with the default profile and with `--security-opt
 * seccomp=unconfined`, interleaved, medians (called by run.js; alone: `node bench/seccomp.js`).
 * Target: under 3 ms difference at the median.
 */
'use strict';

async function benchSeccomp(ctx, results) {
  const { docker, median, log } = ctx;
  const runs = Math.max(5, ctx.runs);
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);
  const withProfile = [];
  const unconfined = [];
  docker(['run', '--rm', 'busybox', 'true']); // warm-up
  for (let i = 0; i < runs && left() > 30_000; i++) {
    withProfile.push(docker(['run', '--rm', 'busybox', 'true']).ms);
    unconfined.push(docker(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'true']).ms);
  }
  const out = { defaultMs: median(withProfile), unconfinedMs: median(unconfined), runs: withProfile.length };
  out.differenceMs = out.defaultMs - out.unconfinedMs;
  results.seccomp = out;
  log(`run --rm busybox true (docker CLI): ${out.defaultMs.toFixed(1)} ms with the default seccomp profile, ${out.unconfinedMs.toFixed(1)} ms unconfined (${out.runs} runs each)`);
  return out;
}

function seccompRows(s) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return [
    ['run --rm busybox true: default seccomp / unconfined', `${fmt(s.defaultMs)} / ${fmt(s.unconfinedMs)} ms`, ''],
    ['  difference at the median', `${fmt(s.differenceMs)} ms`, '< 3 ms'],
  ];
}

module.exports = { benchSeccomp, seccompRows };

if (require.main === module) {
  const { clients, median, runAlone } = require('./common');
  runAlone('seccomp', {
    busybox: true,
    rows: (r) => seccompRows(r.seccomp),
    bench: async ({ dockerHost, tmp, deadline }) => {
      const { docker } = clients(dockerHost, tmp);
      const results = {};
      const log = (...a) => process.stderr.write(`bench seccomp: ${a.join(' ')}\n`);
      await benchSeccomp({ docker, median, log, runs: Number(process.env.BENCH_RUNS || 25), timeLeft: () => deadline - Date.now() }, results);
      return results;
    },
  });
}
