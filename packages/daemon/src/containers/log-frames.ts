import { encodeFrame } from '@berth/api';
import type { LogEntry, OutputChunk } from '@berth/runtime';

/** Docker prints log timestamps with a fixed 9-digit fraction (jsonlog RFC3339NanoFixed). */
export function fixedNano(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  let frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
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

/** One live output chunk as it goes on the wire. */
export function outputBytes(c: OutputChunk, tty: boolean): Buffer {
  return tty ? c.data : encodeFrame(c.stream, c.data);
}
