/**
 * The build backend's overlay of an image (ADD's writable root): a failed unmount of the writable
 * overlay fails the step and removes nothing through the still-mounted root (a recursive removal
 * there writes a whiteout into the step's upper dir for every file of the image).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createReadStream, promises as fs, openSync, closeSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openImageStore, type ImageStore } from '@berth/image-store';
import { silentLogger } from '@berth/log';
import { Database } from '@berth/sqlite';
import type { ContainerService } from '../containers';
import { DataRoot } from '../layout';
import { DaemonBuildBackend } from './daemon-build-backend';

const FIXTURE = path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');

let root: string;
let layout: DataRoot;
let db: Database;
let store: ImageStore;
let imageId: string;

const mountsUnder = (dir: string): string[] =>
  readFileLines('/proc/self/mountinfo')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => Boolean(m && m.startsWith(`${dir}/`)));
function readFileLines(p: string): string[] {
  return execFileSync('cat', [p]).toString().split('\n');
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-build-backend-'));
  layout = new DataRoot(root, root);
  await fs.mkdir(layout.tmpDir, { recursive: true });
  db = await Database.open(layout.database);
  store = await openImageStore({ root: layout.imageStoreRoot, db });
  imageId = (await store.archives.load(createReadStream(FIXTURE)))[0]!.imageId;
});

afterAll(async () => {
  for (const m of mountsUnder(root ?? '/nonexistent').reverse()) execFileSync('umount', ['-l', m]);
  await db?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe('DaemonBuildBackend overlay of an image', () => {
  it('a failed unmount of the writable overlay fails the step; nothing is removed through the mount', async () => {
    const backend = new DaemonBuildBackend({ containers: {} as ContainerService, imageStore: store, tmpDir: layout.tmpDir, logger: silentLogger, tagImage: async (_id, ref) => ref });
    const upper = await fs.mkdtemp(path.join(layout.tmpDir, 'upper-'));
    let held = -1;
    let mountedAt = '';
    const withOverlay = backend['withOverlay'].bind(backend);
    await expect(
      withOverlay(imageId, upper, async (target: string) => {
        mountedAt = target;
        // a file of the image held open: umount(8) fails with EBUSY
        const file = readdirSync(target).find((n) => n !== 'dev' && n !== 'proc')!;
        held = openSync(path.join(target, file), 'r');
        return undefined;
      }),
    ).rejects.toThrow("build: unmount of the step's root failed");
    try {
      // the upper dir holds no whiteout: the image's files were not removed through the mount
      expect(readdirSync(upper)).toEqual([]);
      expect(mountsUnder(layout.tmpDir)).toContain(mountedAt);
      expect(readdirSync(mountedAt).length).toBeGreaterThan(0);
    } finally {
      closeSync(held);
      execFileSync('umount', [mountedAt]);
    }
  });

  it('a writable overlay unmounted: its mount point and work dir go, the upper dir keeps what was written', async () => {
    const backend = new DaemonBuildBackend({ containers: {} as ContainerService, imageStore: store, tmpDir: layout.tmpDir, logger: silentLogger, tagImage: async (_id, ref) => ref });
    const upper = await fs.mkdtemp(path.join(layout.tmpDir, 'upper-'));
    const before = new Set(readdirSync(layout.tmpDir));
    await backend['withOverlay'](imageId, upper, async (target: string) => fs.writeFile(path.join(target, 'added'), 'x'));
    expect(readdirSync(upper)).toEqual(['added']);
    expect(readdirSync(layout.tmpDir).filter((n) => !before.has(n))).toEqual([]);
    expect(mountsUnder(layout.tmpDir)).toEqual([]);
  });
});
