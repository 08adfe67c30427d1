import { InvalidArgumentError } from '@berth/errdefs';
import { constants } from 'node:os';

const SIGNALS = constants.signals as Record<string, number>;

/**
 * Turns a Docker signal argument into a signal number: "KILL", "SIGKILL", "kill", "9".
 * Also accepts "SIGRTMIN+3"-style real-time signals. Unknown names give InvalidArgumentError.
 */
export function parseSignal(signal: string | number | undefined): number {
  if (signal === undefined || signal === '') return SIGNALS.SIGKILL;
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 1 || signal > 64) throw new InvalidArgumentError(`signal ${signal}: invalid signal`);
    return signal;
  }
  const s = signal.trim();
  if (/^\d+$/.test(s)) return parseSignal(Number(s));
  let name = s.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const rt = /^SIGRTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'IN' ? 34 : 64;
    const n = base + (rt[2] ? Number(rt[2]) : 0);
    if (n >= 34 && n <= 64) return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw new InvalidArgumentError(`signal "${signal}": invalid signal`);
  return n;
}
