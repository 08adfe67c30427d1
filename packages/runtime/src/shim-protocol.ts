/**
 * The berth-shim wire protocol (see shim/berth-shim.c): frames [type:1][length:4 BE][payload].
 */
export const FrameType = {
  // daemon -> shim
  Attach: 0x41, // 'A': first frame of a connection; makes it the shim's daemon connection
  Start: 0x53, // 'S'
  Stdin: 0x49, // 'I'
  CloseStdin: 0x43, // 'C'
  Kill: 0x4b, // 'K'
  Resize: 0x52, // 'R'
  // shim -> daemon
  Stdout: 1,
  Stderr: 2,
  Hello: 0x48, // 'H'
  Created: 0x63, // 'c'
  Started: 0x73, // 's'
  Failed: 0x66, // 'f'
  ProcessExited: 0x77, // 'w': the process exited (sent before `runtime delete`)
  Exited: 0x78, // 'x': the shim is done (runtime container deleted, exit.json written)
  KillResult: 0x6b, // 'k'
  Error: 0x65, // 'e'
  Displaced: 0x64, // 'd'
  StdinTaken: 0x69, // 'i': stdin bytes written to the process (or dropped) since the last one, decimal text
} as const;

/**
 * The most stdin bytes the daemon has sent that the shim has not acknowledged ('i'): what bounds
 * the shim's stdin queue while the process reads slowly (the daemon waits, and stops reading its
 * client, instead). Shims that do not acknowledge (no `stdinAck` in their hello) get no window.
 */
export const STDIN_WINDOW = 1024 * 1024;

/** Largest payload the shim accepts from the daemon in one frame. */
export const MAX_REQUEST_PAYLOAD = 60 * 1024;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/**
 * Incremental frame decoder: push socket chunks, get (type, payload) callbacks in order.
 * Frames of a `splittable` type (container output, whose chunking means nothing) are handed on
 * in the pieces they arrive in, never copied together: one frame may then give several
 * callbacks. Every other frame arrives whole.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private total = 0;
  private need = -1;
  private type = 0;

  constructor(
    private readonly onFrame: (type: number, payload: Buffer) => void,
    private readonly splittable: (type: number) => boolean = () => false,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    for (;;) {
      if (this.need === -1) {
        if (this.total < 5) return;
        const head = this.take(5);
        this.type = head[0];
        this.need = head.readUInt32BE(1);
        if (this.need > 0 && this.splittable(this.type)) this.need = -2 - this.need; // split mode: -2 - bytes left
      }
      if (this.need <= -2) {
        // a splittable frame: hand on what has arrived of it, chunk by chunk, without copying
        let left = -2 - this.need;
        while (left > 0 && this.chunks.length > 0) {
          const first = this.chunks[0]!;
          const piece = first.length <= left ? first : first.subarray(0, left);
          if (piece === first) this.chunks.shift();
          else this.chunks[0] = first.subarray(left);
          this.total -= piece.length;
          left -= piece.length;
          this.onFrame(this.type, piece);
        }
        if (left > 0) {
          this.need = -2 - left;
          return;
        }
        this.need = -1;
        continue;
      }
      if (this.total < this.need) return;
      const payload = this.take(this.need);
      this.need = -1;
      this.onFrame(this.type, payload);
    }
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.total -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.total -= n;
    return out;
  }
}
