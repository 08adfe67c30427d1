import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildSpec, buildExecProcess, DEFAULT_CAPABILITIES, DEFAULT_PATH_ENV } from './build-spec';
import { resolveUser } from './user';
import { makeRootfs, tempDir } from './__fixtures__/busybox-bundle';
import type { SpecInput } from './types';

let dir: string;
let rootfs: string;
const ID = 'a'.repeat(64);

beforeAll(async () => {
  dir = await tempDir('berth-spec-');
  rootfs = await makeRootfs(dir);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function input(over: Partial<SpecInput> = {}): SpecInput {
  return { id: ID, rootfs, containerDir: '/c', hostname: 'h1', cmd: ['echo', 'hi'], ...over };
}

describe('resolveUser', () => {
  it('defaults to root with root\'s groups and home', async () => {
    expect(await resolveUser(rootfs)).toEqual({ uid: 0, gid: 0, additionalGids: [10], home: '/root' });
  });
  it('resolves names, numbers and groups', async () => {
    expect(await resolveUser(rootfs, 'alice')).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 50], home: '/home/alice' });
    expect(await resolveUser(rootfs, '1000')).toMatchObject({ uid: 1000, gid: 1000, home: '/home/alice' });
    expect(await resolveUser(rootfs, '1234')).toEqual({ uid: 1234, gid: 0, additionalGids: [], home: '/' });
    expect(await resolveUser(rootfs, '1234:5678')).toMatchObject({ uid: 1234, gid: 5678 });
    expect(await resolveUser(rootfs, 'alice:staff')).toMatchObject({ uid: 1000, gid: 50, additionalGids: [] });
    expect(await resolveUser(rootfs, 'nobody:nogroup')).toMatchObject({ uid: 65534, gid: 65534 });
    expect(await resolveUser(rootfs, '0', ['staff', '4242'])).toMatchObject({ additionalGids: [10, 50, 4242] });
  });
  it('rejects unknown names like Docker', async () => {
    await expect(resolveUser(rootfs, 'bob')).rejects.toThrow('unable to find user bob: no matching entries in passwd file');
    await expect(resolveUser(rootfs, 'alice:nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(resolveUser(rootfs, '0', ['nope'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
  it('works without /etc/passwd (numeric ids only)', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(empty, { recursive: true });
    expect(await resolveUser(empty, '5:6')).toEqual({ uid: 5, gid: 6, additionalGids: [], home: '/' });
    await expect(resolveUser(empty, 'root')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
  it('does not follow an /etc/passwd symlink out of the rootfs', async () => {
    const evil = path.join(dir, 'evil');
    await fs.mkdir(path.join(evil, 'etc'), { recursive: true });
    await fs.symlink('../../../../../../etc/passwd', path.join(evil, 'etc', 'passwd'));
    // resolved inside the rootfs: evil/etc/passwd -> evil/etc/passwd loop/absent -> no entries
    await expect(resolveUser(evil, 'root')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('buildSpec', () => {
  it('builds args from entrypoint and cmd', async () => {
    const s = await buildSpec(input({ entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'] }));
    expect(s.process.args).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect((await buildSpec(input({ entrypoint: ['top'], cmd: null }))).process.args).toEqual(['top']);
    await expect(buildSpec(input({ entrypoint: null, cmd: [] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('builds the environment like Docker', async () => {
    const s = await buildSpec(input({ env: ['FOO=bar', 'HOSTNAME=override'] }));
    expect(s.process.env).toEqual([DEFAULT_PATH_ENV, 'HOSTNAME=override', 'FOO=bar', 'HOME=/root']);
    const t = await buildSpec(input({ env: ['PATH=/x', 'HOME=/h'], tty: true, user: 'alice' }));
    expect(t.process.env).toEqual(['HOSTNAME=h1', 'TERM=xterm', 'PATH=/x', 'HOME=/h']);
    expect(t.process.terminal).toBe(true);
  });

  it("cleans the cgroup parent as runc's CleanPath: '..' never leaves the cgroup root (crun takes the path as written)", async () => {
    const cg = async (cgroupParent: string) => (await buildSpec(input({ cgroupParent }))).linux?.cgroupsPath;
    expect(await cg('../../../../tmp/x')).toBe(`/tmp/x/${ID}`);
    expect(await cg('/../../etc/')).toBe(`/etc/${ID}`);
    expect(await cg('a/../../b//c/')).toBe(`/b/c/${ID}`);
    expect(await cg('/docker')).toBe(`/docker/${ID}`);
  });

  it('sets cwd, user, hostname and Docker defaults', async () => {
    const s = await buildSpec(input({ workingDir: '/work/', user: 'alice' }));
    expect(s.process.cwd).toBe('/work');
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 50] });
    expect(s.hostname).toBe('h1');
    expect(s.root).toEqual({ path: rootfs, readonly: false });
    expect(s.process.capabilities?.bounding).toEqual([...DEFAULT_CAPABILITIES]);
    expect(s.linux?.maskedPaths).toContain('/proc/kcore');
    expect(s.linux?.readonlyPaths).toContain('/proc/sys');
    expect(s.linux?.cgroupsPath).toBe(`/berth/${ID}`);
    expect(s.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'network']);
    expect(s.process.rlimits?.[0].type).toBe('RLIMIT_NOFILE');
    expect(s.mounts?.map((m) => m.destination)).toEqual([
      '/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf',
    ]);
    expect(s.mounts?.find((m) => m.destination === '/etc/hosts')).toEqual({
      destination: '/etc/hosts', type: 'bind', source: '/c/hosts', options: ['rbind', 'rprivate'],
    });
    await expect(buildSpec(input({ workingDir: 'rel' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('masked and read-only paths as given (Docker HostConfig.MaskedPaths/ReadonlyPaths, CRI security context), none when privileged', async () => {
    const s = await buildSpec(input({ maskedPaths: ['/secret'], readonlyPaths: [] }));
    expect(s.linux?.maskedPaths).toEqual(['/secret']);
    expect(s.linux?.readonlyPaths).toEqual([]);
    const p = await buildSpec(input({ maskedPaths: ['/secret'], privileged: true }));
    expect(p.linux?.maskedPaths).toBeUndefined();
  });

  it('host network: no network namespace', async () => {
    const s = await buildSpec(input({ network: 'host' }));
    expect(s.linux?.namespaces?.map((n) => n.type)).not.toContain('network');
  });

  it('joins namespaces by path (a netns file, another container\'s ipc/pid) and shares the host\'s', async () => {
    const s = await buildSpec(input({ namespacePaths: { network: '/run/berth/netns/x', ipc: '/proc/42/ns/ipc', pid: '/proc/42/ns/pid' } }));
    expect(s.linux?.namespaces).toEqual([
      { type: 'pid', path: '/proc/42/ns/pid' },
      { type: 'ipc', path: '/proc/42/ns/ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network', path: '/run/berth/netns/x' },
    ]);
    const h = await buildSpec(input({ hostNamespaces: ['pid', 'uts'] }));
    expect(h.linux?.namespaces?.map((n) => n.type)).toEqual(['ipc', 'mount', 'network']);
  });

  it('capabilities: add, drop, ALL; unknown rejected', async () => {
    const s = await buildSpec(input({ capAdd: ['NET_ADMIN'], capDrop: ['CAP_CHOWN'] }));
    expect(s.process.capabilities?.bounding).toContain('CAP_NET_ADMIN');
    expect(s.process.capabilities?.bounding).not.toContain('CAP_CHOWN');
    const none = await buildSpec(input({ capDrop: ['ALL'], capAdd: ['kill'] }));
    expect(none.process.capabilities?.bounding).toEqual(['CAP_KILL']);
    await expect(buildSpec(input({ capAdd: ['FLY'] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('puts resources in linux.resources', async () => {
    const s = await buildSpec(input({ resources: { memory: 64 * 1024 * 1024, nanoCpus: 500000000, cpuShares: 512, pidsLimit: 100 } }));
    expect(s.linux?.resources?.memory).toEqual({ limit: 67108864, swap: 134217728 });
    expect(s.linux?.resources?.cpu).toEqual({ shares: 512, period: 100000, quota: 50000 });
    expect(s.linux?.resources?.pids).toEqual({ limit: 100 });
    expect(s.linux?.resources?.devices).toEqual([{ allow: false, access: 'rwm' }]);
    await expect(buildSpec(input({ resources: { memory: 1024 } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('user mounts override defaults and are ordered by depth', async () => {
    const s = await buildSpec(
      input({
        mounts: [
          { destination: '/data/sub', type: 'bind', source: '/x', options: ['rbind'] },
          { destination: '/data', type: 'bind', source: '/y', options: ['rbind'] },
          { destination: '/etc/hosts', type: 'bind', source: '/myhosts', options: ['rbind'] },
        ],
      }),
    );
    const dests = s.mounts!.map((m) => m.destination);
    expect(dests.filter((d) => d === '/etc/hosts')).toHaveLength(1);
    expect(dests.indexOf('/data')).toBeLessThan(dests.indexOf('/data/sub'));
    expect(s.mounts!.find((m) => m.destination === '/etc/hosts')!.source).toBe('/myhosts');
  });

  it('rejects a bad id', async () => {
    await expect(buildSpec(input({ id: '../x' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('buildExecProcess', () => {
  it('inherits the container process and applies the exec settings', async () => {
    const spec = await buildSpec(input({ env: ['A=1', 'B=2'], user: 'alice', workingDir: '/w' }));
    const p = await buildExecProcess(spec, { cmd: ['ls', '-l'], env: ['B=3'] });
    expect(p.args).toEqual(['ls', '-l']);
    expect(p.env).toEqual([DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'A=1', 'B=3', 'HOME=/home/alice']);
    expect(p.user).toEqual(spec.process.user);
    expect(p.cwd).toBe('/w');
    expect(p.terminal).toBe(false);
    expect(p.capabilities?.bounding).toEqual(spec.process.capabilities?.bounding);
    const q = await buildExecProcess(spec, { cmd: ['sh'], user: 'root', workingDir: '/', tty: true, privileged: true });
    expect(q.user).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(q.env).toContain('TERM=xterm');
    expect(q.capabilities?.bounding).toContain('CAP_SYS_ADMIN');
    await expect(buildExecProcess(spec, { cmd: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('buildSpec seccomp', () => {
  it("gives Docker's default profile for the container's capabilities; none when privileged or unconfined; a given profile as is", async () => {
    const def = (await buildSpec(input())).linux!.seccomp!;
    expect(def.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(def.syscalls!.some((r) => r.names.includes('unshare'))).toBe(false);
    const admin = (await buildSpec(input({ capAdd: ['SYS_ADMIN'] }))).linux!.seccomp!;
    expect(admin.syscalls!.some((r) => r.names.includes('unshare'))).toBe(true);
    expect((await buildSpec(input({ privileged: true }))).linux!.seccomp).toBeUndefined();
    expect((await buildSpec(input({ seccomp: 'unconfined' }))).linux!.seccomp).toBeUndefined();
    const own = (await buildSpec(input({ seccomp: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' }))).linux!.seccomp;
    expect(own).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  });
});
