import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SourceRoot, closeEntries } from './build-context';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'scope-'));
  await fs.mkdir(path.join(root, 'data'));
  await fs.writeFile(path.join(root, 'data', 'f'), 'x');
  await fs.symlink('/data/f', path.join(root, 'abs'));
  await fs.symlink('../../../etc/passwd', path.join(root, 'data', 'up'));
  await fs.symlink('data', path.join(root, 'dirlink'));
  await fs.symlink('loop', path.join(root, 'loop'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('context sources resolved in the context scope, held by fd', () => {
  const read = async (rel: string): Promise<string> => {
    const [e] = await new SourceRoot(root).resolve(rel, 'COPY');
    try {
      return await fs.readFile(e!.held.path, 'utf8');
    } finally {
      closeEntries([e!]);
    }
  };
  it('takes absolute targets as paths in the root', async () => {
    expect(await read('abs')).toBe('x');
    expect(await read('dirlink/f')).toBe('x');
  });
  it('never climbs above the root', async () => {
    // data/up -> ../../../etc/passwd is <root>/etc/passwd, which the context does not have
    await expect(read('data/up')).rejects.toThrow('file not found in build context');
    await expect(read('../../x')).rejects.toThrow('forbidden path outside the build context');
  });
  it('refuses link loops', async () => {
    await expect(read('loop')).rejects.toThrow('file not found in build context');
  });
  it('keeps reading what it resolved when the path is swapped for a symlink afterwards', async () => {
    await fs.mkdir(path.join(root, 'swap'));
    await fs.writeFile(path.join(root, 'swap', 'f'), 'inside');
    const [e] = await new SourceRoot(root).resolve('swap', 'COPY');
    try {
      await fs.rename(path.join(root, 'swap'), path.join(root, 'swapped'));
      await fs.symlink('/etc', path.join(root, 'swap'));
      expect(await fs.readFile(path.join(e!.held.path, 'f'), 'utf8')).toBe('inside');
    } finally {
      closeEntries([e!]);
    }
  });
});

describe('SourceRoot (.dockerignore server side, COPY patterns)', () => {
  let ctx: string;
  beforeAll(async () => {
    ctx = await fs.mkdtemp(path.join(os.tmpdir(), 'srcroot-'));
    for (const f of ['a.txt', 'b.txt', 'x.tmp', 'docs/a.md', 'docs/keep/README.md', 'deep/er/y.tmp', 'deep/er/z.txt']) {
      await fs.mkdir(path.dirname(path.join(ctx, f)), { recursive: true });
      await fs.writeFile(path.join(ctx, f), f);
    }
  });
  afterAll(async () => {
    await fs.rm(ctx, { recursive: true, force: true });
  });

  it('applies moby patternmatcher semantics: **, exceptions under an ignored directory, cleaned patterns', async () => {
    const src = new SourceRoot(ctx, '**/*.tmp\n/docs\n!docs/keep/./README.md\n');
    expect((await src.walk()).sort()).toEqual(['a.txt', 'b.txt', 'deep', 'deep/er', 'deep/er/z.txt', 'docs/keep/README.md']);
    expect(src.ignored('docs/a.md')).toBe(true);
    expect(await src.excluded('docs')).toBe(false); // an exception keeps docs/keep/README.md
    expect(await src.excluded('docs/a.md')).toBe(true);
    expect(await new SourceRoot(ctx, 'docs\n').excluded('docs')).toBe(true);
    await expect(src.resolve('deep/er/y.tmp', 'COPY')).rejects.toThrow('excluded by .dockerignore');
  });

  it('matches COPY sources component by component (Go filepath.Match), classes included', async () => {
    const src = new SourceRoot(ctx);
    expect((await src.resolve('*.txt', 'COPY')).map((e) => e.rel)).toEqual(['a.txt', 'b.txt']);
    expect((await src.resolve('[ab].t?t', 'COPY')).map((e) => e.rel)).toEqual(['a.txt', 'b.txt']);
    expect((await src.resolve('[^a].txt', 'COPY')).map((e) => e.rel)).toEqual(['b.txt']);
    expect((await src.resolve('deep/*/z.txt', 'COPY')).map((e) => e.rel)).toEqual(['deep/er/z.txt']);
    await expect(src.resolve('*/z.txt', 'COPY')).rejects.toThrow('no source files were specified');
    // docker ignores filepath.Match's error: a malformed pattern matches nothing
    await expect(src.resolve('a[', 'COPY')).rejects.toThrow('COPY failed: no source files were specified');
  });

  it('refuses a malformed .dockerignore', () => {
    expect(() => new SourceRoot(ctx, 'ok\n[]a]\n')).toThrow('syntax error in pattern: []a]');
  });
});
