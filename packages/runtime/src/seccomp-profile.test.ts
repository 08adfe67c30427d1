import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { defaultSeccompProfile, parseSeccompProfile, seccompFor } from './seccomp-profile';
import { DEFAULT_CAPABILITIES } from './build-spec';

const names = (s: ReturnType<typeof seccompFor>): string[] => (s?.syscalls ?? []).flatMap((r) => (r.action === 'SCMP_ACT_ALLOW' ? r.names : []));
const amd64 = { arch: 'amd64', kernel: '6.1.0-18-amd64' };

describe('seccompFor (Docker default profile)', () => {
  it('allows the common syscalls, refuses the rest with EPERM, for x86_64 and its sub-architectures', () => {
    const s = seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES, amd64)!;
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const allowed = names(s);
    for (const n of ['read', 'write', 'execve', 'arch_prctl', 'chroot', 'ptrace']) expect(allowed).toContain(n);
    for (const n of ['unshare', 'mount', 'keyctl', 'add_key', 'perf_event_open', 'kcmp', 'process_vm_readv', 'bpf', 'setns', 'reboot', 'init_module']) {
      expect(allowed).not.toContain(n);
    }
  });

  it('filters clone by namespace flags without CAP_SYS_ADMIN, and makes clone3 fail with ENOSYS', () => {
    const s = seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES, amd64)!;
    const clone = s.syscalls!.filter((r) => r.names.includes('clone'));
    expect(clone).toEqual([{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] }]);
    expect(s.syscalls!.find((r) => r.names.includes('clone3'))).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('follows the capabilities: CAP_SYS_ADMIN unlocks unshare/mount/clone, CAP_SYS_PTRACE kcmp/process_vm_readv; a dropped CAP_SYS_CHROOT drops chroot', () => {
    const s = seccompFor(defaultSeccompProfile(), [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], amd64)!;
    const allowed = names(s);
    for (const n of ['unshare', 'mount', 'setns', 'clone', 'clone3', 'kcmp', 'process_vm_readv']) expect(allowed).toContain(n);
    expect(s.syscalls!.some((r) => r.names.includes('clone') && r.args)).toBe(false);
    expect(s.syscalls!.some((r) => r.action === 'SCMP_ACT_ERRNO')).toBe(false);
    expect(names(seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT'), amd64))).not.toContain('chroot');
  });

  it('follows the architecture and the kernel', () => {
    const arm = seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: '5.10.0' })!;
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(names(arm)).toContain('set_tls');
    expect(names(arm)).not.toContain('arch_prctl');
    const s390 = seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES, { arch: 's390x', kernel: '5.10.0' })!;
    expect(s390.syscalls!.find((r) => r.names.includes('clone'))!.args![0]!.index).toBe(1);
    expect(names(seccompFor(defaultSeccompProfile(), DEFAULT_CAPABILITIES, { arch: 'amd64', kernel: '4.4.0' }))).not.toContain('ptrace');
  });
});

describe('parseSeccompProfile', () => {
  it('reads a profile in Docker schema and converts name, errnoRet and args', () => {
    const p = parseSeccompProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    expect(seccompFor(p, [], amd64)).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
  });

  it('refuses what is not a profile with a 400', () => {
    expect(() => parseSeccompProfile('{nope')).toThrow(InvalidArgumentError);
    expect(() => parseSeccompProfile('{nope')).toThrow(/^Decoding seccomp profile failed: /);
    expect(() => parseSeccompProfile('[]')).toThrow(InvalidArgumentError);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"]}]}')).toThrow(/action/);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}]}')).toThrow(/use either/);
  });

  it('an empty profile means no filter', () => {
    expect(seccompFor(parseSeccompProfile('{}'), [], amd64)).toBeUndefined();
  });
});
