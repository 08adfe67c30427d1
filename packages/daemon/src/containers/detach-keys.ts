import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Detach keys on a hijacked TTY stream (docker's `--detach-keys`, `detachKeys` query parameter,
 * exec's `DetachKeys`): a key sequence in the client's input that ends the stream and leaves the
 * process running. Format as moby/term's ToBytes: comma-separated keys, each one character or
 * `ctrl-<c>` for `c` in `@`, `a`..`z`, `[`, `\`, `]`, `^`, `_`. Default ctrl-p,ctrl-q.
 */

export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/** The bytes of a detach-key sequence, or the offending key when malformed. */
export function parseDetachKeys(keys: string): { bytes: Buffer } | { bad: string } {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (Buffer.byteLength(key) === 1) {
      out.push(Buffer.from(key)[0]!);
      continue;
    }
    const i = key.startsWith('ctrl-') && key.length === 6 ? CTRL.indexOf(key[5]!) : -1;
    if (i < 0) return { bad: key };
    out.push(i);
  }
  return { bytes: Buffer.from(out) };
}

/**
 * The sequence for a request: empty or missing is the default; malformed is docker's 400,
 * `Invalid detach keys (KEYS) provided` (attach) or `Invalid escape keys (KEYS) provided` (exec
 * create, where docker answers a 500 for the same mistake).
 */
export function detachKeysOf(keys: string | undefined, what: 'detach' | 'escape' = 'detach'): Buffer {
  if (keys === undefined || keys === '') return DEFAULT_DETACH_KEYS;
  const r = parseDetachKeys(keys);
  if ('bad' in r) throw new InvalidArgumentError(`Invalid ${what} keys (${keys}) provided`);
  return r.bytes;
}

/**
 * Scans a client's input for the detach sequence. Bytes that might begin the sequence are held
 * back until it is known whether they do (then they are dropped) or not (then they are passed on).
 */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Buffer = DEFAULT_DETACH_KEYS) {}

  /** The input to pass on, and whether the sequence was completed (input after it is dropped). */
  push(chunk: Buffer): { data: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { data: Buffer.from(out), detached: true };
        continue;
      }
      // a mismatch: the held-back prefix was input after all
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (b === this.keys[0]) {
        this.matched = 1;
        if (this.keys.length === 1) return { data: Buffer.from(out), detached: true };
      } else {
        out.push(b);
      }
    }
    return { data: Buffer.from(out), detached: false };
  }
}

/**
 * Feeds a hijacked connection's input to a process: `write` each chunk, `end` at the client's
 * FIN. With `detachKeys` (a TTY stream with stdin, as docker scans only those), the sequence
 * calls `detach` instead and nothing more is read. A `write` answering false (the process is
 * behind) pauses the connection until `whenDrained` calls back.
 */
export function pumpClientInput(
  conn: Duplex,
  o: { detachKeys?: Buffer; write: (b: Buffer) => boolean | void; whenDrained?: (resume: () => void) => void; end: () => void; detach: () => void },
): void {
  const scanner = o.detachKeys ? new DetachScanner(o.detachKeys) : undefined;
  let detached = false;
  const write = (b: Buffer): void => {
    if (o.write(b) !== false || !o.whenDrained) return;
    conn.pause();
    o.whenDrained(() => {
      if (!detached) conn.resume();
    });
  };
  conn.on('data', (d: Buffer) => {
    if (detached) return;
    if (!scanner) {
      write(d);
      return;
    }
    const r = scanner.push(d);
    if (r.data.length) write(r.data);
    if (r.detached) {
      detached = true;
      o.detach();
    }
  });
  conn.on('end', () => {
    if (!detached) o.end();
  });
}
