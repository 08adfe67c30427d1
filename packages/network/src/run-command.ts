import { spawn } from 'node:child_process';
import { InternalError } from '@berth/errdefs';

let spawned = 0;

/** How many processes the network component has spawned (the benchmark's per-start figure). */
export function networkSpawnCount(): number {
  return spawned;
}

/**
 * Runs one program with `input` on stdin; resolves with stdout, rejects with an InternalError
 * carrying stderr ("what: stderr") when it exits non-zero.
 */
export function runCommand(what: string, file: string, args: string[], input?: string): Promise<string> {
  spawned++;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new InternalError(`${what}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const msg = Buffer.concat(err).toString('utf8').trim() || `${file} exited with ${code ?? signal}`;
      reject(new InternalError(`${what}: ${msg}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
