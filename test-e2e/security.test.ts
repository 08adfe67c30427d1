/**
 * Issue 10, the container boundary: Docker's default seccomp profile on every container
 * (`Seccomp: 2`), the syscalls it refuses (user namespaces, keyctl, add_key, perf_event_open,
 * kcmp, process_vm_readv), relaxed by the capabilities that unlock them as Docker's profile does,
 * off with `--security-opt seccomp=unconfined` and `--privileged`, a profile file honoured, a bad
 * one refused at create; `info`'s SecurityOptions.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crunLayoutBpf } from '@berth/runtime';
import { BerthDaemon, busyboxRootfsTar, clientsFor, exec, ok, rawRequest, repoRoot, scratchDir, seccompDifferences, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];
let work: string;
let probe: string;

const PROBES = ['unshare-user', 'clone-user', 'keyctl', 'add_key', 'perf_event_open', 'kcmp', 'process_vm_readv'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

beforeAll(async () => {
  work = scratchDir('security');
  probe = path.join(work, 'syscall-probe');
  ok(await exec('gcc', ['-static', '-O1', '-o', probe, path.join(repoRoot, 'test-e2e', 'probes', 'syscall-probe.c')]));
}, 90_000);

/** Runs the probe in a container with these `docker run` options: NAME → "ok" or the error. */
async function probes(opts: string[], names = PROBES): Promise<Record<string, string>> {
  const r = ok(await docker(['run', '--rm', ...opts, '-v', `${probe}:/probe:ro`, 'busybox', '/probe', ...names, 'getpid']));
  const out = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  expect(out.getpid).toBe('ok'); // the probe itself runs
  delete out.getpid;
  return out;
}

const all = (v: string, names = PROBES): Record<string, string> => Object.fromEntries(names.map((n) => [n, v]));

it("info lists the default seccomp profile", async () => {
  const sec = JSON.parse(ok(await docker(['info', '--format', '{{json .SecurityOptions}}'])).stdout) as string[];
  expect(sec).toContain('name=seccomp,profile=default');
}, 30_000);

// both runtimes berth drives: runc compiles the filter at every start, crun is handed the one
// berthd compiled once (run.oci.seccomp_bpf_data); the semantics must be the same
describe.each(['runc', 'crun'])("Docker's default seccomp profile (%s)", (runtime) => {
  const rt = ['--runtime', runtime];

  it('is on in every container: Seccomp 2 and one filter in /proc/self/status', async () => {
    const status = ok(await docker(['run', '--rm', ...rt, 'busybox', 'grep', '^Seccomp', '/proc/self/status'])).stdout;
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^Seccomp_filters:\s+1$/m);
  }, 60_000);

  it('refuses user namespaces, keyctl, add_key, perf_event_open, kcmp and process_vm_readv with EPERM, also with busybox unshare -U', async () => {
    expect(await probes(rt)).toEqual(all('Operation not permitted'));
    // the hardened container, and a plain one through busybox's own unshare
    expect(await probes([...rt, '--cap-drop', 'ALL', '--user', '1000', '--read-only'])).toEqual(all('Operation not permitted'));
    const u = await docker(['run', '--rm', ...rt, 'busybox', 'unshare', '-U', 'true']);
    expect(u.code).not.toBe(0);
    expect(u.stderr).toMatch(/Operation not permitted/);
  }, 60_000);

  it('unlocks what a capability grants, as the profile says (CAP_SYS_ADMIN: namespaces; CAP_SYS_PTRACE: kcmp, process_vm_readv)', async () => {
    const admin = await probes([...rt, '--cap-add', 'SYS_ADMIN'], ['unshare-user', 'clone-user']);
    expect(admin).toEqual(all('ok', ['unshare-user', 'clone-user']));
    expect(await probes([...rt, '--cap-add', 'SYS_PTRACE'], ['kcmp', 'process_vm_readv'])).toEqual(all('ok', ['kcmp', 'process_vm_readv']));
  }, 60_000);

  it('is off with --security-opt seccomp=unconfined and with --privileged', async () => {
    expect(await probes([...rt, '--security-opt', 'seccomp=unconfined'])).toEqual(all('ok'));
    expect(ok(await docker(['run', '--rm', ...rt, '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', '^Seccomp:', '/proc/self/status'])).stdout).toMatch(/^Seccomp:\s+0$/m);
    expect(ok(await docker(['run', '--rm', ...rt, '--privileged', 'busybox', 'grep', '^Seccomp:', '/proc/self/status'])).stdout).toMatch(/^Seccomp:\s+0$/m);
  }, 60_000);

  it('honours a profile file (the docker CLI sends its content), in the container and its execs', async () => {
    const file = path.join(work, 'no-mkdir.json');
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, null, 2));
    const r = await docker(['run', '--rm', ...rt, '--security-opt', `seccomp=${file}`, 'busybox', 'mkdir', '/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/can't create directory '\/x': Operation not permitted/);
    // everything else is allowed by that profile
    expect(await probes([...rt, '--security-opt', `seccomp=${file}`], ['kcmp', 'unshare-user'])).toEqual(all('ok', ['kcmp', 'unshare-user']));
    const id = ok(await docker(['run', '-d', ...rt, '--security-opt', `seccomp=${file}`, 'busybox', 'sleep', '1000'])).stdout.trim();
    try {
      const e = await docker(['exec', id, 'mkdir', '/y']);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(/Operation not permitted/);
      // and the default profile in an exec of a default container
      const id2 = ok(await docker(['run', '-d', ...rt, '-v', `${probe}:/probe:ro`, 'busybox', 'sleep', '1000'])).stdout.trim();
      try {
        expect(ok(await docker(['exec', id2, '/probe', 'keyctl', 'unshare-user'])).stdout).toBe('keyctl Operation not permitted\nunshare-user Operation not permitted\n');
      } finally {
        ok(await docker(['rm', '-f', id2]));
      }
    } finally {
      ok(await docker(['rm', '-f', id]));
    }
  }, 60_000);
});

