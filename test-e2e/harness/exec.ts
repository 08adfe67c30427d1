import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface ExecResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBuffer: Buffer;
  /** Wall time in milliseconds. */
  ms: number;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces the environment instead of extending process.env. */
  replaceEnv?: boolean;
  /** Written to stdin: a Buffer/string, or `{ file }` to stream a file. stdin is closed after it. */
  input?: Buffer | string | { file: string };
  cwd?: string;
  /** Killed with SIGKILL after this many ms (default 45 s, under jest's 60 s test timeout, so that a
   *  hanging command fails its test with its output); the result then has signal SIGKILL. */
  timeoutMs?: number;
}

/** Runs a command to completion and collects its output. Never rejects for a non-zero exit. */
export function exec(command: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.replaceEnv ? opts.env : { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdin.on('error', () => {
      /* the command may exit before reading all of its input (EPIPE): its exit code tells */
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBuffer = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBuffer.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBuffer,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    const input = opts.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else fs.createReadStream(input.file).on('error', (e) => child.stdin.destroy(e)).pipe(child.stdin);
  });
}

/** A one-line summary for assertion messages. */
export function describeResult(r: ExecResult): string {
  return `exit ${r.code ?? r.signal} after ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Is an executable on PATH? */
export function onPath(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => {
    try {
      fs.accessSync(`${d}/${name}`, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
