import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExitStatus } from './types';

/** What the shim writes to <bundle>/exit.json. */
export interface ExitFile extends ExitStatus {
  /** Set when create/start failed: the runtime's error text. */
  error?: string;
}

export function exitFilePath(bundle: string): string {
  return path.join(bundle, 'exit.json');
}

export function parseExitDocument(text: string): ExitFile | undefined {
  try {
    const v = JSON.parse(text) as Partial<ExitFile>;
    if (typeof v.exitCode !== 'number' || typeof v.finishedAt !== 'string') return undefined;
    return {
      exitCode: v.exitCode,
      finishedAt: v.finishedAt,
      oomKilled: v.oomKilled === true,
      ...(typeof v.error === 'string' ? { error: v.error } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Reads exit.json; undefined when absent or unreadable. */
export async function readExitFile(bundle: string): Promise<ExitFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(exitFilePath(bundle), 'utf8');
  } catch {
    return undefined;
  }
  return parseExitDocument(text);
}

/** RFC3339Nano "now", like Go's time.Format (trailing zeros trimmed). */
export function nowRfc3339Nano(): string {
  const ns = process.hrtime.bigint();
  const ms = Date.now();
  const sub = Number(ns % 1_000_000n);
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const frac = (String(d.getUTCMilliseconds()).padStart(3, '0') + String(sub).padStart(6, '0')).replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}