/**
 * crun's own compile of a container's spec (the annotation removed, the `linux.seccomp` berthd
 * built for the same options put back: berthd hands crun the annotation alone) in a scratch state root:
 * `crun create` writes the filter it compiled to <state>/<id>/seccomp.bpf before the container
 * runs anything. crun refuses hybrid cgroups, so it runs in a private mount namespace without
 * /sys/fs/cgroup/unified (as berth's shim does).
 */
async function crunsOwnFilter(containerId: string, name: string, seccomp: unknown): Promise<Buffer> {
  const spec = JSON.parse(fs.readFileSync(path.join(d.dataRoot, 'containers', containerId, 'config.json'), 'utf8'));
  delete spec.annotations['run.oci.seccomp_bpf_data'];
  spec.linux.seccomp = seccomp;
  delete spec.linux.cgroupsPath;
  spec.process.terminal = false;
  // a root of its own (the container's may be unmounted once it exited)
  const rootfs = path.join(work, 'crun-rootfs');
  if (!fs.existsSync(rootfs)) {
    fs.mkdirSync(rootfs);
    ok(await exec('tar', ['-xf', busyboxRootfsTar(), '-C', rootfs]));
  }
  spec.root = { path: rootfs, readonly: true };
  const bundle = path.join(work, `bundle-${name}`);
  const state = path.join(work, `crun-state-${name}`);
  fs.mkdirSync(bundle, { recursive: true });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  const id = `own-${name}-${process.pid}`;
  const err = path.join(work, `crun-${name}.err`);
  // the created container's init keeps its stdio: none of it may be the pipe exec() waits on
  const crun = (args: string) => exec('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root ${state} ${args} </dev/null >/dev/null 2>>${err}`]);
  try {
    const r = await crun(`create -b ${bundle} ${id}`);
    if (r.code !== 0) throw new Error(`crun create: ${fs.readFileSync(err, 'utf8')}`);
    return fs.readFileSync(path.join(state, id, 'seccomp.bpf'));
  } finally {
    await crun(`delete -f ${id}`);
  }
}

describe('the filter berthd compiles once for crun', () => {
  it("decides as crun's own compile, made by the same libseccomp calls and laid out as a binary tree (default profile, a capability, a custom profile with an unknown name, errnoRet and two conditions on one argument), and crun loads it", async () => {
    const custom = path.join(work, 'custom.json');
    fs.writeFileSync(custom, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['no_such_syscall_berth', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0x20000, op: 'SCMP_CMP_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 9, op: 'SCMP_CMP_NE' }, { index: 0, value: 255, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['acct'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['swapon'], action: 'SCMP_ACT_LOG' },
        { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
      ],
    }));
    const cases: [string, string[]][] = [['default', []], ['sysadmin', ['--cap-add', 'SYS_ADMIN']], ['custom', ['--security-opt', `seccomp=${custom}`]]];
    for (const [name, opts] of cases) {
      // the linux.seccomp berthd builds for these options, as runc is handed it
      const viaRunc = ok(await docker(['create', '--runtime', 'runc', '--network', 'none', ...opts, 'busybox', 'true'])).stdout.trim();
      let seccomp: unknown;
      try {
        ok(await docker(['start', '-a', viaRunc]));
        seccomp = JSON.parse(fs.readFileSync(path.join(d.dataRoot, 'containers', viaRunc, 'config.json'), 'utf8')).linux.seccomp;
        expect((seccomp as { syscalls: unknown[] }).syscalls.length).toBeGreaterThan(0);
      } finally {
        ok(await docker(['rm', '-f', viaRunc]));
      }
      const id = ok(await docker(['create', '--runtime', 'crun', '--network', 'none', ...opts, 'busybox', 'sleep', '1000'])).stdout.trim();
      try {
        ok(await docker(['start', id])); // the spec (and its annotation) is written at start
        const spec = JSON.parse(fs.readFileSync(path.join(d.dataRoot, 'containers', id, 'config.json'), 'utf8'));
        const given = Buffer.from(spec.annotations?.['run.oci.seccomp_bpf_data'] ?? '', 'base64');
        expect(given.length).toBeGreaterThan(0);
        // crun is handed the program alone, not the syscall list it was compiled from
        expect(spec.linux.seccomp).toBeUndefined();
        const own = await crunsOwnFilter(id, name, seccomp);
        // berthd makes crun's own program from the same libseccomp calls (byte for byte) ...
        expect(crunLayoutBpf(seccomp as never)!.equals(own)).toBe(true);
        // ... and hands over libseccomp's binary tree of it: another program, the same decision
        // for every syscall number on every arch, and for the values the conditions name
        expect(given.equals(own)).toBe(false);
        expect(seccompDifferences(given, own, seccomp as never)).toEqual([]);
        if (name === 'custom') expect((await docker(['exec', id, 'mkdir', '/z'])).stderr).toMatch(/Permission denied/); // errnoRet 13
        expect(fs.readFileSync(path.join(d.runtimeStateDir, 'crun', id, 'seccomp.bpf')).equals(given)).toBe(true);
      } finally {
        ok(await docker(['rm', '-f', id]));
      }
    }
    // compiled once per filter: one file per distinct profile in the data root's cache
    expect(fs.readdirSync(path.join(d.dataRoot, 'seccomp')).filter((f) => f.endsWith('.bpf')).length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('a profile that is not one is refused at create with a 400', async () => {
    for (const opt of ['seccomp={not json', 'seccomp=[1,2]', 'seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"]}]}']) {
      const res = await rawRequest(d.socketPath, {
        method: 'POST',
        path: '/v1.41/containers/create',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { SecurityOpt: [opt] } }),
      });
      expect(res.status).toBe(400);
      expect((res.json as { message: string }).message).toMatch(/^Decoding seccomp profile failed: /);
    }
  }, 30_000);
});

describe('AppArmor (this host has none)', () => {
  it("info says so in one warning and lists no name=apparmor; apparmor=NAME|unconfined is accepted and ignored, inspect's AppArmorProfile is empty, as Docker on such a host", async () => {
    const info = JSON.parse(ok(await docker(['info', '--format', '{{json .}}'])).stdout) as { SecurityOptions: string[]; Warnings: string[] | null };
    expect(info.SecurityOptions).not.toContain('name=apparmor');
    expect(info.Warnings).toContain('WARNING: AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y): containers run without an AppArmor profile');
    for (const opt of ['apparmor=unconfined', 'apparmor=docker-default']) {
      const res = await rawRequest(d.socketPath, {
        method: 'POST',
        path: '/v1.41/containers/create',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { SecurityOpt: [opt] } }),
      });
      expect(res.status).toBe(201);
      const { Id, Warnings } = res.json as { Id: string; Warnings: string[] };
      expect(Warnings).toEqual([]);
      try {
        ok(await docker(['start', '-a', Id]));
        expect(ok(await docker(['inspect', '--format', '{{json .AppArmorProfile}}', Id])).stdout.trim()).toBe('""');
      } finally {
        ok(await docker(['rm', '-f', Id]));
      }
    }
  }, 60_000);
});

