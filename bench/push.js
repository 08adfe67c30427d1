#!/usr/bin/env node
/**
 * End-to-end push throughput (issue 12): `docker push` through berthd to Debian's docker-registry
 * on loopback of realistic images, each round from a fresh `docker load` (so no gzip blob is kept
 * from before) to a freshly emptied registry (so every blob goes over the wire): the whole push
 * is timed, gzip compression included.
 *
 * Images (tars of the host's own files, so binaries and text as in real images):
 *   one-layer:   /usr/lib/x86_64-linux-gnu                                (~690 MB)
 *   four-layer:  /usr/bin, /usr/lib/x86_64-linux-gnu, /usr/share/doc, /usr/share/locale
 * MB/s count the uncompressed layer bytes (10^6), as docker's own figure here (62 MB/s) did.
 * Medians of BENCH_PUSH_RUNS (default 3) rounds; BENCH_PUSH_IMAGES=one-layer picks one.
 * Alone only: `node bench/push.js` (root, a build). Bounded: a timeout per command.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, runAlone, startDockerRegistry, stopProcess } = require('./common');

const RUNS = Math.max(1, Number(process.env.BENCH_PUSH_RUNS || 3));
const CMD_TIMEOUT_MS = 300_000;
const IMAGES = {
  'one-layer': ['/usr/lib/x86_64-linux-gnu'],
  'four-layer': ['/usr/bin', '/usr/lib/x86_64-linux-gnu', '/usr/share/doc', '/usr/share/locale'],
};

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: CMD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(-2000)}`);
  return String(r.stdout);
}

/** A `docker save` archive of one layer per directory (tar of the directory as is). */
function makeArchive(dir, dirs, tag) {
  const work = fs.mkdtempSync(path.join(dir, 'img-'));
  const diffIds = [];
  const layers = [];
  let bytes = 0;
  for (const d of dirs) {
    const t = path.join(work, 'layer.tar');
    run('tar', ['-cf', t, '-C', '/', d.slice(1)]);
    const hash = crypto.createHash('sha256');
    const fd = fs.openSync(t, 'r');
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf)) > 0; ) hash.update(buf.subarray(0, n));
    fs.closeSync(fd);
    const hex = hash.digest('hex');
    bytes += fs.statSync(t).size;
    fs.mkdirSync(path.join(work, hex));
    fs.renameSync(t, path.join(work, hex, 'layer.tar'));
    diffIds.push(`sha256:${hex}`);
    layers.push(`${hex}/layer.tar`);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'bench' })),
    }),
  );
  const configHex = crypto.createHash('sha256').update(config).digest('hex');
  fs.writeFileSync(path.join(work, `${configHex}.json`), config);
  fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [tag], Layers: layers }]));
  const archive = path.join(dir, `${tag.replace(/[^a-z0-9]/g, '-')}.tar`);
  run('tar', ['-cf', archive, '-C', work, '.']);
  fs.rmSync(work, { recursive: true, force: true });
  return { archive, bytes, layers: dirs.length };
}

/** Debian's docker-registry on a loopback port with an empty storage dir. */
async function freshRegistry(dir) {
  const root = path.join(dir, 'registry-data');
  fs.rmSync(root, { recursive: true, force: true });
  return startDockerRegistry(dir, root);
}

function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the berthd whose data root is under `tmp`. */
function berthdPid(tmp) {
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('berthd') && cmd.includes(path.join(tmp, 'root'))) return Number(p);
    } catch {
      /* gone */
    }
  }
  throw new Error('berthd not found');
}

async function benchPush({ dockerHost, tmp }) {
  const env = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CONFIG: path.join(tmp, 'docker-config') };
  const out = { loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
  const wanted = (process.env.BENCH_PUSH_IMAGES || Object.keys(IMAGES).join(',')).split(',');
  for (const name of wanted) {
    const img = makeArchive(tmp, IMAGES[name], `bench/${name}:v1`);
    const secs = [];
    const cpu = { berthd: [], registry: [] };
    const daemonPid = berthdPid(tmp);
    for (let i = 0; i < RUNS; i++) {
      run('docker', ['load', '-i', img.archive], env);
      const reg = await freshRegistry(tmp);
      try {
        const ref = `${reg.host}/bench/${name}:v1`;
        run('docker', ['tag', `bench/${name}:v1`, ref], env);
        const c0 = [cpuSeconds(daemonPid), cpuSeconds(reg.child.pid)];
        const t0 = process.hrtime.bigint();
        run('docker', ['push', ref], env);
        secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
        cpu.berthd.push(cpuSeconds(daemonPid) - c0[0]);
        cpu.registry.push(cpuSeconds(reg.child.pid) - c0[1]);
        run('docker', ['rmi', ref, `bench/${name}:v1`], env);
      } finally {
        await stopProcess(reg.child);
      }
    }
    fs.rmSync(img.archive, { force: true });
    const s = median(secs);
    const cpuTotal = median(cpu.berthd.map((b, k) => b + cpu.registry[k]));
    out[name] = {
      layers: img.layers,
      mb: Number((img.bytes / 1e6).toFixed(0)),
      seconds: secs.map((x) => Number(x.toFixed(2))),
      mbPerSec: Number((img.bytes / 1e6 / s).toFixed(1)),
      // CPU the push took (berthd: read, gzip, hash, store, send; the registry: receive, hash,
      // store): on a busy machine the wall time is this over the share of the cores one gets
      berthdCpuSeconds: cpu.berthd.map((x) => Number(x.toFixed(2))),
      registryCpuSeconds: cpu.registry.map((x) => Number(x.toFixed(2))),
      // the wall time this CPU needs on all cores of an idle machine (gzip is spread over them)
      idleEstimateMbPerSec: Number((img.bytes / 1e6 / (cpuTotal / os.cpus().length)).toFixed(1)),
    };
  }
  out.loadavgAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
  return out;
}

module.exports = { benchPush };

if (require.main === module) {
  runAlone('push', {
    bench: benchPush,
    rows: (r) => [
      ['load average before / after', `${r.loadavg.join(' ')} / ${r.loadavgAfter.join(' ')}`, ''],
      ...Object.keys(IMAGES)
        .filter((k) => r[k])
        .flatMap((k) => [
          [`docker push, ${k} (${r[k].mb} MB) to docker-registry`, `${r[k].mbPerSec} MB/s`, 'docker here: 62 MB/s'],
          [`  CPU s: berthd / registry; idle-machine estimate`, `${r[k].berthdCpuSeconds.join(',')} / ${r[k].registryCpuSeconds.join(',')}; ${r[k].idleEstimateMbPerSec} MB/s`, ''],
        ]),
    ],
  });
}
