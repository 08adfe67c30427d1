import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataRoot } from '../layout';
import { diskUsage, treeSize } from './disk-usage';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-df-'));
  const layout = new DataRoot(root);
  await fs.mkdir(path.join(layout.containerDir('c1'), 'upper'), { recursive: true });
  await fs.writeFile(layout.containerLog('c1'), Buffer.alloc(10_000));
  await fs.writeFile(path.join(layout.containerDir('c1'), 'upper', 'f'), Buffer.alloc(5_000));
  await fs.mkdir(layout.volumeData('v1'), { recursive: true });
  await fs.writeFile(path.join(layout.volumeData('v1'), 'x'), Buffer.alloc(7_000));
  await fs.mkdir(path.join(root, 'content', 'sha256'), { recursive: true });
  await fs.writeFile(path.join(root, 'content', 'sha256', 'blob'), Buffer.alloc(3_000));
  await fs.link(path.join(root, 'content', 'sha256', 'blob'), path.join(root, 'content', 'hardlink'));
  await fs.writeFile(path.join(root, 'berth.db'), Buffer.alloc(1_000));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('disk usage', () => {
  it('counts a hard-linked file once', async () => {
    const blob = (await fs.lstat(path.join(root, 'content', 'sha256', 'blob'))).size;
    const dirs = (await fs.lstat(path.join(root, 'content'))).size + (await fs.lstat(path.join(root, 'content', 'sha256'))).size;
    expect(await treeSize(path.join(root, 'content'))).toBe(blob + dirs);
  });

  it('images + containers + volumes add up to every byte under the data root', async () => {
    const layout = new DataRoot(root);
    const df = (await diskUsage({
      layout,
      images: async () => [],
      containers: async () => [{ Id: 'c1', SizeRw: 1 }],
      volumes: async () => [{ Name: 'v1', Mountpoint: layout.volumeData('v1'), refCount: 0 }],
    })) as { LayersSize: number; Containers: { SizeRw: number }[]; Volumes: { UsageData: { Size: number; RefCount: number } }[] };
    expect(df.Containers[0]!.SizeRw).toBeGreaterThan(15_000);
    expect(df.Volumes[0]!.UsageData).toMatchObject({ RefCount: 0 });
    expect(df.Volumes[0]!.UsageData.Size).toBeGreaterThan(7_000);
    expect(df.LayersSize + df.Containers[0]!.SizeRw + df.Volumes[0]!.UsageData.Size).toBe(await treeSize(root));
  });
});
