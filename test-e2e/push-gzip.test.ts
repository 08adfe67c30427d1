/**
 * Issue 12: `docker push` sends gzip-compressed layers under a Docker v2 schema 2 manifest, as
 * docker does, to Debian's docker-registry; `skopeo inspect --raw` shows the media types, `docker
 * pull` of it gives the same image ID back, and a second push reuses the compressed layer.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BerthDaemon, busyboxRootfsTar, clientsFor, exec, ok } from './harness';
import { type RunningRegistry, startDockerRegistry, startFaultyProxy } from './registry-helpers';

let d: BerthDaemon;
let registry: RunningRegistry;

beforeAll(async () => {
  [d, registry] = await Promise.all([BerthDaemon.start(), startDockerRegistry()]);
  ok(await clientsFor(d).docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
  await registry?.dispose();
}, 120_000);

const skopeo = (args: string[]) => exec('skopeo', ['--insecure-policy', ...args], { timeoutMs: 60_000 });

describe('push', () => {
  it('gzip layers under a Docker v2 schema 2 manifest; pull gives the same image back', async () => {
    const { docker } = clientsFor(d);
    const ref = `${registry.host}/gz/busybox:v1`;
    ok(await docker(['tag', 'busybox:latest', ref]));
    const id = ok(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
    const push = ok(await docker(['push', ref]));
    expect(push.stdout).toMatch(/v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string; size: number }[];
    };
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(raw.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(raw.layers.map((l) => l.mediaType)).toEqual(['application/vnd.docker.image.rootfs.diff.tar.gzip']);
    const uncompressed = Number(ok(await docker(['image', 'inspect', '-f', '{{.Size}}', ref])).stdout.trim());
    expect(raw.layers[0]!.size).toBeLessThan(uncompressed); // compressed on the wire

    ok(await docker(['rmi', ref]));
    ok(await docker(['rmi', 'busybox:latest']));
    ok(await docker(['pull', ref]));
    expect(ok(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(id);
    expect(ok(await docker(['run', '--rm', ref, 'echo', 'pulled back'])).stdout).toBe('pulled back\n');
  });

  it('a second push to another repository reuses the compressed layer (same digest)', async () => {
    const { docker } = clientsFor(d);
    const a = `${registry.host}/gz/busybox:v1`;
    const b = `${registry.host}/gz/other:v1`;
    ok(await docker(['tag', a, b]));
    ok(await docker(['push', b]));
    const layersOf = async (r: string) =>
      (JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${r}`])).stdout) as { layers: { digest: string }[] }).layers.map((l) => l.digest);
    expect(await layersOf(b)).toEqual(await layersOf(a));
  });

  it('an image with the same layer twice (the same COPY twice) pushes it once and pulls back the same image', async () => {
    const { docker } = clientsFor(d);
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'push-dup-'));
    try {
      ok(await docker(['import', busyboxRootfsTar(), 'dupbase:latest']));
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM dupbase\nCOPY f /f\nCOPY f /f\n');
      fs.writeFileSync(path.join(ctx, 'f'), 'the same file\n');
      fs.utimesSync(path.join(ctx, 'f'), new Date(1.5e12), new Date(1.5e12));
      const ref = `${registry.host}/gz/dup:v1`;
      ok(await docker(['build', '-q', '-t', ref, ctx], { env: { DOCKER_BUILDKIT: '0' } }));
      const diffIds = JSON.parse(ok(await docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref])).stdout) as string[];
      expect(diffIds).toHaveLength(3);
      expect(diffIds[2]).toBe(diffIds[1]);
      const id = ok(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
      ok(await docker(['push', ref]));
      const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout) as { layers: { digest: string }[] };
      expect(raw.layers).toHaveLength(3);
      expect(raw.layers[2]!.digest).toBe(raw.layers[1]!.digest);
      ok(await docker(['rmi', ref]));
      ok(await docker(['pull', ref]));
      expect(ok(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(id);
    } finally {
      fs.rmSync(ctx, { recursive: true, force: true });
    }
  });
});


describe('push retries', () => {
  it('a layer upload cut on the way is uploaded again from a new session (docker retries an upload), and the push completes', async () => {
    const { docker } = clientsFor(d);
    const proxy = await startFaultyProxy(registry.port, 'drop-upload', 256 * 1024);
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'push-retry-'));
    try {
      ok(await docker(['import', busyboxRootfsTar(), 'retrybase:latest']));
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM retrybase\nCOPY big /big\n');
      // never pushed (random): compressed while it is uploaded, the stream the proxy cuts
      fs.writeFileSync(path.join(ctx, 'big'), crypto.randomBytes(2 << 20));
      const ref = `${proxy.host}/gz/retry:v1`;
      ok(await docker(['build', '-q', '-t', ref, ctx], { env: { DOCKER_BUILDKIT: '0' } }));
      const id = ok(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
      const push = ok(await docker(['push', ref]));
      expect(proxy.cut).toBe(1);
      expect(push.stdout).toMatch(/^[0-9a-f]{12}: Retrying in 1 second$/m); // docker's words (after a 250 ms backoff)
      expect(push.stdout).toMatch(/v1: digest: sha256:[0-9a-f]{64} size: \d+/);
      // the registry holds it whole: pulled back from it directly, the same image
      ok(await docker(['rmi', ref]));
      const direct = `${registry.host}/gz/retry:v1`;
      ok(await docker(['pull', direct]));
      expect(ok(await docker(['image', 'inspect', '-f', '{{.Id}}', direct])).stdout.trim()).toBe(id);
      const sum = crypto.createHash('sha256').update(fs.readFileSync(path.join(ctx, 'big'))).digest('hex');
      expect(ok(await docker(['run', '--rm', direct, 'sha256sum', '/big'])).stdout).toBe(`${sum}  /big\n`);
    } finally {
      await proxy.close();
      fs.rmSync(ctx, { recursive: true, force: true });
    }
  });
});
