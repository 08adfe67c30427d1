/** Test helpers for the layer tests (excluded from the build). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { LAYER_NATIVE_PATH } from '../native';

const PACKAGE_ROOT = path.join(__dirname, '..', '..', '..');

/** Builds the native addon if this checkout has not built it yet. */
export function ensureNativeBuilt(): void {
  if (fs.existsSync(LAYER_NATIVE_PATH)) return;
  // jest runs test files in parallel: one worker builds, the others wait and find it built
  execFileSync('flock', [path.join(os.tmpdir(), 'berth-image-store-native.lock'), 'sh', '-c', `test -f '${LAYER_NATIVE_PATH}' || npm run build:native`], {
    cwd: PACKAGE_ROOT,
    stdio: 'ignore',
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `berth-layer-${prefix}-`));
}

export function rmrf(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}

export interface TestEntry {
  /** What tar-stream's `pack.entry` takes: a name, any other header field optional. */
  header: Partial<tar.Header> & Pick<tar.Header, 'name'>;
  body?: string | Buffer;
}

/** A tar built with tar-stream, as one buffer. */
export async function buildTar(entries: TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(e.header, e.body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface ListedEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string | null;
  pax: Record<string, string> | undefined;
  body: Buffer;
}

/** Reads a whole tar stream with tar-stream (trusted input). */
export async function listTar(input: Readable): Promise<ListedEntry[]> {
  const extract = tar.extract();
  const out: ListedEntry[] = [];
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type ?? 'file',
      mode: h.mode ?? 0,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      size: h.size ?? 0,
      linkname: h.linkname ?? null,
      pax: (h.pax as Record<string, string> | null | undefined) ?? undefined,
      body: Buffer.concat(chunks),
    });
  }
  return out;
}

export function streamOf(b: Buffer, chunk = 65536): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += chunk) parts.push(b.subarray(i, i + chunk));
  return Readable.from(parts, { objectMode: false });
}

/** Every path under dir (relative), sorted. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  const rec = (abs: string, rel: string): void => {
    for (const n of fs.readdirSync(abs).sort()) {
      const r = rel === '' ? n : `${rel}/${n}`;
      out.push(r);
      const st = fs.lstatSync(`${abs}/${n}`);
      if (st.isDirectory()) rec(`${abs}/${n}`, r);
    }
  };
  rec(dir, '');
  return out;
}
