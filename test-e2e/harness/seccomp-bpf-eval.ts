/**
 * A classic-BPF interpreter for seccomp programs (what the kernel runs at each syscall), to
 * compare what two programs decide: berthd's compiled filter and the runtime's own compile of
 * the same spec.
 */

/** The kernel's struct seccomp_data for one syscall: its number, the audit arch, six arguments. */
export interface SeccompCall {
  nr: number;
  arch: number;
  args: bigint[];
}

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** x32 syscalls come as x86_64 with this bit set in the number. */
export const X32_SYSCALL_BIT = 0x40000000;

const U32 = 0xffffffffn;

/** The 32-bit word of seccomp_data at `k` (little-endian halves of the 64-bit fields). */
function load(c: SeccompCall, k: number, touched: { args: boolean }): number {
  if (k === 0) return c.nr >>> 0;
  if (k === 4) return c.arch >>> 0;
  if (k === 8 || k === 12) return 0; // instruction_pointer
  if (k >= 16 && k < 64 && k % 4 === 0) {
    touched.args = true;
    const v = c.args[(k - 16) >> 3] ?? 0n;
    return Number(k % 8 === 0 ? v & U32 : (v >> 32n) & U32);
  }
  throw new Error(`seccomp BPF: load at offset ${k}`);
}

/** The action the program returns for this call, and whether it looked at an argument. */
export function runSeccompBpf(prog: Buffer, c: SeccompCall): { action: number; readsArgs: boolean } {
  if (prog.length % 8 !== 0 || prog.length === 0) throw new Error(`seccomp BPF: ${prog.length} bytes is no program`);
  const n = prog.length / 8;
  const mem = new Array<number>(16).fill(0);
  const touched = { args: false };
  let a = 0;
  let x = 0;
  for (let pc = 0, steps = 0; pc < n; pc++, steps++) {
    if (steps > 100_000) throw new Error('seccomp BPF: no end');
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog[pc * 8 + 2]!;
    const jf = prog[pc * 8 + 3]!;
    const k = prog.readUInt32LE(pc * 8 + 4);
    const cls = code & 0x07;
    switch (cls) {
      case 0x00: // LD
      case 0x01: {
        // LDX
        const mode = code & 0xe0;
        const v = mode === 0x00 ? k : mode === 0x20 ? load(c, k, touched) : mode === 0x60 ? mem[k]! : mode === 0x80 ? 64 : NaN;
        if (Number.isNaN(v) || (code & 0x18) !== 0) throw new Error(`seccomp BPF: opcode ${code.toString(16)}`);
        if (cls === 0x00) a = v >>> 0;
        else x = v >>> 0;
        break;
      }
      case 0x02:
        mem[k] = a;
        break;
      case 0x03:
        mem[k] = x;
        break;
      case 0x04: {
        // ALU
        const src = code & 0x08 ? x : k;
        const op = code & 0xf0;
        if (op === 0x00) a = (a + src) >>> 0;
        else if (op === 0x10) a = (a - src) >>> 0;
        else if (op === 0x20) a = Math.imul(a, src) >>> 0;
        else if (op === 0x40) a = (a | src) >>> 0;
        else if (op === 0x50) a = (a & src) >>> 0;
        else if (op === 0x60) a = src >= 32 ? 0 : (a << src) >>> 0;
        else if (op === 0x70) a = src >= 32 ? 0 : a >>> src;
        else if (op === 0x80) a = -a >>> 0;
        else if (op === 0xa0) a = (a ^ src) >>> 0;
        else throw new Error(`seccomp BPF: ALU opcode ${code.toString(16)}`);
        break;
      }
      case 0x05: {
        // JMP
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const src = code & 0x08 ? x : k;
        const yes = op === 0x10 ? a === src : op === 0x20 ? a > src : op === 0x30 ? a >= src : op === 0x40 ? (a & src) !== 0 : undefined;
        if (yes === undefined) throw new Error(`seccomp BPF: JMP opcode ${code.toString(16)}`);
        pc += yes ? jt : jf;
        break;
      }
      case 0x06: {
        // RET
        const r = code & 0x18;
        return { action: (r === 0x10 ? a : r === 0x08 ? x : k) >>> 0, readsArgs: touched.args };
      }
      default: {
        // MISC: TAX / TXA
        if ((code & 0xf8) === 0x00) x = a;
        else if ((code & 0xf8) === 0x80) a = x;
        else throw new Error(`seccomp BPF: MISC opcode ${code.toString(16)}`);
      }
    }
  }
  throw new Error('seccomp BPF: ran off the end');
}

/** The argument values worth trying for a spec's conditions: each value and its neighbours, in every argument, also with the upper half set. */
function argVectors(seccomp: { syscalls?: { args?: { value?: number; valueTwo?: number }[] }[] }): bigint[][] {
  const values = new Set<bigint>([0n, 1n, U32, 1n << 32n, (1n << 64n) - 1n]);
  for (const s of seccomp.syscalls ?? []) {
    for (const a of s.args ?? []) {
      for (const v of [a.value ?? 0, a.valueTwo ?? 0]) {
        const b = BigInt(v);
        for (const w of [b, b + 1n, b > 0n ? b - 1n : 0n, b | (1n << 32n), b ^ 1n]) values.add(w & ((1n << 64n) - 1n));
      }
    }
  }
  const out: bigint[][] = [];
  for (let i = 0; i < 6; i++) {
    for (const v of values) {
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[i] = v;
      out.push(args);
    }
  }
  // MASKED_EQ (e.g. clone's flags) compares several bits at once: every value in every argument
  for (const v of values) out.push([v, v, v, v, v, v]);
  return out;
}

/**
 * Where two seccomp programs decide differently: every syscall number 0..1023 on x86_64, x32 and
 * i386 and for a foreign arch, with all arguments 0 and, where either program reads an argument,
 * with the values the spec's conditions name. Empty when they agree everywhere tried.
 */
export function seccompDifferences(a: Buffer, b: Buffer, seccomp: { syscalls?: { args?: { value?: number; valueTwo?: number }[] }[] }): string[] {
  const vectors = argVectors(seccomp);
  const out: string[] = [];
  const calls: [number, number][] = [];
  for (let nr = 0; nr < 1024; nr++) calls.push([AUDIT_ARCH_X86_64, nr], [AUDIT_ARCH_X86_64, (nr | X32_SYSCALL_BIT) >>> 0], [AUDIT_ARCH_I386, nr]);
  calls.push([AUDIT_ARCH_AARCH64, 0], [AUDIT_ARCH_AARCH64, 63], [AUDIT_ARCH_X86_64, 0xffffffff], [AUDIT_ARCH_X86_64, 0x3fffffff]);
  for (const [arch, nr] of calls) {
    const zero = { nr, arch, args: [0n, 0n, 0n, 0n, 0n, 0n] };
    const ra = runSeccompBpf(a, zero);
    const rb = runSeccompBpf(b, zero);
    if (ra.action !== rb.action) out.push(`arch ${arch.toString(16)} nr ${nr} args 0: ${ra.action.toString(16)} vs ${rb.action.toString(16)}`);
    if (!ra.readsArgs && !rb.readsArgs) continue;
    for (const args of vectors) {
      const x = runSeccompBpf(a, { nr, arch, args }).action;
      const y = runSeccompBpf(b, { nr, arch, args }).action;
      if (x !== y) out.push(`arch ${arch.toString(16)} nr ${nr} args ${args.map((v) => v.toString(16)).join(',')}: ${x.toString(16)} vs ${y.toString(16)}`);
    }
  }
  return out;
}
