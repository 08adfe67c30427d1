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
const fs = require('fs');

/**
 * CPU time of berthd and everything it starts (shims, the runtime), through a cpuacct cgroup
 * (cgroup v1) the daemon is moved into for the section and moved out of after: wall time on a
 * loaded machine is mostly waiting, CPU time is not. Null where that cannot be done.
 */
function cpuMeter(pid) {
  const base = '/sys/fs/cgroup/cpuacct';
  if (!pid || !fs.existsSync(`${base}/cgroup.procs`)) return null;
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:(cpu,)?cpuacct(,cpu)?:/.test(l));
  if (!line) return null;
  const home = `${base}${line.slice(line.lastIndexOf(':') + 1)}`.replace(/\/$/, '');
  const dir = `${base}/berth-bench-seccomp-${process.pid}`;
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(`${dir}/cgroup.procs`, String(pid));
  } catch {
    return null;
  }
  return {
    ms: () => Number(fs.readFileSync(`${dir}/cpuacct.usage`, 'utf8').trim()) / 1e6,
    async close() {
      // a shim still exiting keeps the group busy for a moment
      for (let i = 0; i < 40; i++) {
        for (const p of fs.readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
          try {
            fs.writeFileSync(`${home}/cgroup.procs`, p);
          } catch {
            // gone meanwhile
          }
        }
        try {
          fs.rmdirSync(dir);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      process.stderr.write(`bench seccomp: ${dir} could not be removed\n`);
    },
  };
}

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
  const cpu = Object.fromEntries(series.map(([rt, p]) => [`${rt}/${p}`, []]));
  for (const [, , opts] of series) docker(['run', '--rm', ...opts, 'busybox', 'true']); // warm-up (crun: the filter is compiled here)
  const meter = cpuMeter(ctx.daemonPid);
  try {
    for (let i = 0; i < runs && left() > 30_000; i++) {
      for (const [rt, p, opts] of series) {
        const c0 = meter ? meter.ms() : 0;
        ms[`${rt}/${p}`].push(docker(['run', '--rm', ...opts, 'busybox', 'true']).ms);
        if (meter) {
          await new Promise((r) => setTimeout(r, 30)); // the shim's work after the CLI returned
          cpu[`${rt}/${p}`].push(meter.ms() - c0);
        }
      }
    }
  } finally {
    await meter?.close();
  }
  const out = { defaultMs: median(ms['runc/default']), unconfinedMs: median(ms['runc/unconfined']), runs: ms['runc/default'].length };
  out.differenceMs = out.defaultMs - out.unconfinedMs;
  if (crun) {
    out.crunDefaultMs = median(ms['crun/default']);
    out.crunUnconfinedMs = median(ms['crun/unconfined']);
    out.crunDifferenceMs = out.crunDefaultMs - out.crunUnconfinedMs;
  }
  if (meter) {
    // runc compiles in its init, after it joined the container's cgroup: not all of runc's cost is counted here
    out.cpuMs = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
  }
  results.seccomp = out;
  log(`run --rm busybox true (docker CLI), runc: ${out.defaultMs.toFixed(1)} ms with the default seccomp profile, ${out.unconfinedMs.toFixed(1)} ms unconfined (${out.runs} runs each)`);
  if (crun) log(`run --rm --runtime crun busybox true: ${out.crunDefaultMs.toFixed(1)} ms with the default seccomp profile, ${out.crunUnconfinedMs.toFixed(1)} ms unconfined`);
  if (out.cpuMs) log(`CPU time of berthd, shims and runtime per run (medians): ${Object.entries(out.cpuMs).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
  return out;
}

function seccompRows(s) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return [
    ['run --rm busybox true (runc): default seccomp / unconfined', `${fmt(s.defaultMs)} / ${fmt(s.unconfinedMs)} ms`, ''],
    ['  difference at the median (runc compiles at every start)', `${fmt(s.differenceMs)} ms`, '< 3 ms'],
    ['run --rm --runtime crun busybox true: default / unconfined', `${fmt(s.crunDefaultMs)} / ${fmt(s.crunUnconfinedMs)} ms`, ''],
    ['  difference at the median (filter compiled once by berthd)', `${fmt(s.crunDifferenceMs)} ms`, '< 3 ms'],
    ...(s.cpuMs
      ? [
          ['CPU per run, berthd+shim+runtime: runc default / unconfined', `${fmt(s.cpuMs['runc/default'])} / ${fmt(s.cpuMs['runc/unconfined'])} ms`, '(runc init not counted)'],
          ['CPU per run, berthd+shim+runtime: crun default / unconfined', `${fmt(s.cpuMs['crun/default'])} / ${fmt(s.cpuMs['crun/unconfined'])} ms`, ''],
        ]
      : []),
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
      // the daemon's pid is in its data root's lock file
      const daemonPid = Number(fs.readFileSync(require('path').join(tmp, 'root', 'berthd.lock'), 'utf8').trim()) || undefined;
      await benchSeccomp({ docker, median, log, runs: Number(process.env.BENCH_RUNS || 25), timeLeft: () => deadline - Date.now(), daemonPid }, results);
      return results;
    },
  });
}
