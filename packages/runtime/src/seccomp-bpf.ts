import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RuntimeSeccomp } from '@berth/oci';
import { silentLogger, type Logger } from '@berth/log';
import { runtimeNative } from './native-addon';

/** crun's annotation for a filter compiled beforehand (base64 of the BPF program). */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';
/** crun's annotation that makes unknown syscall names an error: its own compile handles that. */
const FAIL_UNKNOWN_ANNOTATION = 'run.oci.seccomp_fail_unknown_syscall';

/** The libseccomp call sequence this file reproduces; bump when it changes (it is in the cache key). */
const COMPILER_VERSION = 'crun-1.8-generate-seccomp/2';

/** libseccomp's SCMP_FLTATR_CTL_OPTIMIZE value for a binary tree of syscall numbers (>= 2.5). */
const BINARY_TREE = 2;

/** What the native compiler takes: numbers for actions and operators, libseccomp's arch names. */
export interface SeccompFilterInput {
  defaultAction: number;
  architectures: string[];
  rules: { action: number; names: string[]; args: { arg: number; op: number; a: number; b: number }[] }[];
  /** SCMP_FLTATR_CTL_OPTIMIZE; absent: libseccomp's default layout, which is crun's. */
  optimize?: number;
}

const EPERM = 1;
const ACTIONS: Record<string, (errnoRet: number) => number> = {
  ALLOW: () => 0x7fff0000,
  ERRNO: (e) => (0x00050000 | (e & 0xffff)) >>> 0,
  KILL: () => 0x00000000,
  KILL_THREAD: () => 0x00000000,
  KILL_PROCESS: () => 0x80000000,
  TRAP: () => 0x00030000,
  TRACE: (e) => (0x7ff00000 | (e & 0xffff)) >>> 0,
  LOG: () => 0x7ffc0000,
  // NOTIFY is left to the runtime: it goes with a listener socket
};
const OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

function action(name: string, errnoRet: number | undefined): number | null {
  if (!name.startsWith('SCMP_ACT_')) return null;
  const a = name.slice('SCMP_ACT_'.length);
  const make = ACTIONS[a];
  if (!make) return null;
  if (errnoRet !== undefined && a !== 'ERRNO' && a !== 'TRACE') return null; // the runtime refuses it
  return make(errnoRet ?? EPERM);
}

const validDatum = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The spec's `linux.seccomp` as the runtime (crun 1.8's `libcrun_generate_seccomp`) turns it into
 * libseccomp calls: actions and operators as numbers, "SCMP_ARCH_X86_64" → "x86_64", rules whose
 * action is the default one dropped, a rule with two conditions on the same argument split into
 * one rule per condition (libseccomp cannot AND them), at most 6 conditions. Null when the runtime
 * must compile it itself: a listener, NOTIFY, an errno on an action that takes none, an argument
 * index past 5, a value that is not a safe non-negative integer, anything it would refuse (then it
 * also says why).
 */
export function seccompFilterInput(s: RuntimeSeccomp): SeccompFilterInput | null {
  if (s.listenerPath || typeof s.defaultAction !== 'string') return null;
  const def = action(s.defaultAction, s.defaultErrnoRet);
  if (def === null) return null;
  const architectures: string[] = [];
  for (const a of s.architectures ?? []) {
    if (typeof a !== 'string') return null;
    architectures.push((a.startsWith('SCMP_ARCH_') ? a.slice('SCMP_ARCH_'.length) : a).slice(0, 31).toLowerCase());
  }
  const rules: SeccompFilterInput['rules'] = [];
  for (const sc of s.syscalls ?? []) {
    const act = action(sc.action, sc.errnoRet);
    if (act === null) return null;
    if (act === def) continue;
    const names = sc.names ?? [];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length > 120)) return null;
    if (!sc.args) {
      rules.push({ action: act, names, args: [] });
      continue;
    }
    const given = sc.args.slice(0, 6);
    const args: SeccompFilterInput['rules'][number]['args'] = [];
    const seen = new Set<number>();
    let splitUp = false;
    for (const a of given) {
      if (!Number.isInteger(a.index) || a.index < 0 || a.index >= 6) return null;
      if (seen.has(a.index)) splitUp = true;
      seen.add(a.index);
      const op = OPERATORS[a.op];
      const valueTwo = a.valueTwo ?? 0;
      if (op === undefined || !validDatum(a.value ?? 0) || !validDatum(valueTwo)) return null;
      args.push({ arg: a.index, op, a: a.value ?? 0, b: valueTwo });
    }
    if (splitUp) for (const a of args) rules.push({ action: act, names, args: [a] });
    else rules.push({ action: act, names, args });
  }
  return { defaultAction: def, architectures, rules };
}

/**
 * The program crun 1.8 itself makes of this spec (libseccomp's default, linear layout), or null
 * where it cannot be made here: what berthd's binary tree is checked against.
 */
