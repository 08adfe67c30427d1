#!/usr/bin/env node
/**
 * Registry benchmarks: pull and push of a ~BENCH_REGISTRY_MB (default 150) MB three-layer image
 * over loopback, through the docker CLI against berthd, against berth-registry and against
 * Debian's docker-registry: push (fresh repository each round, so every blob goes over the
 * wire), cold pull (image removed, so every layer is downloaded and unpacked: ready to run) and
 * cached pull (every layer present); plus a cold pull of the same image compressed with gzip
 * (put there by skopeo), and `skopeo copy` of the same image into a local `oci:` dir for scale.
 * Medians of BENCH_REGISTRY_RUNS (default 5) rounds; MB = 10^6 bytes of uncompressed layers.
 *
 * `bench/run.js` calls `benchRegistry(ctx)` with its berthd; `node bench/registry.js` alone
 * starts a berthd of its own (root, a build). Bounded: a timeout per command and the deadline.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, median, registryBin, runAlone, startDockerRegistry, startProcess, stopProcess } = require('./common');
const tarStream = require(require.resolve('tar-stream', { paths: [path.join(__dirname, '..', 'packages', 'image-store')] }));

const IMAGE_MB = Math.max(3, Number(process.env.BENCH_REGISTRY_MB || 150));
const RUNS = Math.max(1, Number(process.env.BENCH_REGISTRY_RUNS || 5));
const CACHED_RUNS = Math.max(1, Number(process.env.BENCH_REGISTRY_CACHED_RUNS || 15));
const CMD_TIMEOUT_MS = 180_000;

/* ---------------------------------------------------------------- a three-layer image as docker save writes it */

/** Packs `entries` ([header, data] pairs) with tar-stream; resolves with the whole tar. */
function packTar(entries) {
  const pack = tarStream.pack();
  const chunks = [];
  const done = new Promise((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const [header, data] of entries) pack.entry({ mtime: new Date(1.5e12), mode: header.type === 'directory' ? 0o755 : 0o644, ...header }, data);
  pack.finalize();
  return done;
}

/**
 * Writes `file`: a `docker save` archive with three layers of `IMAGE_MB / 3` MB each (files of
 * random bytes, half of each file a repeated pattern so gzip has something to do) and a config.
 */
async function makeImageArchive(file, tag) {
  const perLayer = Math.floor((IMAGE_MB * 1e6) / 3);
  const fileSize = 4 * 1024 * 1024;
  const layers = [];
  const outer = [];
  for (let l = 0; l < 3; l++) {
    const entries = [[{ name: `data${l}/`, type: 'directory' }]];
    for (let written = 0, i = 0; written < perLayer; i++) {
      const n = Math.min(fileSize, perLayer - written);
      const half = Math.floor(n / 2);
      entries.push([{ name: `data${l}/f${i}` }, Buffer.concat([crypto.randomBytes(half), Buffer.alloc(n - half, `layer ${l} file ${i} `)])]);
      written += n;
    }
    const tar = await packTar(entries);
    const hex = crypto.createHash('sha256').update(tar).digest('hex');
    layers.push(hex);
    outer.push([{ name: `${hex}/layer.tar` }, tar]);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((h) => `sha256:${h}`) },
      history: layers.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'bench' })),
    }),
  );
  const configHex = crypto.createHash('sha256').update(config).digest('hex');
  outer.push([{ name: `${configHex}.json` }, config]);
  outer.push([{ name: 'manifest.json' }, Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [tag], Layers: layers.map((h) => `${h}/layer.tar`) }]))]);
  fs.writeFileSync(file, await packTar(outer));
  return { id: `sha256:${configHex}`, layerBytes: perLayer * 3 };
}

/* ---------------------------------------------------------------- processes */

async function startRegistries(dir) {
  const regs = {};
  const p1 = await freePort();
  regs.berthRegistry = {
    host: `127.0.0.1:${p1}`,
    child: await startProcess(process.execPath, [registryBin, 'serve', '--addr', `127.0.0.1:${p1}`, '--data-root', path.join(dir, 'berth-registry')], p1, path.join(dir, 'berth-registry.log')),
  };
  try {
    regs.dockerRegistry = await startDockerRegistry(dir, path.join(dir, 'docker-registry'));
  } catch (e) {
    await stopProcess(regs.berthRegistry.child);
    throw e;
  }
  return regs;
}

/* ---------------------------------------------------------------- the benchmark */

/**
 * ctx: { dockerHost: 'unix://...', tmp: dir to work in, log(...), deadline: ms epoch }.
 * Returns the figures (also for bench/results.json's `registry`).
 */
