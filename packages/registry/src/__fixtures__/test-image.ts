import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { type Descriptor, type Manifest, MediaType, sha256Digest } from '@berth/oci';

export interface TestImage {
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  /** Every blob by digest (config, layers, manifest). */
  blobs: Map<string, Buffer>;
}

async function tarOf(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const f of files) {
    await new Promise<void>((resolve, reject) => p.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data, (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A small two-layer image built in memory: layer 1 a text file, layer 2 `bigSize` random
 * bytes (incompressible, so the blob is about that large).
 */
export async function buildTestImage(seed: string, opts: { bigSize?: number; docker?: boolean; architecture?: string } = {}): Promise<TestImage> {
  const docker = opts.docker ?? false;
  const tars = [
    await tarOf([{ name: 'hello.txt', data: Buffer.from(`hello from ${seed}\n`) }]),
    await tarOf([{ name: 'data/random.bin', data: randomBytes(opts.bigSize ?? 256 * 1024) }]),
  ];
  const blobs = new Map<string, Buffer>();
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const t of tars) {
    const gz = gzipSync(t);
    const d = sha256Digest(gz);
    blobs.set(d, gz);
    diffIds.push(`sha256:${createHash('sha256').update(t).digest('hex')}`);
    layers.push({ mediaType: docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, digest: d, size: gz.length });
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: opts.architecture ?? 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Labels: { seed } },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [{ created_by: 'layer 1' }, { created_by: 'layer 2' }],
    }),
  );
  const config: Descriptor = { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: sha256Digest(configBytes), size: configBytes.length };
  blobs.set(config.digest, configBytes);
  const mediaType = docker ? MediaType.DockerManifest : MediaType.OciManifest;
  const manifest: Manifest = { schemaVersion: 2, mediaType, config, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = sha256Digest(manifestBytes);
  blobs.set(manifestDigest, manifestBytes);
  return { manifest, manifestBytes, manifestDigest, mediaType, config, layers, blobs };
}
