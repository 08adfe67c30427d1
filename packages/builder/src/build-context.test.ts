import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolveInScope } from './build-context';

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

describe('resolveInScope', () => {
  it('takes absolute targets as paths in the root', async () => {
    expect(await resolveInScope(root, 'abs')).toBe(path.join(root, 'data', 'f'));
    expect(await resolveInScope(root, 'dirlink/f')).toBe(path.join(root, 'data', 'f'));
  });
  it('never climbs above the root', async () => {
    expect(await resolveInScope(root, 'data/up')).toBe(path.join(root, 'etc', 'passwd'));
    expect(await resolveInScope(root, '../../x')).toBe(path.join(root, 'x'));
  });
  it('refuses link loops', async () => {
    await expect(resolveInScope(root, 'loop')).rejects.toThrow(/too many levels of symbolic links/);
  });
});
