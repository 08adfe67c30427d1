/**
 * The start-up clean-up of tmp/ after a crash (daemon.ts: unmountLeftovers, then removeTree):
 * a `kill -9` during an ADD leaves its writable overlay (image layers below, the step's staging
 * tree as upper dir) mounted under tmp/; the start unmounts it and empties tmp/, the layers untouched.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeTree } from '@berth/fs';
import { unmountLeftovers } from './unmount-leftovers';

const root = mkdtempSync(path.join(os.tmpdir(), 'berth-leftovers-'));
const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => Boolean(m && m.startsWith(`${dir}/`)));

afterAll(() => {
  for (const m of mountsUnder(root).reverse()) execFileSync('umount', ['-l', m]);
  rmSync(root, { recursive: true, force: true });
});

describe('unmountLeftovers', () => {
  it("clears an ADD's writable overlay and a read-only image root left under tmp/; the layers below keep their files", async () => {
    const layer = path.join(root, 'layer');
    mkdirSync(path.join(layer, 'etc'), { recursive: true });
    writeFileSync(path.join(layer, 'etc', 'kept'), 'kept\n');
    const lower2 = path.join(root, 'lower2');
    mkdirSync(lower2);
    const tmp = path.join(root, 'tmp');
    for (const d of ['staging/upper', 'build-work-1', 'build-root-1', 'build-root-2']) mkdirSync(path.join(tmp, d), { recursive: true });
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${layer},upperdir=${tmp}/staging/upper,workdir=${tmp}/build-work-1`, `${tmp}/build-root-1`]);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${layer}:${lower2}`, `${tmp}/build-root-2`]);
    writeFileSync(path.join(tmp, 'build-root-1', 'added'), 'x');
    expect(mountsUnder(tmp).sort()).toEqual([`${tmp}/build-root-1`, `${tmp}/build-root-2`]);

    await unmountLeftovers(tmp);
    expect(mountsUnder(tmp)).toEqual([]);
    // what the step wrote is in its upper dir, nothing went through to the layer
    expect(readdirSync(path.join(tmp, 'staging', 'upper'))).toEqual(['added']);
    await removeTree(tmp);
    expect(existsSync(tmp)).toBe(false);
    expect(readdirSync(layer)).toEqual(['etc']);
    expect(readFileSync(path.join(layer, 'etc', 'kept'), 'utf8')).toBe('kept\n');
  });
});
