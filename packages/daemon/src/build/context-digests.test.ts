import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ContextHasher } from './context-digests';

let dir: string;
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const long = `${'d'.repeat(120)}/${'f'.repeat(130)}.txt`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctx-digests-'));
  const src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'sub', path.dirname(long)), { recursive: true });
  await fs.writeFile(path.join(src, 'a.txt'), 'A');
  await fs.writeFile(path.join(src, 'sub', 'big.bin'), Buffer.alloc(70_000, 7));
  await fs.writeFile(path.join(src, 'sub', long), 'long');
  await fs.writeFile(path.join(src, 'empty'), '');
  await fs.symlink('a.txt', path.join(src, 'link'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function digestsOf(tar: string) {
  const h = new ContextHasher();
  await pipeline(createReadStream(tar, { highWaterMark: 1000 }), h, new Writable({ write: (_c, _e, cb) => cb() }));
  return h.digests();
}

describe('ContextHasher', () => {
  it.each(['gnu', 'pax', 'ustar'])('hashes every regular file of a %s tar as it streams by', async (format) => {
    const tar = path.join(dir, `${format}.tar`);
    const args = format === 'ustar' ? ['--exclude', 'sub/d*'] : [];
    execFileSync('tar', ['-C', path.join(dir, 'src'), `--format=${format}`, ...args, '-cf', tar, '.']);
    const d = (await digestsOf(tar))!;
    expect(d).toBeDefined();
    expect(d.get('a.txt')).toEqual({ size: 1, sha256: sha('A') });
    expect(d.get('sub/big.bin')).toEqual({ size: 70_000, sha256: sha(Buffer.alloc(70_000, 7)) });
    expect(d.get('empty')).toEqual({ size: 0, sha256: sha('') });
    expect(d.has('link')).toBe(false);
    if (format !== 'ustar') expect(d.get(`sub/${long}`)).toEqual({ size: 4, sha256: sha('long') });
  });

  it('gives up on anything that is not a plain tar', async () => {
    const gz = path.join(dir, 'ctx.tar.gz');
    execFileSync('tar', ['-C', path.join(dir, 'src'), '-czf', gz, '.']);
    expect(await digestsOf(gz)).toBeUndefined();
  });
});
