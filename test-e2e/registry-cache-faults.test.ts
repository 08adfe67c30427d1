/**
 * berth-registry as a pull-through cache (`--proxy-remote`) and berthd's `--registry-mirror
 * REGISTRY=URL` for a registry that is not Docker Hub; then faults between berthd and a registry:
 * a connection dropped mid-layer (the pull resumes), wrong bytes (the pull fails and leaves no
 * blob, layer or image), and berthd killed with SIGKILL mid-pull (nothing half-visible after the
 * restart, and the next pull completes). One berthd, one upstream berth-registry, one cache.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, failed, fixtures, ok } from './harness';
import { FaultyProxy, RunningRegistry, countFiles, startBerthRegistry, startFaultyProxy } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let upstream: RunningRegistry;
let cache: RunningRegistry;
const proxies: FaultyProxy[] = [];
const LAYERS = 5;

beforeAll(async () => {
  upstream = await startBerthRegistry();
  cache = await startBerthRegistry(['--proxy-remote', `http://${upstream.host}`]);
  // the cache mirrors the upstream registry (not Docker Hub): REGISTRY=URL
  d = await BerthDaemon.start({ args: ['--registry-mirror', `${upstream.host}=http://${cache.host}`] });
  c = clientsFor(d);
  ok(await c.berth(['load', '-i', fixtures.dockerSave]));
  ok(await c.berth(['tag', fixtures.dockerSaveTag, `${upstream.host}/e2e/multi:1`]));
  ok(await c.berth(['push', `${upstream.host}/e2e/multi:1`], { timeoutMs: 60_000 }));
  await removeImage();
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
  await Promise.allSettled([upstream?.dispose(), cache?.dispose()]);
  await d?.dispose();
}, 60_000);

async function removeImage(): Promise<void> {
  const has = ok(await c.docker(['images', '-q', '--no-trunc'])).stdout.includes(fixtures.dockerSaveId);
  if (has) ok(await c.docker(['rmi', '-f', fixtures.dockerSaveId]));
}

/** What a pull may leave in the data root: image-store blobs, unpacked layers, ingest temp files. */
function storeCounts(): { content: number; layers: number; staging: number; tmp: number } {
  const root = d.dataRoot;
  let layers = 0;
  let staging = 0;
  for (const e of fs.readdirSync(path.join(root, 'layers'))) {
    if (e === 'l' || e === 'empty') continue;
    if (e.startsWith('.staging')) staging++;
    else layers++;
  }
  return { content: countFiles(path.join(root, 'content')), layers, staging, tmp: countFiles(path.join(root, 'tmp')) };
}

const pull = (ref: string) => c.berth(['pull', ref], { timeoutMs: 60_000 });
const imageId = async (ref: string) => ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();

describe('berth-registry --proxy-remote (pull-through cache)', () => {
  it('the first pull fills the cache, the second is served with the upstream stopped', async () => {
    const ref = `${cache.host}/e2e/multi:1`;
    const first = ok(await pull(ref));
    expect(first.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
    expect(await imageId(ref)).toBe(fixtures.dockerSaveId);
    await removeImage();
    await upstream.stop();
    try {
      const second = ok(await pull(ref));
      expect(second.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
      expect(await imageId(ref)).toBe(fixtures.dockerSaveId);
      expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');
      await removeImage();
    } finally {
      await upstream.start();
    }
  });

  it('berthd --registry-mirror REGISTRY=URL pulls that registry through the cache (upstream down)', async () => {
    const ref = `${upstream.host}/e2e/multi:1`;
    await upstream.stop();
    try {
      const r = ok(await c.docker(['pull', ref], { timeoutMs: 60_000 }));
      expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
      // named after the registry asked for, not the mirror
      expect(await imageId(ref)).toBe(fixtures.dockerSaveId);
      const info = ok(await c.docker(['info', '--format', '{{json .RegistryConfig.Mirrors}}'])).stdout;
      expect(info).toContain(cache.host);
      await removeImage();
    } finally {
      await upstream.start();
    }
  });
});

describe('faults between berthd and the registry', () => {
  it('a connection dropped mid-layer: the pull resumes and completes', async () => {
    const proxy = await startFaultyProxy(upstream.port, 'drop', 256 * 1024);
    proxies.push(proxy);
    const ref = `${proxy.host}/e2e/multi:1`;
    const r = ok(await pull(ref));
    expect(r.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
    expect(await imageId(ref)).toBe(fixtures.dockerSaveId);
    expect(proxy.connections).toBeGreaterThan(1);
    expect(d.log()).toMatch(/blob (download interrupted|stream ended early), resuming/);
    expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');
    await removeImage();
  });

  it('wrong bytes: the pull fails clearly and leaves no blob, layer or image behind', async () => {
    const proxy = await startFaultyProxy(upstream.port, 'corrupt', 100_000);
    proxies.push(proxy);
    const before = storeCounts();
    expect(before).toEqual({ content: 0, layers: 0, staging: 0, tmp: 0 });
    const ref = `${proxy.host}/e2e/multi:1`;
    // the small layers download (and are committed) before the big one fails: they must go too
    const r = failed(await pull(ref));
    // berth pushes gzip layers (as docker): the blob's digest check catches the wrong bytes
    expect(r.stderr).toMatch(/^blob sha256:[0-9a-f]{64}: digest mismatch: the registry sent \d+ bytes hashing to sha256:[0-9a-f]{64}$/m);
    expect(storeCounts()).toEqual(before);
    expect(ok(await c.docker(['images', '-q', '--no-trunc'])).stdout).not.toContain(fixtures.dockerSaveId);
  });

  it('berthd killed mid-pull: after the restart nothing is half-visible, and the next pull completes', async () => {
    const proxy = await startFaultyProxy(upstream.port, 'stall', 300_000);
    proxies.push(proxy);
    const before = storeCounts();
    expect(before).toEqual({ content: 0, layers: 0, staging: 0, tmp: 0 });
    const ref = `${proxy.host}/e2e/multi:1`;
    const pulling = pull(ref);
    await proxy.stalled;
    // mid-layer: something is being written
    await new Promise((r) => setTimeout(r, 200));
    const during = storeCounts();
    expect(during.staging + during.tmp).toBeGreaterThan(0);
    await d.kill9();
    await pulling;
    await d.restart();
    expect(ok(await c.docker(['images', '-q', '--no-trunc'])).stdout).not.toContain(fixtures.dockerSaveId);
    expect(storeCounts()).toEqual(before);
    const r = ok(await pull(ref));
    expect(r.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
    expect(await imageId(ref)).toBe(fixtures.dockerSaveId);
    await removeImage();
    expect(storeCounts()).toEqual(before);
  });
});
