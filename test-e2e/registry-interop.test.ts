/**
 * Interop with registry software we did not write: berthd ↔ Debian's docker-registry
 * (distribution 2.8) both ways, with basic auth (htpasswd, bcrypt), by the berth and the docker
 * CLI; skopeo copying into berth-registry and back out (docker:// and oci: transports), and
 * `skopeo inspect` of what berthd pushed. One berthd, one docker-registry, one berth-registry.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, exec, fixtures, ok, scratchDir } from './harness';
import { RunningRegistry, startBerthRegistry, startDockerRegistry, writeHtpasswd } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let distribution: RunningRegistry;
let ours: RunningRegistry;
let dockerConfig: string;
let work: string;
const USER = 'interop';
const PASS = 'interop-secret';
const LAYERS = 5;

beforeAll(async () => {
  work = scratchDir('registry-interop');
  const htpasswd = path.join(work, 'htpasswd');
  writeHtpasswd(htpasswd, USER, PASS);
  dockerConfig = scratchDir('registry-interop-docker');
  [d, distribution, ours] = await Promise.all([BerthDaemon.start(), startDockerRegistry({ htpasswd }), startBerthRegistry()]);
  c = clientsFor(d);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([distribution?.dispose(), ours?.dispose()]);
  await d?.dispose();
}, 60_000);

const docker = (args: string[], input?: string) => c.docker(args, { env: { DOCKER_CONFIG: dockerConfig }, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
const skopeo = (args: string[]) => exec('skopeo', ['--insecure-policy', ...args], { timeoutMs: 60_000 });

async function loadAs(ref: string): Promise<void> {
  ok(await c.berth(['load', '-i', fixtures.dockerSave]));
  ok(await c.berth(['tag', fixtures.dockerSaveTag, ref]));
}

async function removeImage(): Promise<void> {
  ok(await c.docker(['rmi', '-f', fixtures.dockerSaveId]));
}

describe("berthd ↔ Debian's docker-registry (htpasswd)", () => {
  it('docker login, push to docker-registry, rmi, pull back: same ID, runs; skopeo inspect sees what berthd pushed', async () => {
    const ref = `${distribution.host}/interop/multi:1`;
    ok(await docker(['login', '-u', USER, '--password-stdin', distribution.host], PASS));
    await loadAs(ref);
    const pushed = ok(await docker(['push', ref]));
    const digest = /digest: (sha256:[0-9a-f]{64}) size:/.exec(pushed.stdout)?.[1];
    expect(digest).toBeDefined();
    await removeImage();
    const pulled = ok(await docker(['pull', ref]));
    expect(pulled.stdout).toContain(`Digest: ${digest}`);
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(fixtures.dockerSaveId);
    expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');

    const info = JSON.parse(ok(await skopeo(['inspect', '--tls-verify=false', `--creds=${USER}:${PASS}`, `docker://${ref}`])).stdout) as { Digest: string; Layers: string[] };
    expect(info.Digest).toBe(digest);
    expect(info.Layers).toHaveLength(LAYERS);
    const config = JSON.parse(ok(await skopeo(['inspect', '--config', '--tls-verify=false', `--creds=${USER}:${PASS}`, `docker://${ref}`])).stdout) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toHaveLength(LAYERS);
    await removeImage();
    ok(await docker(['logout', distribution.host]));
  });

  it('what skopeo put into docker-registry, berth pulls (after berth login)', async () => {
    const ref = `${distribution.host}/interop/by-skopeo:1`;
    ok(await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `--dest-creds=${USER}:${PASS}`, `docker-archive:${fixtures.dockerSave}`, `docker://${ref}`]));
    const berthConfig = scratchDir('registry-interop-berth');
    ok(await c.berth(['login', '-u', USER, '--password-stdin', distribution.host], { input: PASS, env: { BERTH_CONFIG: berthConfig } }));
    const r = ok(await c.berth(['pull', ref], { env: { BERTH_CONFIG: berthConfig }, timeoutMs: 60_000 }));
    expect(r.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(fixtures.dockerSaveId);
    await removeImage();
  });
});

describe('skopeo ↔ berth-registry', () => {
  it('skopeo copy docker-archive: → docker:// berth-registry → oci: dir → docker:// again; berth pulls both; skopeo inspect of a berth push', async () => {
    const a = `${ours.host}/skopeo/in:1`;
    const b = `${ours.host}/skopeo/from-oci:1`;
    const oci = path.join(work, 'oci');
    ok(await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtures.dockerSave}`, `docker://${a}`]));
    ok(await skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${a}`, `oci:${oci}:x`]));
    expect(fs.existsSync(path.join(oci, 'index.json'))).toBe(true);
    ok(await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${oci}:x`, `docker://${b}`]));
    for (const ref of [a, b]) {
      const r = ok(await c.berth(['pull', ref], { timeoutMs: 60_000 }));
      expect(r.stdout).toMatch(/Status: (Downloaded newer image|Image is up to date) for/);
    }
    // docker:// keeps the fixture's config (same image ID); oci: has skopeo rewrite it as an OCI
    // config, the one the OCI-archive fixture carries
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', a])).stdout.trim()).toBe(fixtures.dockerSaveId);
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', b])).stdout.trim()).toBe(fixtures.ociArchiveId);
    expect(ok(await c.docker(['run', '--rm', b])).stdout).toBe('hello\n');

    const pushedRef = `${ours.host}/skopeo/by-berth:1`;
    ok(await c.berth(['tag', a, pushedRef]));
    const pushed = ok(await c.berth(['push', pushedRef], { timeoutMs: 60_000 }));
    const digest = /digest: (sha256:[0-9a-f]{64}) size:/.exec(pushed.stdout)?.[1];
    const info = JSON.parse(ok(await skopeo(['inspect', '--tls-verify=false', `docker://${pushedRef}`])).stdout) as { Digest: string; Layers: string[] };
    expect(info.Digest).toBe(digest);
    expect(info.Layers).toHaveLength(LAYERS);
    // and out again through the oci: transport, complete and verified by skopeo
    ok(await skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${pushedRef}`, `oci:${oci}:by-berth`]));
    await removeImage();
    ok(await c.docker(['rmi', '-f', fixtures.ociArchiveId]));
  });

});

describe('zstd layers', () => {
  // A registry of its own: skopeo's blob-info cache would otherwise substitute the gzip blobs it
  // pushed to `ours` (or the zstd ones for the gzip copy).
  it('skopeo --dest-compress-format zstd (OCI): berth pulls and runs it', async () => {
    const zreg = await startBerthRegistry();
    try {
      const ref = `${zreg.host}/skopeo/zstd:1`;
      const dir = path.join(work, 'oci-zstd');
      ok(await skopeo(['copy', '--quiet', '--format', 'oci', '--dest-compress-format', 'zstd', `docker-archive:${fixtures.dockerSave}`, `oci:${dir}:x`]));
      ok(await skopeo(['copy', '--quiet', '--format', 'oci', '--dest-compress-format', 'zstd', '--dest-tls-verify=false', `oci:${dir}:x`, `docker://${ref}`]));
      const manifest = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout) as { layers: { mediaType: string }[] };
      expect(manifest.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd')).toBe(true);
      // zstd layers unpack with Node's zlib zstd where it has one, else with fzstd (image-store)
      ok(await c.berth(['pull', ref], { timeoutMs: 60_000 }));
      expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');
      ok(await c.docker(['rmi', '-f', ref]));
    } finally {
      await zreg.dispose();
    }
  });
});
