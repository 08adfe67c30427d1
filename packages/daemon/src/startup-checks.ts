import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { FailedPreconditionError } from '@berth/errdefs';

/** A start-up failure: one line naming the fix; berthd prints it and exits 1. */
export class StartupError extends FailedPreconditionError {}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The daemon's ID (`docker info`'s ID, 12 groups of 4 base32 characters), made once and kept in the data root. */
export async function loadEngineId(file: string): Promise<string> {
  const existing = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/.test(existing)) return existing;
  const bytes = randomBytes(48);
  const chars = [...bytes].map((b) => BASE32[b % 32]).join('');
  const id = chars.match(/.{4}/g)!.join(':');
  await fs.writeFile(file, id + '\n', { mode: 0o600 });
  return id;
}

/** Writes the pid file, refusing when it names a live process (another berthd). */
export async function writePidFile(file: string): Promise<void> {
  const old = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(old) && old > 0 && old !== process.pid) {
    let alive = true;
    try {
      process.kill(old, 0);
    } catch {
      alive = false;
    }
    if (alive) throw new StartupError(`pid file ${file} names a running process (${old}): stop that berthd first, or pass another --pidfile`);
  }
  await fs.writeFile(file, `${process.pid}\n`);
}
