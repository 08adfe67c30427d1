import * as crypto from 'node:crypto';

/**
 * A deliberately dumb ustar writer for hostile test input: it writes whatever it is given (`../`,
 * absolute names, links anywhere, wrong sizes) with no checks, which a real tar library would not.
 */
export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'char' | 'block';
  /** File content (type file). */
  content?: Buffer | string;
  /** Link target (symlink, hardlink). */
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Device numbers (type char, block). */
  devmajor?: number;
  devminor?: number;
  /** More PAX records (mtime/atime with nanoseconds, `SCHILY.xattr.*` with binary values). */
  pax?: Record<string, string | Buffer>;
}

const TYPEFLAG = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', pax: 'x' } as const;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** ustar's split of a long name at a slash into prefix (155) + name (100), when it fits. */
function ustarName(full: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(full) <= 100) return { name: full, prefix: '' };
  const cut = full.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(full.slice(cut + 1)) > 100) return undefined;
  return { name: full.slice(cut + 1), prefix: full.slice(0, cut) };
}

/** A PAX extended header record: "<len> key=value\n", where len counts the whole record. */
function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function header(e: Omit<TarEntry, 'type'> & { type?: TarEntry['type'] | 'pax' }, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const type = e.type ?? 'file';
  const split = ustarName(e.name) ?? { name: e.name.slice(0, 100), prefix: '' };
  const name = split.name;
  const prefix = split.prefix;
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644), 8), 100, 8, 'ascii');
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
  if (e.devmajor !== undefined) h.write(octal(e.devmajor, 8), 329, 8, 'ascii');
  if (e.devminor !== undefined) h.write(octal(e.devminor, 8), 337, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** A complete tar (with the two zero blocks at the end). */
export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const block = (content: Buffer) => {
    parts.push(content, Buffer.alloc((512 - (content.length % 512)) % 512, 0));
  };
  for (const e of entries) {
    // names and link targets ustar cannot hold go in a PAX header before the entry
    const pax = Buffer.concat([
      ...(ustarName(e.name) ? [] : [paxRecord('path', e.name)]),
      ...(e.linkname && Buffer.byteLength(e.linkname) > 100 ? [paxRecord('linkpath', e.linkname)] : []),
      ...Object.entries(e.pax ?? {}).map(([k, v]) => paxRecord(k, v)),
    ]);
    if (pax.length > 0) {
      const body = pax;
      parts.push(header({ name: 'PaxHeader', type: 'pax' }, body.length));
      block(body);
    }
    const content = e.type === undefined || e.type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    parts.push(header(e, content.length));
    block(content);
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