export function crunLayoutBpf(seccomp: RuntimeSeccomp): Buffer | null {
  const native = runtimeNative();
  const input = seccompFilterInput(seccomp);
  if (!native || !input || !native.seccompVersion()) return null;
  return native.seccompExportBpf(input).bpf;
}

/**
 * Compiled seccomp filters, so that a container start does not pay libseccomp's compile (≈ 12 ms
 * of CPU for Docker's default profile on three architectures): the filter of a spec is compiled
 * once by the host's libseccomp with the runtime's own call sequence, laid out as a binary tree
 * of syscall numbers (`BINARY_TREE`: the same decisions as crun's linear program, a third of its
 * cost to load into the kernel at each start, ≈ 0.4 vs 1.1 ms here, and fewer instructions per
 * syscall), kept in memory and in `dir/<sha256>.bpf` (the key covers the filter, libseccomp's
 * version, this file's compiler version and the kernel), and handed to crun as
 * `run.oci.seccomp_bpf_data`. A libseccomp without the tree gets crun's own layout. Whenever that
 * cannot be done exactly (no addon or libseccomp, a filter the runtime must see itself, a
 * compile error), `annotate` gives the spec back unchanged and the runtime compiles as before.
 */
export class SeccompBpfCache {
  private readonly memory = new Map<string, string>();
  private readonly logger: Logger;

  constructor(private readonly dir?: string, logger?: Logger) {
    this.logger = logger ?? silentLogger;
  }

  /**
   * The spec with the compiled filter as crun's annotation, or the spec itself. With the
   * annotation, `linux.seccomp` is left out: crun 1.8 applies the annotation alone (it loads a
   * filter when either is there, copies the program to `<state>/<id>/seccomp.bpf`, and its execs
   * load that file) and would otherwise parse ≈ 350 syscall names it no longer needs. Only the
   * flags are kept (crun reads them from there; without any it uses SECCOMP_FILTER_FLAG_SPEC_ALLOW).
   */
  async annotate<T extends { linux?: { seccomp?: RuntimeSeccomp }; annotations?: Record<string, string> }>(spec: T): Promise<T> {
    const seccomp = spec.linux?.seccomp;
    if (!seccomp || spec.annotations?.[SECCOMP_BPF_ANNOTATION] !== undefined) return spec;
    const failUnknown = spec.annotations?.[FAIL_UNKNOWN_ANNOTATION];
    if (failUnknown !== undefined && failUnknown !== '0') return spec;
    const b64 = await this.bpfFor(seccomp);
    if (b64 === null) return spec;
    const { seccomp: _compiled, ...linux } = spec.linux!;
    const flags = seccomp.flags?.length ? { seccomp: { defaultAction: seccomp.defaultAction, flags: seccomp.flags } } : {};
    return { ...spec, linux: { ...linux, ...flags }, annotations: { ...spec.annotations, [SECCOMP_BPF_ANNOTATION]: b64 } };
  }

  /** Base64 of the filter's BPF program, or null (the runtime compiles it then). */
  async bpfFor(seccomp: RuntimeSeccomp): Promise<string | null> {
    const native = runtimeNative();
    const input = seccompFilterInput(seccomp);
    if (!native || !input) return null;
    const lib = native.seccompVersion();
    if (!lib) return null;
    const key = createHash('sha256')
      .update(JSON.stringify([COMPILER_VERSION, lib, os.arch(), os.release(), os.version(), input]))
      .digest('hex');
    const hit = this.memory.get(key);
    if (hit !== undefined) return hit;
    const file = this.dir ? path.join(this.dir, `${key}.bpf`) : undefined;
    let bpf: Buffer | undefined;
    if (file) bpf = await fs.readFile(file).catch(() => undefined);
    if (!bpf || bpf.length === 0 || bpf.length % 8 !== 0) {
      try {
        let out: { bpf: Buffer; unknown: string[] };
        try {
          out = native.seccompExportBpf({ ...input, optimize: BINARY_TREE });
        } catch (e) {
          this.logger.debug({ err: (e as Error).message }, "seccomp: no binary tree from this libseccomp: crun's own layout");
          out = native.seccompExportBpf(input);
        }
        bpf = out.bpf;
        if (out.unknown.length) this.logger.debug({ unknown: out.unknown }, 'seccomp: syscall names this libseccomp does not know are skipped (as the runtime does)');
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'seccomp: compiling the filter failed: the runtime compiles it');
        return null;
      }
      if (file) await this.store(file, bpf);
    }
    const b64 = bpf.toString('base64');
    this.memory.set(key, b64);
    return b64;
  }

  private async store(file: string, bpf: Buffer): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.writeFile(tmp, bpf, { mode: 0o600 });
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      this.logger.debug({ err: (e as Error).message }, 'seccomp: the compiled filter is not kept on disk');
    }
  }
}
