import { Transform, type TransformCallback } from 'node:stream';

/**
 * Docker's stream multiplexing ("stdcopy") for non-TTY attach, exec and logs: each write is a frame
 * `[stream, 0, 0, 0, size (uint32 BE)] + payload`; stream 0 stdin, 1 stdout, 2 stderr.
 */
export const StreamType = { stdin: 0, stdout: 1, stderr: 2, systemErr: 3 } as const;
export type StreamName = 'stdin' | 'stdout' | 'stderr';

export const FRAME_HEADER_SIZE = 8;

function writeHeader(out: Buffer, stream: StreamName | 'systemErr', size: number): void {
  out[0] = StreamType[stream];
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out.writeUInt32BE(size, 4);
}

/** One frame's header and payload, as one Buffer. */
export function encodeFrame(stream: StreamName | 'systemErr', payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  writeHeader(out, stream, payload.length);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

/** Just a frame's header, for a payload written after it as it is (no copy of big payloads). */
export function encodeFrameHeader(stream: StreamName | 'systemErr', size: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeHeader(out, stream, size);
  return out;
}


export interface Frame {
  stream: StreamName | 'systemErr';
  payload: Buffer;
}

const NAMES: Record<number, Frame['stream']> = { 0: 'stdin', 1: 'stdout', 2: 'stderr', 3: 'systemErr' };

/**
 * Splits a multiplexed byte stream into frames (object mode output). Frames may be split across
 * or share chunks. A header with an unknown stream byte is an error.
 */
export class FrameDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  constructor() {
    super({ readableObjectMode: true });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= FRAME_HEADER_SIZE) {
      const kind = NAMES[this.buf[0]!];
      if (kind === undefined) {
        cb(new Error(`stdcopy: bad stream type ${this.buf[0]} in frame header`));
        return;
      }
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < FRAME_HEADER_SIZE + size) break;
      const payload = this.buf.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + size);
      this.buf = this.buf.subarray(FRAME_HEADER_SIZE + size);
      this.push({ stream: kind, payload } satisfies Frame);
    }
    cb();
  }
  override _flush(cb: TransformCallback): void {
    cb(this.buf.length > 0 ? new Error('stdcopy: stream ended inside a frame') : null);
  }
}
