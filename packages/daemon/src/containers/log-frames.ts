import type { Duplex } from 'node:stream';
import { encodeFrame, encodeFrameHeader } from '@berth/api';
import type { LogEntry, OutputChunk } from '@berth/runtime';

/** Docker prints log timestamps with a fixed 9-digit fraction (jsonlog RFC3339NanoFixed). */
export function fixedNano(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  let base = m[1]!;
  let zone = m[3]!;
  if (zone !== 'Z') {
    const d = new Date(`${base}${zone}`);
    base = d.toISOString().slice(0, 19);
    zone = 'Z';
  }
  return `${base}.${frac}${zone}`;
}

/** One log entry as it goes on the wire: raw for TTY containers, one frame otherwise. */
export function logEntryBytes(e: LogEntry, tty: boolean, timestamps: boolean): Buffer {
  const payload = timestamps ? Buffer.concat([Buffer.from(`${fixedNano(e.time)} `), e.line]) : e.line;
  return tty ? payload : encodeFrame(e.stream, payload);
}

/**
 * One live output chunk as it goes on the wire: raw for TTY, else a frame header and the chunk
 * itself (written one after the other, corked: output is never copied into a frame).
 */
export function outputPieces(c: OutputChunk, tty: boolean): Buffer[] {
  return tty ? [c.data] : [encodeFrameHeader(c.stream, c.data.length), c.data];
}

/** Writes `pieces` to `conn` in one go (one writev), unless it is closed. */
export function writePieces(conn: Duplex, pieces: Buffer[]): void {
  if (conn.destroyed || !conn.writable) return;
  conn.cork();
  for (const p of pieces) conn.write(p);
  conn.uncork();
}
