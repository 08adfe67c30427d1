import { describe, expect, it } from '@jest/globals';
import { RootfsMounts } from './rootfs-mounts';

describe('RootfsMounts with a detaching mounter', () => {
  it('a new mount of the same container waits until the detached one is torn down; settled() says when', async () => {
    const log: string[] = [];
    let tearDown!: () => void;
    const mounts = new RootfsMounts({
      mount: async () => {
        log.push('mount');
      },
      unmount: async () => {
        log.push('unmount');
      },
      detach: async () => {
        log.push('detach');
        return { released: new Promise<void>((r) => (tearDown = () => (log.push('released'), r()))) };
      },
    });
    const describe = async () => [];
    await mounts.acquire('c', '/x', describe);
    await mounts.release('c', '/x'); // resolves once detached, before the teardown
    expect(log).toEqual(['mount', 'detach']);
    let settled = false;
    void mounts.settled('c').then(() => (settled = true));
    const again = mounts.acquire('c', '/x', describe);
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['mount', 'detach']);
    expect(settled).toBe(false);
    tearDown();
    await again;
    expect(settled).toBe(true);
    expect(log).toEqual(['mount', 'detach', 'released', 'mount']);
    await mounts.settled('other');
  });
});
