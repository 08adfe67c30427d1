import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { rfc3339Nano } from '@berth/oci';
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

/** RFC3339Nano "now" in UTC, as Go's `time.Now().UTC().Format(time.RFC3339Nano)`. */
export function nowRfc3339Nano(): string {
  return rfc3339Nano(new Date());
}
