/**
 * Issue 10: what Docker's default seccomp profile costs a container start. `docker run --rm
 * busybox true` against berthd with the default profile and with `--security-opt
 * seccomp=unconfined`, with runc (berthd's default runtime, which compiles the filter at every
 * start) and with `--runtime crun` (handed the filter berthd compiled once), all interleaved,
 * medians (called by run.js; alone: `node bench/seccomp.js`). Target: under 3 ms difference at the
 * median.
 */
'use strict';

const { execFileSync } = require('child_process');

async function benchSeccomp(ctx, results) {
  const { docker, median, log } = ctx;
  const runs = Math.max(5, ctx.runs);
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);
  let crun = true;
  try {
    execFileSync('crun', ['--version'], { stdio: 'ignore' });
  } catch {
    crun = false;
  }
  const series = [['runc', 'default', []], ['runc', 'unconfined', ['--security-opt', 'seccomp=unconfined']]];
  if (crun) series.push(['crun', 'default', ['--runtime', 'crun']], ['crun', 'unconfined', ['--runtime', 'crun', '--security-opt', 'seccomp=unconfined']]);
  const ms = Object.fromEntries(series.map(([rt, p]) => [`${rt}/${p}`, []]));
  for (const [, , opts] of series) docker(['run', '--rm', ...opts, 'busybox', 'true']); // warm-up (crun: the filter is compiled here)
  for (let i = 0; i < runs && left() > 30_000; i++) {
    for (const [rt, p, opts] of series) ms[`${rt}/${p}`].push(docker(['run', '--rm', ...opts, 'busybox', 'true']).ms);
  }
  const out = { defaultMs: median(ms['runc/default']), unconfinedMs: median(ms['runc/unconfined']), runs: ms['runc/default'].length };
  out.differenceMs = out.defaultMs - out.unconfinedMs;
  if (crun) {
    out.crunDefaultMs = median(ms['crun/default']);
    out.crunUnconfinedMs = median(ms['crun/unconfined']);
    out.crunDifferenceMs = out.crunDefaultMs - out.crunUnconfinedMs;
  }
  results.seccomp = out;
  log(`run --rm busybox true (docker CLI), runc: ${out.defaultMs.toFixed(1)} ms with the default seccomp profile, ${out.unconfinedMs.toFixed(1)} ms unconfined (${out.runs} runs each)`);
  if (crun) log(`run --rm --runtime crun busybox true: ${out.crunDefaultMs.toFixed(1)} ms with the default seccomp profile, ${out.crunUnconfinedMs.toFixed(1)} ms unconfined`);
  return out;
}

function seccompRows(s) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return [
    ['run --rm busybox true (runc): default seccomp / unconfined', `${fmt(s.defaultMs)} / ${fmt(s.unconfinedMs)} ms`, ''],
    ['  difference at the median (runc compiles at every start)', `${fmt(s.differenceMs)} ms`, '< 3 ms'],
    ['run --rm --runtime crun busybox true: default / unconfined', `${fmt(s.crunDefaultMs)} / ${fmt(s.crunUnconfinedMs)} ms`, ''],
    ['  difference at the median (filter compiled once by berthd)', `${fmt(s.crunDifferenceMs)} ms`, '< 3 ms'],
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
