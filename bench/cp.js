/**
 * Issue 10: `docker cp` through the docker CLI against berthd, both directions: one file of
 * BENCH_CP_BIG_MB (default 1024) MiB and a directory of BENCH_CP_SMALL (default 20,000) small
 * files (1 KiB each, 100 a directory), medians of BENCH_CP_RUNS (default 3) runs, the copies
 * removed between runs (called by run.js; alone: `node bench/cp.js`). Docker 20.10's figures on
 * the machine: one 3 GiB file 5.8 s (≈ 1.9 s per GiB), 20,000 small files 1.5 s; target:
 * within 1.5x of them. The floor on the machine at that moment, `tar -cf - | tar -xf -` of the
 * same trees on the same disk, is measured in the same run (a shared machine's disk can be many
 * times slower than Docker's was), and for the small files also into the container's merged
 * overlay rootfs (what a copy-in creates files through: overlayfs costs more per create).
 * The client's own floor too: the same four `docker cp` against a stub server
 * (bench/cp-stub-server.js: GET streams a tar made beforehand, PUT drops the body), i.e. what the
 * docker CLI alone takes to write or read those trees on this machine at this moment.
 * Every timed step starts after a `sync`: the data the steps before it wrote is on disk, so a
 * step is not charged for their writeback (nor throttled by the kernel for their dirty pages).
 *
 * BENCH_CP_FS=fresh (alone only): everything (berthd's data root, the source and destination
 * trees, the tar | tar floor) on a fresh ext4 file system made for the run: a sparse image of
 * BENCH_CP_FS_GB (8) GiB under /var/tmp, `mkfs.ext4` with its default options (a journal, as a
 * Docker host's disk has), loop-mounted; unmounted, detached and removed at the end, on a failure
 * and on SIGINT/SIGTERM. A disk aged by days of churn can make even GNU tar several times slower
 * than a fresh one (ext4's allocator skipping recently freed inodes), so the default run on the
 * shared disk measures the disk's age as much as the copy.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

async function benchCp(ctx, results) {
  const { docker, median, log, tmp } = ctx;
  // berthd's own CPU (user + sys, all its threads, from /proc/PID/stat) and the load average for
  // each berth copy, when the caller knows berthd's pid: on a shared machine the wall time
  // mostly measures the load, the CPU-seconds what berthd spent
  const ticks = 100; // USER_HZ: /proc's clock ticks are 1/100 s on Linux
  const cpuOf = (pid) => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / ticks;
  };
  const cpu = { bigIn: [], bigOut: [], smallIn: [], smallOut: [] };
  const load = { bigIn: [], bigOut: [], smallIn: [], smallOut: [] };
  const berthCp = (key, args) => {
    const c0 = ctx.daemonPid ? cpuOf(ctx.daemonPid) : 0;
    load[key].push(Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
    const ms = docker(['cp', ...args]).ms;
    if (ctx.daemonPid) cpu[key].push(Math.round((cpuOf(ctx.daemonPid) - c0) * 100) / 100);
    return ms;
  };
  const runs = Math.max(1, Number(process.env.BENCH_CP_RUNS || 3));
  const bigMb = Math.max(1, Number(process.env.BENCH_CP_BIG_MB || 1024));
  const small = Math.max(1, Number(process.env.BENCH_CP_SMALL || 20000));
  const left = () => (ctx.timeLeft ? ctx.timeLeft() : Infinity);
  // the steps are synchronous: a turn of the event loop between them lets a SIGINT/SIGTERM handler run
  const turn = () => new Promise((r) => setImmediate(r));
  // every timed step starts with the data of the steps before it written out: otherwise it pays for
  // their writeback (with ~1.7 GB dirty from the floor's tar just before, a 1 GiB copy-in took
  // 5.9 s where it took 2.6 s after a sync, and the kernel throttles the copy's own writes)
  const settle = () => execFileSync('sync');
  if (process.env.BENCH_CP_FS === 'fresh' && !ctx.freshFs) log('BENCH_CP_FS=fresh applies to `node bench/cp.js` alone: this run is on the shared disk');
  const src = path.join(tmp, 'cp-src');
  const out = path.join(tmp, 'cp-out');
  fs.mkdirSync(path.join(src, 'many'), { recursive: true });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  const fd = fs.openSync(path.join(src, 'big'), 'w');
  for (let i = 0; i < bigMb; i++) {
    fs.writeSync(fd, chunk);
    if (i % 64 === 63) await turn();
  }
  fs.closeSync(fd);
  const body = Buffer.alloc(1024, 'x');
  for (let i = 0; i < small; i++) {
    const dir = path.join(src, 'many', `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) {
      fs.mkdirSync(dir);
      await turn();
    }
    fs.writeFileSync(path.join(dir, `f${i}`), body);
  }
  docker(['run', '-d', '--name', 'cpbench', 'busybox', 'sleep', '100000']);
  const t = { bigIn: [], bigOut: [], smallIn: [], smallOut: [], floorBig: [], floorSmall: [], floorSmallOverlay: [], cliBigIn: [], cliBigOut: [], cliSmallIn: [], cliSmallOut: [] };
  // the docker CLI alone: a stub server in a process of its own (docker runs synchronously here)
  const stubDir = path.join(tmp, 'cp-stub');
  fs.mkdirSync(stubDir);
  execFileSync('tar', ['-C', src, '-cf', path.join(stubDir, 'big.tar'), 'big']);
  execFileSync('tar', ['-C', src, '-cf', path.join(stubDir, 'many.tar'), 'many']);
  const stubSock = path.join(stubDir, 'stub.sock');
  const stub = spawn(process.execPath, [path.join(__dirname, 'cp-stub-server.js'), stubSock, `big=${path.join(stubDir, 'big.tar')}`, `many=${path.join(stubDir, 'many.tar')}`], {
    env: { ...process.env, STUB_FILES: `big=${bigMb * 1024 * 1024}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    stub.stdout.once('data', resolve);
    stub.once('exit', (code) => reject(new Error(`cp stub server exited (${code})`)));
  });
  const cli = require('./common').clients(`unix://${stubSock}`, tmp, 600_000).docker;
  // the container's merged rootfs on the host: GNU tar into it is the floor of a copy-in (overlayfs creates cost more than a plain dir's)
  const merged = docker(['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', 'cpbench'], { stdout: 'pipe' }).stdout.trim();
  // the floor on this machine, in the same run: GNU tar piped into GNU tar, same trees, same disk
  const floor = (name) => {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    settle();
    const t0 = process.hrtime.bigint();
    execFileSync('sh', ['-c', 'tar -C "$1" -cf - "$2" | tar -C "$3" -xf -', 'sh', src, name, out]);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    for (let i = 0; i < runs && left() > 60_000; i++) {
      t.floorBig.push(floor('big'));
      await turn();
      t.floorSmall.push(floor('many'));
      await turn();
      fs.rmSync(out, { recursive: true, force: true });
      if (merged !== '' && fs.existsSync(path.join(merged, 'tmp'))) {
        const into = path.join(merged, 'tmp', 'floor');
        fs.mkdirSync(into);
        settle();
        const t0 = process.hrtime.bigint();
        execFileSync('sh', ['-c', 'tar -C "$1" -cf - many | tar -C "$2" -xf -', 'sh', src, into]);
        t.floorSmallOverlay.push(Number(process.hrtime.bigint() - t0) / 1e6);
        docker(['exec', 'cpbench', 'rm', '-rf', '/tmp/floor']);
        await turn();
      }
      settle();
      t.bigIn.push(berthCp('bigIn', [path.join(src, 'big'), 'cpbench:/tmp/big']));
      await turn();
      fs.rmSync(out, { recursive: true, force: true });
      settle();
      t.bigOut.push(berthCp('bigOut', ['cpbench:/tmp/big', out]));
      await turn();
      docker(['exec', 'cpbench', 'rm', '-f', '/tmp/big']);
      await turn();
      settle();
      t.smallIn.push(berthCp('smallIn', [path.join(src, 'many'), 'cpbench:/tmp/many']));
      await turn();
      fs.rmSync(out, { recursive: true, force: true });
      settle();
      t.smallOut.push(berthCp('smallOut', ['cpbench:/tmp/many', out]));
      await turn();
      docker(['exec', 'cpbench', 'rm', '-rf', '/tmp/many']);
      await turn();
      fs.rmSync(out, { recursive: true, force: true });
      settle();
      t.cliBigIn.push(cli(['cp', path.join(src, 'big'), 'stub:/tmp/']).ms);
      settle();
      t.cliBigOut.push(cli(['cp', 'stub:/tmp/big', out]).ms);
      fs.rmSync(out, { recursive: true, force: true });
      await turn();
      settle();
      t.cliSmallIn.push(cli(['cp', path.join(src, 'many'), 'stub:/tmp/']).ms);
      settle();
      t.cliSmallOut.push(cli(['cp', 'stub:/tmp/many', out]).ms);
      fs.rmSync(out, { recursive: true, force: true });
      await turn();
    }
  } finally {
    stub.kill('SIGKILL');
    fs.rmSync(stubDir, { recursive: true, force: true });
    try {
      docker(['rm', '-f', 'cpbench']);
    } catch {
      // best effort
    }
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
  const r = {
    bigMb,
    smallFiles: small,
    fs: ctx.freshFs ? 'fresh ext4 (loop, journal)' : 'the temp dir\'s disk',
    runs: t.bigIn.length,
    bigInMs: median(t.bigIn),
    bigOutMs: median(t.bigOut),
    smallInMs: median(t.smallIn),
    smallOutMs: median(t.smallOut),
    floorBigMs: median(t.floorBig),
    floorSmallMs: median(t.floorSmall),
    floorSmallOverlayMs: t.floorSmallOverlay.length > 0 ? median(t.floorSmallOverlay) : null,
    cliBigInMs: median(t.cliBigIn),
    cliBigOutMs: median(t.cliBigOut),
    cliSmallInMs: median(t.cliSmallIn),
    cliSmallOutMs: median(t.cliSmallOut),
    // every run's figure (ms), not only the medians: on a shared machine one slow run can hide in a median
    perRunMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => Math.round(x))])),
    // berthd's CPU-seconds (user + sys) per berth copy, every run (empty without berthd's pid), and the 1-minute load average at its start
    berthdCpuS: cpu,
    loadAvg: load,
  };
  results.cp = r;
  log(`cp ${bigMb} MiB file: in ${r.bigInMs.toFixed(0)} ms, out ${r.bigOutMs.toFixed(0)} ms; ${small} small files: in ${r.smallInMs.toFixed(0)} ms, out ${r.smallOutMs.toFixed(0)} ms (${r.runs} runs)`);
  return r;
}

function cpRows(r) {
  const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : `${(x / 1000).toFixed(2)} s`);
  const perGiB = 5.8 / 3; // docker 20.10: 3 GiB in 5.8 s
  const bigRef = `docker ≈ ${((perGiB * r.bigMb) / 1024).toFixed(2)} s (5.8 s / 3 GiB); target 1.5x`;
  return [
    ['file system (berthd data root, trees, floor)', r.fs || '-', 'BENCH_CP_FS=fresh: a new ext4'],
    [`docker cp ${r.bigMb} MiB file into a container`, fmt(r.bigInMs), bigRef],
    [`docker cp ${r.bigMb} MiB file out of a container`, fmt(r.bigOutMs), bigRef],
    [`docker cp ${r.smallFiles} small files into a container`, fmt(r.smallInMs), 'docker 1.5 s; target 2.25 s'],
    [`docker cp ${r.smallFiles} small files out of a container`, fmt(r.smallOutMs), 'docker 1.5 s; target 2.25 s'],
    ['  floor now: tar | tar of the file / of the small files', `${fmt(r.floorBigMs)} / ${fmt(r.floorSmallMs)}`, 'same disk, same run'],
    ['  floor now: tar | tar of the small files into the container (overlay)', fmt(r.floorSmallOverlayMs), 'what a copy-in writes through'],
    ['  floor now: the docker CLI alone, file in / out', `${fmt(r.cliBigInMs)} / ${fmt(r.cliBigOutMs)}`, 'a stub server: GET streams a tar made before, PUT drops it'],
    ['  floor now: the docker CLI alone, small files in / out', `${fmt(r.cliSmallInMs)} / ${fmt(r.cliSmallOutMs)}`, 'same'],
    ...(r.berthdCpuS && r.berthdCpuS.bigIn.length > 0
      ? [['  berthd CPU-s (user+sys) per copy: file in / out; small in / out', ['bigIn', 'bigOut', 'smallIn', 'smallOut'].map((k) => r.berthdCpuS[k].join(' ')).join(' / '), `every run; load ${Object.values(r.loadAvg).flat().join(' ')}`]]
      : []),
  ];
}

module.exports = { benchCp, cpRows };

/**
 * A fresh ext4 file system of `gb` GiB (sparse image under `under`, mkfs.ext4's defaults) mounted
 * on a new directory; `remove()` kills what still runs from it (a berthd whose data root is on
 * it, its shims and containers), unmounts everything below it, detaches the loop device and
 * removes the image. Idempotent; also run on SIGINT/SIGTERM.
 */
