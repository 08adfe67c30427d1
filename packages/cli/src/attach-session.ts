import { spawnSync } from 'node:child_process';
import type { AttachedContainer, BerthClient } from '@berth/client';
import type { CliContext } from './cli-context';

/** `stty [-]opost` on the terminal that is our stdin. */
function setOutputProcessing(on: boolean): void {
  try {
    spawnSync('stty', [on ? 'opost' : '-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  } catch {
    /* no stty: output keeps \r\r\n, harmless */
  }
}

/** ctrl-p ctrl-q: docker's detach sequence when none is configured. */
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

/**
 * docker's term.ToBytes: `ctrl-p,ctrl-q`, `a,ctrl-@`... one key a comma-separated item, either a
 * single character or `ctrl-` and one of a-z @ [ \ ] ^ _. Undefined when the spec is invalid (docker
 * then warns and falls back to the default).
 */
export function detachKeyBytes(spec: string): Buffer | undefined {
  const out: number[] = [];
  for (const raw of spec.split(',')) {
    const k = raw.trim();
    if (k.length > 1 && k.startsWith('ctrl-')) {
      const c = k.slice(5);
      if (c.length !== 1) return undefined;
      const ch = c.toLowerCase();
      if (ch >= 'a' && ch <= 'z') out.push(ch.charCodeAt(0) - 96);
      else if ('@[\\]^_'.includes(c)) out.push(c.charCodeAt(0) - 64);
      else return undefined;
    } else if (k.length === 1) out.push(k.charCodeAt(0));
    else return undefined;
  }
  return out.length ? Buffer.from(out) : undefined;
}

/**
 * docker's escape proxy: passes input through, holding back what could be the start of the
 * detach sequence; `onDetach` fires when the whole sequence was typed (it is not sent).
 */
export function escapeProxy(keys: Buffer, forward: (b: Buffer) => void, onDetach: () => void): (chunk: Buffer) => void {
  let matched = 0;
  return (chunk: Buffer) => {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === keys[matched]) {
        if (i > start) forward(chunk.subarray(start, i));
        matched++;
        start = i + 1;
        if (matched === keys.length) {
          onDetach();
          return;
        }
      } else if (matched > 0) {
        // not the sequence after all: what was held goes out first
        forward(keys.subarray(0, matched));
        matched = 0;
        i--;
        start = i + 1;
      }
    }
    if (start < chunk.length) forward(chunk.subarray(start));
  };
}

/** How an attached session ended: the stream closed, the user typed the detach keys, or three signals forced it. */
export type SessionEnd = 'ended' | 'detached' | 'forced';

/**
 * Connects an attached container to the terminal: output to stdout/stderr, stdin (when asked)
 * to the container, the write side closed at once otherwise (as the docker CLI does), SIGINT
 * and SIGTERM forwarded as `POST /kill` without a TTY (sig-proxy). With a TTY: raw mode, docker's
 * detach keys watched for in the input (the daemon is told them too), the terminal size sent at
 * once and on every SIGWINCH (`resize`). `forceExit`: the third SIGINT/SIGTERM ends the session
 * (docker's "got 3 SIGTERM/SIGINTs, forcefully exiting"). Resolves when the session ends.
 */
export function pumpAttached(
  ctx: CliContext,
  client: BerthClient,
  id: string,
  a: AttachedContainer,
  o: {
    stdin: boolean;
    tty: boolean;
    sigProxy?: boolean;
    forceExit?: boolean;
    detachKeys?: string;
    resize?: (height: number, width: number) => Promise<unknown>;
  },
): { done: Promise<SessionEnd>; stop(): void; resizeNow(): void } {
  const { io } = ctx;
  const unhooks: (() => void)[] = [];
  let end!: (e: SessionEnd) => void;
  const ended = new Promise<SessionEnd>((r) => (end = r));
  // A reset from the daemon ends the session like an EOF; it must not crash the CLI.
  a.socket.on('error', () => undefined);
  let rawMode = false;
  if (o.stdin) {
    let send = (c: Buffer) => {
      if (!a.socket.destroyed && a.socket.writable) a.socket.write(c);
    };
    if (o.tty && io.stdin.isTTY && io.stdin.setRawMode) {
      io.stdin.setRawMode(true);
      rawMode = true;
      // libuv's raw mode keeps ONLCR; the container's pty already sends \r\n (docker turns OPOST off too)
      setOutputProcessing(false);
    }
    if (o.tty) {
      const keys = (o.detachKeys ? detachKeyBytes(o.detachKeys) : undefined) ?? DEFAULT_DETACH_KEYS;
      const forward = send;
      send = escapeProxy(keys, forward, () => end('detached'));
    }
    io.stdin.on('data', (c: Buffer) => send(c));
    io.stdin.on('end', () => {
      if (!a.socket.destroyed) a.socket.end();
    });
    io.stdin.resume();
  } else {
    a.socket.end();
  }
  let signals = 0;
  if ((o.sigProxy !== false && !o.tty) || o.forceExit) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      unhooks.push(
        ctx.onSignal(sig, () => {
          signals++;
          if (o.forceExit && signals >= 3) {
            io.stderr.write('\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n');
            end('forced');
            return;
          }
          if (o.sigProxy !== false && !o.tty) client.containers.kill(id, { signal: sig.slice(3) }).catch(() => undefined);
        }),
      );
    }
  }
  const resizeNow = () => {
    const out = io.stdout;
    if (o.resize && out.isTTY && out.rows && out.columns) o.resize(out.rows, out.columns).catch(() => undefined);
  };
  if (o.tty && o.resize && io.stdout.isTTY) {
    // node's tty stream emits 'resize' on SIGWINCH, with rows and columns already updated
    const onResize = () => resizeNow();
    io.stdout.on('resize', onResize);
    unhooks.push(() => io.stdout.off('resize', onResize));
  }
  const pipeTo = (src: NodeJS.ReadableStream, dst: NodeJS.WritableStream) =>
    new Promise<void>((resolve) => {
      src.on('data', (c: Buffer) => dst.write(c));
      src.on('end', resolve);
      src.on('close', resolve);
      src.on('error', () => resolve());
    });
  Promise.all([pipeTo(a.stdout, io.stdout), pipeTo(a.stderr, io.stderr)]).then(() => end('ended'));
  const stop = () => {
    for (const u of unhooks.splice(0)) u();
    if (rawMode) {
      io.stdin.setRawMode?.(false);
      setOutputProcessing(true);
      rawMode = false;
    }
    if (o.stdin) io.stdin.pause();
    a.close();
  };
  return { done: ended, stop, resizeNow };
}
