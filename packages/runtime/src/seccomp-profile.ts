import * as os from 'node:os';
import { InvalidArgumentError } from '@berth/errdefs';
import type { RuntimeSeccomp } from '@berth/oci';
import { DEFAULT_SECCOMP_PROFILE } from './default-seccomp-profile';

/** One argument condition of a rule (OCI's and Docker's shape). */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** When a rule applies (`includes`) or does not (`excludes`). */
export interface SeccompFilter {
  /** Native architecture names as libseccomp spells them: amd64, x86, x32, arm, arm64, s390x... */
  arches?: string[];
  /** Capabilities of the container's bounding set (`CAP_SYS_ADMIN`...). */
  caps?: string[];
  /** `major.minor` of the host kernel. */
  minKernel?: string;
}

export interface SeccompRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

/** A seccomp profile in Docker's schema (what `--security-opt seccomp=FILE` holds). */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  syscalls?: SeccompRule[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
}

type LinuxSeccomp = RuntimeSeccomp;

/** Node's process.arch → libseccomp's native name (what profile `arches` say). */
const NODE_TO_NATIVE: Record<string, string> = {
  x64: 'amd64',
  ia32: 'x86',
  arm: 'arm',
  arm64: 'arm64',
  mips: 'mips',
  mipsel: 'mipsel',
  ppc: 'ppc',
  ppc64: os.endianness() === 'LE' ? 'ppc64le' : 'ppc64',
  s390: 's390',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** libseccomp native name → the SCMP_ARCH_ constant an archMap entry is keyed by. */
const NATIVE_TO_SCMP: Record<string, string> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips: 'SCMP_ARCH_MIPS',
  mipsel: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};

export interface SeccompHost {
  /** Native architecture name (default: this process's). */
  arch?: string;
  /** Kernel release, e.g. `6.1.0-18-amd64` (default: this host's). */
  kernel?: string;
}

function kernelAtLeast(release: string, min: string): boolean {
  const have = /^(\d+)\.(\d+)/.exec(release);
  const want = /^(\d+)\.(\d+)$/.exec(min);
  if (!want) throw new InvalidArgumentError(`seccomp profile: invalid minKernel "${min}": expected major.minor`);
  if (!have) return false;
  const [hM, hm] = [Number(have[1]), Number(have[2])];
  const [wM, wm] = [Number(want[1]), Number(want[2])];
  return hM > wM || (hM === wM && hm >= wm);
}

/**
 * Decodes a profile sent as `seccomp=<JSON>` in SecurityOpt (the docker CLI reads the file and
 * sends its compacted content). Throws InvalidArgumentError with Docker's wording.
 */
export function parseSeccompProfile(text: string): SeccompProfile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${why}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('expected a JSON object');
  const p = v as Record<string, unknown>;
  if (p.defaultAction !== undefined && typeof p.defaultAction !== 'string') bad('defaultAction: expected a string');
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) bad('syscalls: expected an array');
  for (const r of (p.syscalls as unknown[] | null) ?? []) {
    if (typeof r !== 'object' || r === null) bad('syscalls: expected objects');
    const rule = r as Record<string, unknown>;
    if (typeof rule.action !== 'string') bad('syscalls: every rule needs an action');
    if (rule.names !== undefined && rule.names !== null && (!Array.isArray(rule.names) || rule.names.some((n) => typeof n !== 'string'))) {
      bad('syscalls: names: expected an array of strings');
    }
  }
  const profile = p as unknown as SeccompProfile;
  // What the conversion checks too, so that a bad profile is refused at create, not at start.
  seccompFor(profile, [], {});
  return profile;
}

/**
 * A profile → the OCI spec's `linux.seccomp` for a container whose bounding set is `bounding`,
 * with Docker's conversion rules (moby profiles/seccomp): the archMap entry of this architecture
 * (with its sub-architectures) becomes `architectures`; a rule is dropped when an `excludes`
 * condition holds (its arch is this one, one of its caps is in the bounding set, the kernel is
 * at least its minKernel) or an `includes` condition fails (this arch not listed, a listed cap
 * missing, the kernel older). Undefined for a profile without default action nor rules
 * (seccomp off, as Docker).
 */
export function seccompFor(profile: SeccompProfile, bounding: readonly string[], host: SeccompHost = {}): LinuxSeccomp | undefined {
  if (!profile.defaultAction && !(profile.syscalls ?? []).length) return undefined;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidArgumentError("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = host.arch ?? NODE_TO_NATIVE[process.arch] ?? process.arch;
  const kernel = host.kernel ?? os.release();
  const architectures = [...(profile.architectures ?? [])];
  const scmp = NATIVE_TO_SCMP[arch];
  const entry = scmp ? profile.archMap?.find((a) => a.architecture === scmp) : undefined;
  if (entry) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []));
  const caps = new Set(bounding);
  const syscalls: NonNullable<LinuxSeccomp['syscalls']> = [];
  for (const rule of profile.syscalls ?? []) {
    const ex = rule.excludes ?? {};
    if (ex.arches?.includes(arch)) continue;
    if (ex.caps?.some((c) => caps.has(c))) continue;
    if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel)) continue;
    const inc = rule.includes ?? {};
    if (inc.arches?.length && !inc.arches.includes(arch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    if (rule.name && rule.names?.length) {
      throw new InvalidArgumentError("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    }
    const names = rule.name ? [rule.name] : [...(rule.names ?? [])];
    syscalls.push({
      names,
      action: rule.action,
      ...(rule.errnoRet !== undefined && rule.errnoRet !== null ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args?.length ? { args: rule.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op })) } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(profile.flags?.length ? { flags: [...profile.flags] } : {}),
    ...(profile.listenerPath ? { listenerPath: profile.listenerPath } : {}),
    syscalls,
  };
}

/** Docker's default profile (data: default-seccomp-profile.ts). */
export function defaultSeccompProfile(): SeccompProfile {
  return DEFAULT_SECCOMP_PROFILE;
}

/** Whether this kernel filters syscalls by seccomp (Docker's sysinfo check: a `Seccomp:` line in /proc/self/status). */
export function seccompSupported(status: string): boolean {
  return /^Seccomp:\s*\d/m.test(status);
}
