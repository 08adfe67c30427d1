import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsNative } from './native';
import { removeTree, removeTreeSync } from './remove-tree';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'remove-tree-'));
});
afterEach(() => {
  execFileSync('rm', ['-rf', tmp]); // GNU rm works by fd: it gets past PATH_MAX
});

/** A chain of 200-character directories `depth` deep below `top`, made by fd (no path grows). */
function deepTree(top: string, depth: number): void {
  fs.mkdirSync(top);
  const name = '0'.repeat(200);
  let dir = fs.openSync(top, 'r');
  for (let i = 0; i < depth; i++) {
    fsNative().mkdirat(dir, name, 0o755);
    const next = fsNative().openat(dir, name, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY, 0);
    fs.closeSync(dir);
    dir = next;
  }
  fs.closeSync(dir);
}

describe('removeTree', () => {
  it('removes a tree with a path past PATH_MAX (node fs.rm alone fails with ENAMETOOLONG)', async () => {
    const top = path.join(tmp, 'deep');
    deepTree(top, 25); // 25 * 201 bytes: past 4,096 below top
    await expect(fs.promises.rm(top, { recursive: true, force: true })).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    await removeTree(top);
    expect(fs.existsSync(top)).toBe(false);
    deepTree(top, 25);
    expect(() => fs.rmSync(top, { recursive: true, force: true })).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
    removeTreeSync(top);
    expect(fs.existsSync(top)).toBe(false);
    removeTreeSync(top); // missing: no error
  });

  it('removes an ordinary tree, and a missing path is no error', async () => {
    const top = path.join(tmp, 'plain');
    fs.mkdirSync(path.join(top, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(top, 'a', 'b', 'f'), 'x');
    await removeTree(top);
    expect(fs.existsSync(top)).toBe(false);
    await removeTree(path.join(tmp, 'missing'));
  });
});
