import { Transform, type TransformCallback } from 'node:stream';

/** One message of a progress stream (pull, push, load, import, build, events use this line format). */
export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: Record<string, unknown>;
  errorDetail?: { message: string; code?: number };
  error?: string;
  time?: number;
  timeNano?: number;
  [key: string]: unknown;
}

/** Serialises one message as a line: compact JSON plus `\n`. */
export function encodeJsonMessage(m: JsonMessage): string {
  return JSON.stringify(m) + '\n';
}

/** The terminal error message of a stream (build adds `code`). */
export function errorMessage(message: string, code?: number): JsonMessage {
  return code === undefined
    ? { errorDetail: { message }, error: message }
    : { errorDetail: { code, message }, error: message };
}

/**
 * Parses a stream of JSON values separated by newlines (or simply concatenated), independent of
 * chunk boundaries, into objects.
 */
export class JsonMessageDecoder extends Transform {
  private buf = '';
  constructor() {
    super({ readableObjectMode: true });
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf += chunk.toString();
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line === '') continue;
      try {
        this.push(JSON.parse(line));
      } catch (e) {
        cb(new Error(`json stream: bad message: ${line.slice(0, 200)}`));
        return;
      }
    }
    cb();
  }
  override _flush(cb: TransformCallback): void {
    const rest = this.buf.trim();
    if (rest !== '') {
      try {
        this.push(JSON.parse(rest));
      } catch {
        cb(new Error(`json stream: bad message: ${rest.slice(0, 200)}`));
        return;
      }
    }
    cb();
  }
}