function freshExt4(gb, under = '/var/tmp') {
  const base = fs.mkdtempSync(path.join(under, 'berth-bench-cp-fs-'));
  const image = path.join(base, 'ext4.img');
  const mnt = path.join(base, 'mnt');
  let removed = false;
  let mounted = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    const { spawnSync } = require('node:child_process');
    const { unmountBelow } = require('./common');
    // what still runs from the file system: a berthd whose data root is on it and its shims (their
    // command lines name this run's unique mount point; nothing else is ever signalled), then the
    // containers, through the runtime's own state dirs in that data root
    const ours = () => {
      const found = [];
      for (const e of fs.readdirSync('/proc')) {
        const pid = Number(e);
        if (!Number.isInteger(pid) || pid === process.pid) continue;
        try {
          if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${mnt}/`)) found.push(pid);
        } catch {
          /* gone */
        }
      }
      return found;
    };
    for (let i = 0; i < 50; i++) {
      const pids = ours();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      spawnSync('sleep', ['0.1']);
    }
    if (mounted) {
      for (const run of fs.readdirSync(mnt).filter((n) => n.startsWith('berth-bench-cp-'))) {
        for (const runtime of ['crun', 'runc']) {
          const state = path.join(mnt, run, 'root', 'runtime', runtime);
          if (!fs.existsSync(state)) continue;
          const ids = (spawnSync(runtime, ['--root', state, 'list', '-q'], { encoding: 'utf8' }).stdout || '').split('\n').filter(Boolean);
          for (const id of ids) spawnSync(runtime, ['--root', state, 'delete', '--force', id]);
        }
      }
    }
    unmountBelow(`${mnt}/`);
    if (mounted && spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
    // `mount -o loop` sets autoclear, so the device goes with the last unmount; detach any left
    const left = spawnSync('losetup', ['-j', image], { encoding: 'utf8' }).stdout || '';
    for (const line of left.split('\n')) {
      const dev = line.split(':')[0];
      if (dev.startsWith('/dev/loop')) spawnSync('losetup', ['-d', dev]);
    }
    fs.rmSync(base, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    remove();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fs.mkdirSync(mnt);
    fs.closeSync(fs.openSync(image, 'w'));
    fs.truncateSync(image, gb * 1024 ** 3);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('mount', ['-o', 'loop', image, mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    mounted = true;
  } catch (e) {
    remove();
    throw e;
  }
  return { dir: mnt, remove };
}

if (require.main === module) {
  const { clients, median, runAlone } = require('./common');
  const fresh = process.env.BENCH_CP_FS === 'fresh' ? freshExt4(Math.max(4, Number(process.env.BENCH_CP_FS_GB || 8))) : null;
  if (fresh) process.stderr.write(`bench cp: on a fresh ext4 mounted on ${fresh.dir}\n`);
  else if (process.env.BENCH_CP_FS && process.env.BENCH_CP_FS !== 'root') throw new Error(`BENCH_CP_FS: 'fresh' or unset, not '${process.env.BENCH_CP_FS}'`);
  runAlone('cp', {
    baseDir: fresh ? fresh.dir : undefined,
    after: () => fresh && fresh.remove(),
    busybox: true,
    rows: (r) => cpRows(r.cp),
    bench: async ({ dockerHost, tmp, deadline, daemonPid }) => {
      const { docker } = clients(dockerHost, tmp, 600_000);
      const results = {};
      const log = (...a) => process.stderr.write(`bench cp: ${a.join(' ')}\n`);
      await benchCp({ docker, median, log, tmp, daemonPid, freshFs: fresh !== null, timeLeft: () => deadline - Date.now() }, results);
      return results;
    },
  });
}
