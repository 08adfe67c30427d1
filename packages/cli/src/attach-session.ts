import { spawnSync } from 'node:child_process';
import type { AttachedContainer, BerthClient } from '@berth/client';

/** `stty [-]opost` on the terminal that is our stdin. */
function setOutputProcessing(on: boolean): void {
  try {
    spawnSync('stty', [on ? 'opost' : '-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  } catch {
    /* no stty: output keeps \r\r\n, harmless */
  }
}
import type { CliContext } from './cli-context';

/**
 * Connects an attached container to the terminal: output to stdout/stderr, stdin (when asked)
 * to the container, the write side closed at once otherwise (as the docker CLI does), SIGINT
 * and SIGTERM forwarded as `POST /kill` without a TTY (sig-proxy). Resolves when the daemon
 * closes the stream.
 */
export function pumpAttached(
  ctx: CliContext,
  client: BerthClient,
  id: string,
  a: AttachedContainer,
  o: { stdin: boolean; tty: boolean; sigProxy?: boolean; forceExit?: boolean },
): { done: Promise<void>; stop(): void } {
  const { io } = ctx;
  const unhooks: (() => void)[] = [];
  // A reset from the daemon ends the session like an EOF; it must not crash the CLI.
  a.socket.on('error', () => undefined);
  let rawMode = false;
  if (o.stdin) {
    if (o.tty && io.stdin.isTTY && io.stdin.setRawMode) {
      io.stdin.setRawMode(true);
      rawMode = true;
      // libuv's raw mode keeps ONLCR; the container's pty already sends \r\n (docker turns OPOST off too)
      setOutputProcessing(false);
    }
    io.stdin.on('data', (c: Buffer) => {
      if (!a.socket.destroyed && a.socket.writable) a.socket.write(c);
    });
    io.stdin.on('end', () => {
      if (!a.socket.destroyed) a.socket.end();
    });
    io.stdin.resume();
  } else {
    a.socket.end();
  }
  if (o.sigProxy !== false && !o.tty) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      unhooks.push(
        ctx.onSignal(sig, () => {
          client.containers.kill(id, { signal: sig.slice(3) }).catch(() => undefined);
        }),
      );
    }
  }
  const pipeTo = (src: NodeJS.ReadableStream, dst: NodeJS.WritableStream) =>
    new Promise<void>((resolve) => {
      src.on('data', (c: Buffer) => dst.write(c));
      src.on('end', resolve);
      src.on('close', resolve);
      src.on('error', () => resolve());
    });
  const done = Promise.all([pipeTo(a.stdout, io.stdout), pipeTo(a.stderr, io.stderr)]).then(() => undefined);
  const stop = () => {
    for (const u of unhooks) u();
    if (rawMode) {
      io.stdin.setRawMode?.(false);
      setOutputProcessing(true);
      rawMode = false;
    }
    if (o.stdin) io.stdin.pause();
    a.close();
  };
  return { done, stop };
}
