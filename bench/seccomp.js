/**
 * Issue 10: what Docker's default seccomp profile costs a container start. `docker run --rm
 * busybox true` against berthd with the default profile and with `--security-opt
 * seccomp=unconfined`, on berthd's default runtime (no --runtime: crun where it is installed,
 * handed the filter berthd compiled once) and on the other one (`--runtime runc`, which compiles
 * the filter at every start), all interleaved, medians of wall time and of CPU time (called by
 * run.js; alone: `node bench/seccomp.js`). Target: under 3 ms difference at the median on the
 * default runtime.
 */
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');

/**
 * CPU time of berthd and everything it starts (shims, the runtime) and of the containers (where
 * the kernel loads the filter and runs it at each syscall), through a cpuacct cgroup (cgroup v1)
 * the daemon is moved into for the section and moved out of after, and which the containers get
 * as their --cgroup-parent (cpuacct charges every ancestor, also after a child is removed): wall
 * time on a loaded machine is mostly waiting, CPU time is not. Null where that cannot be done.
 */
function cpuMeter(pid) {
  const root = '/sys/fs/cgroup';
  const base = `${root}/cpuacct`;
  if (!pid || !fs.existsSync(`${base}/cgroup.procs`)) return null;
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:(cpu,)?cpuacct(,cpu)?:/.test(l));
  if (!line) return null;
  const home = `${base}${line.slice(line.lastIndexOf(':') + 1)}`.replace(/\/$/, '');
  const name = `berth-bench-seccomp-${process.pid}`;
  const dir = `${base}/${name}`;
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(`${dir}/cgroup.procs`, String(pid));
  } catch {
    return null;
  }
  const rmdir = (d) => {
    try {
      fs.rmdirSync(d);
      return true;
    } catch (e) {
      return e.code === 'ENOENT';
    }
  };
  return {
    /** The containers' --cgroup-parent: the runtime makes `<name>/<id>` in every hierarchy. */
    cgroupParent: name,
    ms: () => Number(fs.readFileSync(`${dir}/cpuacct.usage`, 'utf8').trim()) / 1e6,
    async close() {
      // a shim still exiting keeps the group busy for a moment; the other hierarchies' <name>
      // dirs were made by the runtime for the containers' cgroups
      const others = fs.readdirSync(root).map((h) => `${root}/${h}/${name}`).filter((d) => d !== dir);
      for (let i = 0; i < 40; i++) {
        for (const p of fs.readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
          try {
            fs.writeFileSync(`${home}/cgroup.procs`, p);
          } catch {
            // gone meanwhile
          }
        }
        if (others.map(rmdir).every(Boolean) && rmdir(dir)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      process.stderr.write(`bench seccomp: ${name} could not be removed from every cgroup hierarchy\n`);
    },
  };
}

async function benchSeccomp(ctx, results) {
  const { docker, median, log } = ctx;
  const runs = Math.max(5, ctx.runs);
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);
  const installed = (bin) => {
    try {
      execFileSync(bin, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  // the default runtime first, as the target is about it; the other one as a second row
  const defaultRuntime = docker(['info', '--format', '{{.DefaultRuntime}}'], { stdout: 'pipe' }).stdout.trim();
  const runtimes = [defaultRuntime, ...['crun', 'runc'].filter((r) => r !== defaultRuntime && installed(r))];
  const series = runtimes.flatMap((rt) => {
    const opt = rt === defaultRuntime ? [] : ['--runtime', rt];
    return [[rt, 'default', opt], [rt, 'unconfined', [...opt, '--security-opt', 'seccomp=unconfined']]];
  });
  const ms = Object.fromEntries(series.map(([rt, p]) => [`${rt}/${p}`, []]));
  const cpu = Object.fromEntries(series.map(([rt, p]) => [`${rt}/${p}`, []]));
  const meter = cpuMeter(ctx.daemonPid);
  if (meter) for (const s of series) s[2] = ['--cgroup-parent', meter.cgroupParent, ...s[2]];
  let load0;
  try {
    for (const [, , opts] of series) docker(['run', '--rm', ...opts, 'busybox', 'true']); // warm-up (crun: the filter is compiled here)
    load0 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    for (let i = 0; i < runs && left() > 30_000; i++) {
      // each series in turn comes first, and after each of the others: a run's background cleanup
      // (the shim's exit, the runtime's delete, the unmount) must not always slow the same next series
      const order = series.map((_, k) => series[(k + i) % series.length]);
      if (Math.floor(i / series.length) % 2) order.reverse();
      for (const [rt, p, opts] of order) {
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
  const out = {
    defaultRuntime,
    load: `${load0} → ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    runs: ms[`${defaultRuntime}/default`].length,
    runtimes: runtimes.map((rt) => {
      const r = { runtime: rt, isDefault: rt === defaultRuntime, defaultMs: median(ms[`${rt}/default`]), unconfinedMs: median(ms[`${rt}/unconfined`]) };
      r.differenceMs = r.defaultMs - r.unconfinedMs;
      if (meter) {
        r.cpuDefaultMs = median(cpu[`${rt}/default`]);
        r.cpuUnconfinedMs = median(cpu[`${rt}/unconfined`]);
        r.cpuDifferenceMs = r.cpuDefaultMs - r.cpuUnconfinedMs;
      }
      return r;
    }),
  };
  results.seccomp = out;
  log(`default runtime: ${defaultRuntime}; load average ${out.load}; ${out.runs} interleaved runs per series`);
  for (const r of out.runtimes) {
    log(
      `run --rm${r.isDefault ? '' : ` --runtime ${r.runtime}`} busybox true (${r.runtime}${r.isDefault ? ', the default' : ''}): ` +
        `${r.defaultMs.toFixed(1)} ms with the default seccomp profile, ${r.unconfinedMs.toFixed(1)} ms unconfined` +
        (r.cpuDefaultMs !== undefined ? `; CPU ${r.cpuDefaultMs.toFixed(1)} / ${r.cpuUnconfinedMs.toFixed(1)} ms` : ''),
    );
  }
  return out;
}

function seccompRows(s) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const rows = [[`default runtime: ${s.defaultRuntime} (load average ${s.load}, ${s.runs} runs per series)`, '', '']];
  for (const r of s.runtimes ?? []) {
    const how = r.runtime === 'crun' ? 'filter compiled once by berthd' : 'the runtime compiles at every start';
    const name = `run --rm${r.isDefault ? '' : ` --runtime ${r.runtime}`} busybox true (${r.runtime}${r.isDefault ? ', default' : ''})`;
    rows.push([`${name}: default seccomp / unconfined`, `${fmt(r.defaultMs)} / ${fmt(r.unconfinedMs)} ms`, '']);
    rows.push([`  wall difference at the median (${how})`, `${fmt(r.differenceMs)} ms`, r.isDefault ? '< 3 ms' : '']);
    if (r.cpuDefaultMs !== undefined) {
      rows.push([`  CPU per run, berthd+shim+runtime+container: default / unconfined`, `${fmt(r.cpuDefaultMs)} / ${fmt(r.cpuUnconfinedMs)} ms (${fmt(r.cpuDifferenceMs)})`, '']);
    }
  }
  return rows;
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
      // 60 runs: the target (3 ms) is within the noise of 25 runs' medians here
      await benchSeccomp({ docker, median, log, runs: Number(process.env.BENCH_RUNS || 60), timeLeft: () => deadline - Date.now(), daemonPid }, results);
      return results;
    },
  });
}
