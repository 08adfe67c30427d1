import * as crypto from 'node:crypto';

/**
 * A deliberately dumb ustar writer for hostile test input: it writes whatever it is given (`../`,
 * absolute names, links anywhere, wrong sizes) with no checks, which a real tar library would not.
 */
export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo';
  /** File content (type file). */
  content?: Buffer | string;
  /** Link target (symlink, hardlink). */
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

const TYPEFLAG = { file: '0', hardlink: '1', symlink: '2', dir: '5', fifo: '6' } as const;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const type = e.type ?? 'file';
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    // split at a slash into prefix (155) + name (100)
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar-writer: name too long: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (type === 'dir' ? 0o755 : 0o644), 8), 100, 8, 'ascii');
  h.write(octal(e.uid ?? 0, 8), 108, 8, 'ascii');
  h.write(octal(e.gid ?? 0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(TYPEFLAG[type], 156, 1, 'ascii');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** A complete tar (with the two zero blocks at the end). */
export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === undefined || e.type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    parts.push(header(e, content.length), content);
    const pad = (512 - (content.length % 512)) % 512;
    parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

export function sha256Hex(b: Buffer | string): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

export interface SaveImageOptions {
  /** Layer tars (uncompressed or gzipped), bottom first. */
  layers: Buffer[];
  /** diffIDs written in the config; default sha256 of each layer (right only for uncompressed layers). */
  diffIds?: string[];
  /** Replaces the config file's bytes (e.g. not JSON). */
  rawConfig?: Buffer | string;
  repoTag?: string;
  /** Replaces manifest.json's bytes. */
  rawManifest?: Buffer | string;
}

/** A `docker save` style archive: <config>.json, <layer>/layer.tar, manifest.json. */
export function makeDockerSaveArchive(o: SaveImageOptions): Buffer {
  const diffIds = o.diffIds ?? o.layers.map((l) => `sha256:${sha256Hex(l)}`);
  const config =
    o.rawConfig ??
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: o.layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'e2e hostile layer' })),
    });
  const configName = `${sha256Hex(config)}.json`;
  const entries: TarEntry[] = [{ name: configName, content: Buffer.from(config) }];
  const layerPaths: string[] = [];
  o.layers.forEach((layer, i) => {
    const dir = sha256Hex(`layer-${i}-${sha256Hex(layer)}`);
    entries.push({ name: `${dir}/`, type: 'dir' });
    entries.push({ name: `${dir}/VERSION`, content: '1.0' });
    entries.push({ name: `${dir}/layer.tar`, content: layer });
    layerPaths.push(`${dir}/layer.tar`);
  });
  const manifest =
    o.rawManifest ??
    JSON.stringify([{ Config: configName, RepoTags: o.repoTag ? [o.repoTag] : null, Layers: layerPaths }]);
  entries.push({ name: 'manifest.json', content: Buffer.from(manifest) });
  return makeTar(entries);
}