describe('create-time validation (400 with docker\'s words, not a failure at start)', () => {
  const create = (body: Record<string, unknown>) =>
    rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Image: 'busybox', Cmd: ['true'], ...body }) });
  const refused = async (body: Record<string, unknown>, message: string | RegExp) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toMatch(message);
  };

  it('absurd memory, CPUs the host lacks, unknown capabilities', async () => {
    // JSON.stringify writes the literal `1e+30`, which Go quotes as sent (api-json-numbers: `1e30`)
    await refused({ HostConfig: { Memory: 1e30 } }, /^json: cannot unmarshal number 1e\+30 into Go struct field HostConfig.HostConfig.Memory of type int64$/);
    await refused({ HostConfig: { CpusetCpus: '999' } }, /^Requested CPUs are not available - requested 999, available: [0-9,-]+$/);
    await refused({ HostConfig: { CpusetCpus: 'x' } }, 'Invalid value x for cpuset cpus');
    await refused({ HostConfig: { CapAdd: ['FOO'] } }, 'invalid CapAdd: unknown capability: "CAP_FOO"');
    await refused({ HostConfig: { CapDrop: ['cap_bar'] } }, 'invalid CapDrop: unknown capability: "CAP_BAR"');
    const r = await docker(['run', '--rm', '--cap-add', 'nope', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('invalid CapAdd: unknown capability: "CAP_NOPE"');
  }, 30_000);

  it('an exec Cmd given as a string', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    try {
      const res = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/containers/${id}/exec`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Cmd: 'ls -l' }) });
      expect(res.status).toBe(400);
      expect((res.json as { message: string }).message).toBe('json: cannot unmarshal string into Go struct field ExecConfig.Cmd of type []string');
    } finally {
      ok(await docker(['rm', '-f', id]));
    }
  }, 30_000);

  it('sysctls: namespaced ones applied in the container, others refused as runc does', async () => {
    const out = ok(await docker(['run', '--rm', '--sysctl', 'kernel.shmmax=123456789', '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'fs.mqueue.msg_max=64', 'busybox', 'cat', '/proc/sys/kernel/shmmax', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/fs/mqueue/msg_max'])).stdout;
    expect(out).toBe('123456789\n1\n64\n');
    // docker's defaults with a network namespace of the container's own
    expect(ok(await docker(['run', '--rm', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start'])).stdout).toBe('0\n');
    await refused({ HostConfig: { Sysctls: { 'vm.swappiness': '10' } } }, 'sysctl "vm.swappiness" is not in a separate kernel namespace');
    await refused({ HostConfig: { NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '1' } } }, 'sysctl "net.ipv4.ip_forward" is not allowed in the hosts network namespace');
    await refused({ HostConfig: { Sysctls: { 'kernel.shmmax': 5 } } }, /Sysctls/);
  }, 60_000);

  it('volume labels must be strings: a bad create is refused and volume ls keeps working', async () => {
    const res = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/volumes/create', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Name: 'badlabels', Labels: { a: 1, b: { c: true } } }) });
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toBe('json: cannot unmarshal number into Go struct field VolumeCreateBody.Labels of type string');
    ok(await docker(['volume', 'create', '--label', 'ok=yes', 'goodlabels']));
    expect(ok(await docker(['volume', 'ls', '--format', '{{.Name}} {{.Labels}}'])).stdout).toBe('goodlabels ok=yes\n');
    ok(await docker(['volume', 'rm', 'goodlabels']));
  }, 30_000);
});
