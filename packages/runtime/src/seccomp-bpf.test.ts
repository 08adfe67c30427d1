import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SECCOMP_BPF_ANNOTATION, SeccompBpfCache, crunLayoutBpf, seccompFilterInput } from './seccomp-bpf';
import { runtimeNative } from './native-addon';
import { seccompFor, defaultSeccompProfile } from './seccomp-profile';

const ALLOW = 0x7fff0000;
const EPERM_ERRNO = 0x00050001;

describe('seccompFilterInput (the runtime’s libseccomp calls, as crun 1.8 makes them)', () => {
  it('maps actions, arches and operators; drops rules with the default action; keeps names as given', () => {
    const input = seccompFilterInput({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['read', 'no_such_call'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, // same as the default: dropped
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['exit'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    });
    expect(input).toEqual({
      defaultAction: EPERM_ERRNO,
      architectures: ['x86_64', 'x86', 'x32'],
      rules: [
        { action: ALLOW, names: ['read', 'no_such_call'], args: [] },
        { action: 0x0005000d, names: ['kill'], args: [] },
        { action: ALLOW, names: ['clone'], args: [{ arg: 0, op: 7, a: 0x7e020000, b: 0 }] },
        { action: 0x80000000, names: ['exit'], args: [] },
      ],
    });
  });

  it('splits two conditions on one argument into one rule each (libseccomp cannot AND them); keeps different arguments together', () => {
    const input = seccompFilterInput({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_NE' }, { index: 1, value: 2, op: 'SCMP_CMP_GE' }] },
      ],
    });
    expect(input?.defaultAction).toBe(0x00050026);
    expect(input?.rules).toEqual([
      { action: ALLOW, names: ['personality'], args: [{ arg: 0, op: 4, a: 0, b: 0 }] },
      { action: ALLOW, names: ['personality'], args: [{ arg: 0, op: 4, a: 8, b: 0 }] },
      { action: ALLOW, names: ['socket'], args: [{ arg: 0, op: 1, a: 1, b: 0 }, { arg: 1, op: 5, a: 2, b: 0 }] },
    ]);
  });

  it('leaves to the runtime what it must see itself or would refuse', () => {
    const base = { defaultAction: 'SCMP_ACT_ERRNO' };
    expect(seccompFilterInput({ ...base, listenerPath: '/run/l.sock' })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'ALLOW' }] })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' }] }] })).toBeNull();
    expect(seccompFilterInput({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_XX' }] }] })).toBeNull();
    expect(seccompFilterInput({ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 })).toBeNull();
  });
});

const withLibseccomp = runtimeNative()?.seccompVersion() ? describe : describe.skip;

withLibseccomp('SeccompBpfCache (the host’s libseccomp)', () => {
  const spec = seccompFor(defaultSeccompProfile(), ['CAP_CHOWN'], { arch: 'x64', kernel: '5.10.0' });

  it('compiles Docker’s default profile once to a BPF program (whole sock_filter entries), kept in memory and on disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-seccomp-bpf-'));
    try {
      const cache = new SeccompBpfCache(dir);
      const b64 = await cache.bpfFor(spec!);
      expect(b64).not.toBeNull();
      const bpf = Buffer.from(b64!, 'base64');
      expect(bpf.length % 8).toBe(0);
      expect(bpf.length).toBeGreaterThan(8 * 100);
      const files = fs.readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(fs.readFileSync(path.join(dir, files[0])).equals(bpf)).toBe(true);
      // a second cache (a restarted daemon) reads it back; the same filter always gives the same program
      expect(await new SeccompBpfCache(dir).bpfFor(spec!)).toBe(b64);
      expect(await new SeccompBpfCache().bpfFor(structuredClone(spec!))).toBe(b64);
      // another filter, another program and file
      const admin = seccompFor(defaultSeccompProfile(), ['CAP_SYS_ADMIN'], { arch: 'x64', kernel: '5.10.0' });
      expect(await cache.bpfFor(admin!)).not.toBe(b64);
      expect(fs.readdirSync(dir)).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands over libseccomp's binary tree of the runtime's calls, not crun's linear layout (test-e2e/security.test.ts checks both decide alike)", async () => {
    const given = Buffer.from((await new SeccompBpfCache().bpfFor(spec!))!, 'base64');
    const tree = runtimeNative()!.seccompExportBpf({ ...seccompFilterInput(spec!)!, optimize: 2 }).bpf;
    expect(given.equals(tree)).toBe(true);
    const linear = crunLayoutBpf(spec!)!;
    expect(linear.equals(runtimeNative()!.seccompExportBpf(seccompFilterInput(spec!)!).bpf)).toBe(true);
    expect(given.equals(linear)).toBe(false);
  });

  it('annotates a spec for crun, unless it has the annotation already or asks crun to fail on unknown syscalls', async () => {
    const cache = new SeccompBpfCache();
    const given = { linux: { seccomp: spec!, sysctl: { 'net.ipv4.ip_forward': '0' } }, annotations: { a: 'b' } as Record<string, string> };
    const annotated = await cache.annotate(given);
    expect(annotated.annotations?.a).toBe('b');
    expect(annotated.annotations?.[SECCOMP_BPF_ANNOTATION]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // crun applies the annotation alone: the syscall list is not handed over again; the rest stays
    expect(annotated.linux).toEqual({ sysctl: { 'net.ipv4.ip_forward': '0' } });
    expect(given.linux.seccomp).toBe(spec); // the caller's spec is not changed
    // flags are read from linux.seccomp by crun: only they (and the default action) are kept
    const flagged = await cache.annotate<{ linux?: { seccomp?: NonNullable<typeof spec> }; annotations?: Record<string, string> }>({ linux: { seccomp: { ...spec!, flags: ['SECCOMP_FILTER_FLAG_LOG'] } } });
    expect(flagged.linux?.seccomp).toEqual({ defaultAction: spec!.defaultAction, flags: ['SECCOMP_FILTER_FLAG_LOG'] });
    expect(flagged.annotations?.[SECCOMP_BPF_ANNOTATION]).toBe(annotated.annotations?.[SECCOMP_BPF_ANNOTATION]);
    const own = { linux: { seccomp: spec! }, annotations: { [SECCOMP_BPF_ANNOTATION]: 'AAAA' } };
    expect(await cache.annotate(own)).toBe(own);
    const strict = { linux: { seccomp: spec! }, annotations: { 'run.oci.seccomp_fail_unknown_syscall': '1' } };
    expect(await cache.annotate(strict)).toBe(strict);
    const none = { linux: {} };
    expect(await cache.annotate(none)).toBe(none);
  });

  it('a filter libseccomp refuses is left to the runtime (null), not thrown', async () => {
    expect(await new SeccompBpfCache().bpfFor({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_NOPE'] })).toBeNull();
  });
});
