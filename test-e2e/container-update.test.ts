/**
 * `docker update` checked as Docker 20.10 checks it (daemon/update.go, container_unix.go
 * UpdateContainer): the update's own values first (verifyContainerSettings with `update`: 400s
 * and warnings), then against what the container has (409 `Cannot update container ID: …`),
 * with the docker CLI 28 and raw requests.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import { BerthDaemon, clientsFor, failed, ok, rawRequest, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];
useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

const update = (name: string, body: unknown) =>
  rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/containers/${name}/update`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const idOf = async (name: string) => ok(await docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
const hostConfig = async (name: string, fields: string) => ok(await docker(['inspect', '-f', fields, name])).stdout.trim();

describe('docker update as Docker 20.10 checks it', () => {
  it('a memory limit above the stored memoryswap needs --memory-swap with it (409), even with no limit yet', async () => {
    ok(await docker(['create', '--name', 'nolimit', 'busybox', 'true']));
    const id = await idOf('nolimit');
    const r = failed(await docker(['update', '-m', '100m', 'nolimit']));
    expect(r.stderr).toContain(`Error response from daemon: Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
    expect((await update('nolimit', { Memory: 104857600 })).status).toBe(409);
    expect(await hostConfig('nolimit', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')).toBe('0 0');
    ok(await docker(['update', '-m', '100m', '--memory-swap', '200m', 'nolimit']));
    expect(await hostConfig('nolimit', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')).toBe('104857600 209715200');
    expect(failed(await docker(['update', '-m', '300m', 'nolimit'])).stderr).toContain('update the memoryswap at the same time');
    // below the stored swap: the swap stays as it is (no doubling on an update)
    ok(await docker(['update', '-m', '150m', 'nolimit']));
    expect(await hostConfig('nolimit', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')).toBe('157286400 209715200');
    // --memory-swap -1 stored: any memory without a swap in the same update is refused
    ok(await docker(['create', '--name', 'swapless', '-m', '64m', '--memory-swap', '-1', 'busybox', 'true']));
    expect(failed(await docker(['update', '-m', '96m', 'swapless'])).stderr).toContain('update the memoryswap at the same time');
  });

  it('--memory-swap smaller than the memory: Docker\'s 400', async () => {
    const r = failed(await docker(['update', '-m', '200m', '--memory-swap', '100m', 'nolimit']));
    expect(r.stderr).toContain('Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage');
    const raw = await update('nolimit', { Memory: 209715200, MemorySwap: 104857600 });
    expect([raw.status, (raw.json as { message: string }).message]).toEqual([400, 'Minimum memoryswap limit should be larger than memory limit, see usage']);
    // a swap without memory in the update is allowed (verifyContainerSettings' update flag), when the stored memory is below it
    ok(await docker(['update', '--memory-swap', '400m', 'nolimit']));
    expect(await hostConfig('nolimit', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')).toBe('157286400 419430400');
  });

  it('CPUs and CPU period/quota: the one stored blocks the other (409)', async () => {
    ok(await docker(['create', '--name', 'period', '--cpu-period', '100000', 'busybox', 'true']));
    const p = failed(await docker(['update', '--cpus', '0.5', 'period']));
    expect(p.stderr).toContain(`Cannot update container ${await idOf('period')}: Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set`);
    ok(await docker(['create', '--name', 'quota', '--cpu-quota', '50000', 'busybox', 'true']));
    expect(failed(await docker(['update', '--cpus', '0.5', 'quota'])).stderr).toContain('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
    ok(await docker(['create', '--name', 'nano', '--cpus', '0.5', 'busybox', 'true']));
    expect(failed(await docker(['update', '--cpu-period', '50000', 'nano'])).stderr).toContain('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
    const q = await update('nano', { CpuQuota: 20000 });
    expect([q.status, (q.json as { message: string }).message]).toEqual([409, `Cannot update container ${await idOf('nano')}: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set`]);
    // both in one update: the update's own 400
    expect(failed(await docker(['update', '--cpus', '0.5', '--cpu-period', '100000', 'nolimit'])).stderr).toContain('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    ok(await docker(['update', '--cpus', '1', 'nano']));
    expect(await hostConfig('nano', '{{.HostConfig.NanoCpus}}')).toBe('1000000000');
  });

  it('a restart policy on an --rm container: 409; "no" is fine', async () => {
    ok(await docker(['create', '--rm', '--name', 'autorm', 'busybox', 'true']));
    const r = failed(await docker(['update', '--restart', 'always', 'autorm']));
    expect(r.stderr).toContain(`Error response from daemon: Cannot update container ${await idOf('autorm')}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    expect((await update('autorm', { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } })).status).toBe(409);
    ok(await docker(['update', '--restart', 'no', 'autorm']));
    // the update's own policy is checked first (400)
    expect((await update('autorm', { RestartPolicy: { Name: 'sometimes' } })).status).toBe(400);
  });

  it('kernel memory: Docker\'s two warnings, the limit discarded; below 6MB is no error then', async () => {
    const r = await update('nolimit', { KernelMemory: 52428800 });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      Warnings: [
        'Specifying a kernel memory limit is deprecated and will be removed in a future release.',
        'Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
      ],
    });
    expect(await hostConfig('nolimit', '{{.HostConfig.KernelMemory}}')).toBe('0');
    expect((await update('nolimit', { KernelMemory: 1024 })).status).toBe(200);
    expect((await update('nolimit', { CpuShares: 512 })).json).toEqual({ Warnings: null });
  });

  it('PidsLimit 0 or less in an update means unlimited (the route\'s rule), stored as 0; the next start has no limit', async () => {
    ok(await docker(['create', '--name', 'pids', '--pids-limit', '40', 'busybox', 'sleep', '1000']));
    try {
      ok(await docker(['update', '--pids-limit', '-1', 'pids']));
      expect(await hostConfig('pids', '{{.HostConfig.PidsLimit}}')).toBe('0');
      ok(await docker(['update', '--pids-limit', '50', 'pids']));
      expect(await hostConfig('pids', '{{.HostConfig.PidsLimit}}')).toBe('50');
      expect((await update('pids', { PidsLimit: 0 })).status).toBe(200);
      expect(await hostConfig('pids', '{{.HostConfig.PidsLimit}}')).toBe('0');
      // below API 1.40 the route drops PidsLimit (decoded first: a bad one is still a 400)
      const v139 = (body: unknown) =>
        rawRequest(d.socketPath, { method: 'POST', path: '/v1.39/containers/pids/update', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect((await v139({ PidsLimit: 30 })).status).toBe(200);
      expect((await v139({ PidsLimit: 'x' })).status).toBe(400);
      expect(await hostConfig('pids', '{{.HostConfig.PidsLimit}}')).toBe('0');
      ok(await docker(['start', 'pids']));
      expect(fs.readFileSync(`/sys/fs/cgroup/pids/berth/${await idOf('pids')}/pids.max`, 'utf8').trim()).toBe('max');
    } finally {
      await docker(['rm', '-f', 'pids']);
    }
  });

  it('a limit the kernel refuses on a running container: 500 (moby errdefs.System), nothing stored', async () => {
    // 24 MiB held in the container's /dev/shm (tmpfs, charged to its memory cgroup, no swap to go to)
    ok(await docker(['run', '-d', '--name', 'held', '-m', '64m', '--memory-swap', '64m', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/x bs=1M count=24 && touch /tmp/ready && sleep 1000']));
    try {
      for (let i = 0; i < 100 && (await docker(['exec', 'held', 'test', '-e', '/tmp/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      const r = await update('held', { Memory: 8388608, MemorySwap: 16777216 });
      expect(r.status).toBe(500);
      expect((r.json as { message: string }).message).toMatch(new RegExp(`^Cannot update container ${await idOf('held')}: `));
      expect(await hostConfig('held', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')).toBe('67108864 67108864');
    } finally {
      await docker(['rm', '-f', 'held']);
    }
  });
});