async function benchRegistry(ctx) {
  const log = ctx.log ?? ((...a) => process.stderr.write(`bench registry: ${a.join(' ')}\n`));
  const dir = fs.mkdtempSync(path.join(ctx.tmp ?? os.tmpdir(), 'registry-'));
  const env = { ...process.env, DOCKER_HOST: ctx.dockerHost, DOCKER_CONFIG: path.join(dir, 'docker-config') };
  const run = (cmd, args) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: CMD_TIMEOUT_MS });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(-1500)}`);
    return ms;
  };
  const docker = (args) => run('docker', args);
  const skopeo = (args) => run('skopeo', ['--insecure-policy', ...args]);
  const timeLeft = () => (ctx.deadline ?? Infinity) - Date.now();
  const rmiQuiet = (id) => spawnSync('docker', ['rmi', '-f', id], { env, stdio: 'ignore' });

  log(`making a ${IMAGE_MB} MB three-layer image`);
  const archive = path.join(dir, 'image.tar');
  const image = await makeImageArchive(archive, 'bench-registry:1');
  const mbps = (ms) => image.layerBytes / 1e6 / (ms / 1000);
  const regs = await startRegistries(dir);
  const out = { imageMB: image.layerBytes / 1e6, layers: 3, runs: RUNS, cachedRuns: CACHED_RUNS };
  try {
    docker(['load', '-i', archive]);
    for (const [name, reg] of Object.entries(regs)) {
      const t = { push: [], coldPull: [], cachedPull: [] };
      log(`${name}: push, cold pull, cached pull: up to ${RUNS} rounds`);
      try {
        // every round starts from a fresh `docker load` (untimed): the image then names no
        // repository on this registry, so the push uploads every blob (no cross-repository mount)
        let current = '';
        for (let i = 0; i < RUNS && timeLeft() > 60_000; i++) {
          const ref = `${reg.host}/bench/r${i}:1`;
          rmiQuiet(image.id);
          docker(['load', '-i', archive]);
          docker(['tag', 'bench-registry:1', ref]);
          t.push.push(docker(['push', ref]));
          rmiQuiet(image.id);
          t.coldPull.push(docker(['pull', ref]));
          current = ref;
        }
        // interleaved with a trivial call measured the same way: the docker CLI's own floor
        const floor = [];
        for (let i = 0; i < CACHED_RUNS && timeLeft() > 30_000; i++) {
          t.cachedPull.push(docker(['pull', current]));
          floor.push(docker(['image', 'inspect', current]));
        }
        // a gzip-compressed copy of the same image, as other tools push it
        const gz = `${reg.host}/bench/gzip:1`;
        skopeo(['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${gz}`]);
        const gzPull = [];
        for (let i = 0; i < Math.min(RUNS, 3) && timeLeft() > 60_000; i++) {
          rmiQuiet(image.id);
          gzPull.push(docker(['pull', gz]));
        }
        out[name] = {
          pushMBps: median(t.push.map(mbps)),
          coldPullMBps: median(t.coldPull.map(mbps)),
          cachedPullMs: median(t.cachedPull),
          cliFloorMs: median(floor),
          coldPullGzipMBps: median(gzPull.map(mbps)),
          pushMs: t.push.map(Math.round),
          coldPullMs: t.coldPull.map(Math.round),
        };
      } catch (e) {
        log(`${name} failed: ${e.message}`);
        out[name] = { error: e.message.slice(0, 2000) };
      }
      rmiQuiet(image.id);
      docker(['load', '-i', archive]);
    }
    // skopeo for scale: the same image into a local OCI layout, from the archive and from a registry
    const sk = { fromArchive: [], fromRegistry: [] };
    for (let i = 0; i < Math.min(RUNS, 3) && timeLeft() > 30_000; i++) {
      fs.rmSync(path.join(dir, 'oci'), { recursive: true, force: true });
      sk.fromArchive.push(skopeo(['copy', '--quiet', `docker-archive:${archive}`, `oci:${path.join(dir, 'oci')}:x`]));
      fs.rmSync(path.join(dir, 'oci'), { recursive: true, force: true });
      sk.fromRegistry.push(skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${regs.berthRegistry.host}/bench/r0:1`, `oci:${path.join(dir, 'oci')}:x`]));
    }
    out.skopeoToOciDir = { fromDockerArchiveMBps: median(sk.fromArchive.map(mbps)), fromBerthRegistryMBps: median(sk.fromRegistry.map(mbps)) };
  } finally {
    rmiQuiet(image.id);
    await Promise.all(Object.values(regs).map((r) => stopProcess(r.child)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** Table rows [what, figure, target] for bench/run.js's table. */
function registryRows(r) {
  const rows = [];
  for (const [key, label] of [['berthRegistry', 'berth-registry'], ['dockerRegistry', 'docker-registry']]) {
    const x = r[key];
    if (!x) continue;
    if (x.error) {
      rows.push([`registry ${label}`, `FAILED: ${x.error.split('\n')[0].slice(0, 80)}`, '']);
      continue;
    }
    rows.push([`${r.imageMB.toFixed(0)} MB 3-layer image, ${label}: push`, `${fmt(x.pushMBps)} MB/s`, '≥ 125 MB/s (Docker 62)']);
    rows.push([`  cold pull (unpacked, ready to run)`, `${fmt(x.coldPullMBps)} MB/s`, '≥ 170 MB/s (Docker 112)']);
    rows.push([`  cold pull, gzip layers (pushed by skopeo)`, `${fmt(x.coldPullGzipMBps)} MB/s`, '']);
    rows.push([`  cached pull, docker CLI`, `${fmt(x.cachedPullMs)} ms`, '< 30 ms (Docker 27)']);
    rows.push([`    (docker image inspect, the CLI's floor here)`, `${fmt(x.cliFloorMs)} ms`, '']);
  }
  if (r.skopeoToOciDir) {
    rows.push(['skopeo copy docker-archive: → oci: dir', `${fmt(r.skopeoToOciDir.fromDockerArchiveMBps)} MB/s`, '(about 317 MB/s)']);
    rows.push(['skopeo copy berth-registry → oci: dir', `${fmt(r.skopeoToOciDir.fromBerthRegistryMBps)} MB/s`, '']);
  }
  return rows;
}

module.exports = { benchRegistry, registryRows, makeImageArchive };

if (require.main === module) runAlone('registry', { bench: benchRegistry, rows: registryRows });
