/**
 * Pulling from a registry on this machine: Debian's docker-registry (distribution 2.8) on a free
 * loopback port, seeded with the docker-save fixture by skopeo; `docker pull` and `berth pull`
 * against berthd; kill -9 of berthd in the middle of a pull leaves nothing behind (nor its
 * manifest and config blobs, written before its record: swept at start). Nothing
 * leaves 127.0.0.1. (The registry issue owns the rest: Docker Hub,
 * auth, push.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, exec, failed, fixtures, layerDirCount, makeDockerSaveArchive, makeTar, ok, rawRequest, scratchDir, sha256Hex, storeFiles, waitFor, whileDatabaseLocked } from './harness';
import { startDockerRegistry, type RunningRegistry } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let registry: RunningRegistry | undefined;
let registryHost: string;

beforeAll(async () => {
  registry = await startDockerRegistry();
  registryHost = registry.host;
  ok(
    await exec('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtures.dockerSave}`, `docker://${registryHost}/e2e/fixture:1`], {
      timeoutMs: 60_000,
    }),
  );
  d = await BerthDaemon.start();
  c = clientsFor(d);
}, 120_000);

afterAll(async () => {
  try {
    await d?.dispose();
  } finally {
    await registry?.dispose();
  }
}, 60_000);

describe('pull from a loopback registry', () => {
  it('docker pull: progress, digest, the same image ID as the saved fixture, and it runs', async () => {
    const ref = `${registryHost}/e2e/fixture:1`;
    const r = ok(await c.docker(['pull', ref], { timeoutMs: 60_000 }));
    expect(r.stdout).toMatch(/Pull complete/);
    expect(r.stdout).toMatch(/^Digest: sha256:[0-9a-f]{64}$/m);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(r.stdout.trim().split('\n').pop()).toBe(ref);
    const id = ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
    expect(id).toBe(fixtures.dockerSaveId);
    const digests = ok(await c.docker(['images', '--digests', '--format', '{{.Repository}} {{.Digest}}'])).stdout;
    expect(digests).toMatch(new RegExp(`^${registryHost}/e2e/fixture sha256:[0-9a-f]{64}$`, 'm'));
    expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');
  });

  it('berth pull again: the image is up to date, as dockerd says it (trace 15-pull-again)', async () => {
    const ref = `${registryHost}/e2e/fixture:1`;
    const r = ok(await c.berth(['pull', ref], { timeoutMs: 60_000 }));
    expect(r.stdout.split('\n').map((l) => l.replace(/sha256:[0-9a-f]{64}/, 'sha256:D'))).toEqual([
      '1: Pulling from e2e/fixture',
      'Digest: sha256:D',
      `Status: Image is up to date for ${ref}`,
      ref,
      '',
    ]);
  });

  it('berth pull of another tag of the same image: every layer already exists', async () => {
    ok(await exec('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registryHost}/e2e/fixture:1`, `docker://${registryHost}/e2e/other:2`], { timeoutMs: 60_000 }));
    const ref = `${registryHost}/e2e/other:2`;
    const r = ok(await c.berth(['pull', ref], { timeoutMs: 60_000 }));
    expect(r.stdout.match(/: Already exists$/gm)?.length).toBe(5);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
  });

  it("pull by digest, and by digest with a tag (moby's PullImage: repo:T@D, pulled by D, only repo@D stored): progress, status, event", async () => {
    ok(await exec('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registryHost}/e2e/fixture:1`, `docker://${registryHost}/e2e/dig:1`], { timeoutMs: 60_000 }));
    ok(await c.docker(['pull', `${registryHost}/e2e/fixture:1`], { timeoutMs: 60_000 })); // (up to date after the first test)
    const digest = ok(await c.docker(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', `${registryHost}/e2e/fixture:1`])).stdout.trim().split('@')[1]!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const since = Math.floor(Date.now() / 1000) - 1;
    // the docker CLI sends fromImage=repo&tag=D: the Pulling line's id is the whole reference (pullV2Tag's digested.String())
    const byDigest = ok(await c.docker(['pull', `${registryHost}/e2e/dig@${digest}`], { timeoutMs: 60_000 }));
    expect(byDigest.stdout).toMatch(new RegExp(`^${registryHost}/e2e/dig@${digest}: Pulling from e2e/dig$`, 'm'));
    expect(byDigest.stdout).toContain(`Status: Downloaded newer image for ${registryHost}/e2e/dig@${digest}`);
    ok(await c.docker(['rmi', `${registryHost}/e2e/dig@${digest}`]));

    const r = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/images/create?fromImage=${encodeURIComponent(`${registryHost}/e2e/dig@${digest}`)}&tag=t9`, timeoutMs: 60_000 });
    expect(r.status).toBe(200);
    const lines = r.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { status: string; id?: string });
    const asked = `${registryHost}/e2e/dig:t9@${digest}`;
    expect(lines[0]).toEqual({ status: 'Pulling from e2e/dig', id: asked });
    expect(lines.map((l) => l.status)).toEqual(expect.arrayContaining([`Digest: ${digest}`]));
    expect(lines[lines.length - 1]).toEqual({ status: `Status: Downloaded newer image for ${asked}` });
    // the reference store favours the digest: repo@D, no tag t9
    const img = (await rawRequest(d.socketPath, { path: `/v1.41/images/${encodeURIComponent(`${registryHost}/e2e/dig@${digest}`)}/json` })).json as { Id: string; RepoTags: string[]; RepoDigests: string[] };
    expect(img.Id).toBe(fixtures.dockerSaveId);
    expect(img.RepoDigests).toContain(`${registryHost}/e2e/dig@${digest}`);
    expect(img.RepoTags.filter((t) => t.includes('/e2e/dig'))).toEqual([]);
    const until = Math.floor(Date.now() / 1000) + 1;
    const filters = encodeURIComponent(JSON.stringify({ type: { image: true }, event: { pull: true } }));
    const ev = await rawRequest(d.socketPath, { path: `/v1.41/events?since=${since}&until=${until}&filters=${filters}` });
    const pulls = ev.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { Actor: { ID: string; Attributes: Record<string, string> } });
    // (the window is whole seconds: the CLI's pull by digest just before is in it too)
    expect(pulls.map((e) => [e.Actor.ID, e.Actor.Attributes.name]).filter(([id]) => id!.includes('/e2e/dig'))).toEqual([
      [`${registryHost}/e2e/dig@${digest}`, `${registryHost}/e2e/dig`],
      [asked, `${registryHost}/e2e/dig`],
    ]);
    ok(await c.docker(['rmi', `${registryHost}/e2e/dig@${digest}`]));
  });

  it('a missing tag and an unreachable registry fail with a clear message', async () => {
    const missing = failed(await c.docker(['pull', `${registryHost}/e2e/fixture:nope`]));
    expect(missing.stderr).toMatch(/not found|manifest unknown/i);
    const unreachable = failed(await c.docker(['pull', '127.0.0.1:9/e2e/fixture:1']));
    expect(unreachable.stderr).toMatch(/refused|connect/i);
  });

  it('kill -9 of berthd during a pull, at each layer it commits: after the restart nothing of it is left, and the pull then completes', async () => {
    const work = scratchDir('pull-cut');
    const layers = [0, 1, 2, 3].map((i) => makeTar([{ name: `big${i}`, content: randomBytes(24 << 20) }]));
    const archive = path.join(work, 'big.tar');
    fs.writeFileSync(archive, makeDockerSaveArchive({ layers, repoTag: 'big:1' }));
    const ref = `${registryHost}/e2e/big:1`;
    ok(await exec('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${ref}`], { timeoutMs: 120_000 }));
    // what the store holds (layer dirs' content aside); tmp/ is emptied at every start
    const held = (): string[] => storeFiles(d.dataRoot, { layerContent: false });
    const layerDirs = (): number => layerDirCount(d.dataRoot);
    const before = held();
    const base = layerDirs();
    for (const n of [1, 2, 3]) {
      const pull = c.docker(['pull', ref], { timeoutMs: 120_000 });
      await waitFor(`layer ${n} of the pull in place`, () => layerDirs() >= base + n, 60_000, 2);
      await d.kill9();
      await pull;
      await d.restart();
      expect(ok(await c.docker(['images', '-q', ref])).stdout).toBe('');
      expect(held()).toEqual(before);
    }
    ok(await c.docker(['pull', ref], { timeoutMs: 120_000 }));
    expect(ok(await c.docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', ref])).stdout.trim()).toBe('4');
    ok(await c.docker(['rmi', ref]));
  }, 240_000);

  it("kill -9 between a pull's manifest and config blobs and its image record: after the restart both blobs are gone (swept at start), and the pull then completes", async () => {
    const work = scratchDir('pull-blobs');
    const layer = makeTar([{ name: 'f', content: 'kept\n' }]);
    const diffId = `sha256:${sha256Hex(layer)}`;
    const config = (label: string): string =>
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Labels: { which: label } }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'e2e' }] });
    for (const which of ['first', 'second']) {
      const archive = path.join(work, `${which}.tar`);
      fs.writeFileSync(archive, makeDockerSaveArchive({ layers: [layer], rawConfig: config(which), repoTag: `blobs:${which}` }));
      ok(await exec('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${registryHost}/e2e/blobs:${which}`], { timeoutMs: 60_000 }));
    }
    // the layer is in the store already: the second pull writes its manifest and config blobs, then the record
    ok(await c.docker(['pull', `${registryHost}/e2e/blobs:first`], { timeoutMs: 60_000 }));
    const blobsDir = path.join(d.dataRoot, 'content', 'sha256');
    const held = (): string[] => storeFiles(d.dataRoot);
    const before = held();
    const configBlob = path.join(blobsDir, sha256Hex(config('second')));
    // berth.db's write lock held by another process: the record's insert waits (busy timeout)
    // with both blobs already in content/
    await whileDatabaseLocked(d.dataRoot, async () => {
      const pull = c.docker(['pull', `${registryHost}/e2e/blobs:second`], { timeoutMs: 60_000 });
      await waitFor('the config blob written', () => fs.existsSync(configBlob), 4_000, 2);
      const written = fs.readdirSync(blobsDir).length - before.filter((f) => f.startsWith('content/')).length;
      expect(written).toBe(2); // the manifest, then the config
      await d.kill9();
      await pull;
    });
    await d.restart();
    expect(held()).toEqual(before);
    expect(ok(await c.docker(['images', '-q', `${registryHost}/e2e/blobs:second`])).stdout).toBe('');
    ok(await c.docker(['pull', `${registryHost}/e2e/blobs:second`], { timeoutMs: 60_000 }));
    expect(ok(await c.docker(['image', 'inspect', '--format', '{{.Config.Labels.which}}', `${registryHost}/e2e/blobs:second`])).stdout.trim()).toBe('second');
    ok(await c.docker(['rmi', `${registryHost}/e2e/blobs:first`, `${registryHost}/e2e/blobs:second`]));
  }, 120_000);
});
