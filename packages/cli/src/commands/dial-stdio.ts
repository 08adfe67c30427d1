import type { CliContext, ExitCode } from '../cli-context';

/**
 * `berth system dial-stdio`: connects to the daemon's socket and copies stdin to it and its
 * answers to stdout, each direction half-closed when its source ends (docker's `system
 * dial-stdio`). `berth -H ssh://user@host` runs this on the remote side through ssh.
 */
export async function run(ctx: CliContext): Promise<ExitCode> {
  const net = require('node:net') as typeof import('node:net');
  const { parseHost } = require('@berth/client') as typeof import('@berth/client');
  const h = ctx.clientOptions.host;
  const addr = typeof h === 'object' && h !== null ? h : parseHost(h);
  if (addr.kind === 'ssh') throw new Error('dial-stdio: the daemon must be local (unix:// or tcp://), not ssh://');
  const sock = addr.kind === 'unix' ? net.connect(addr.socketPath) : net.connect(addr.port, addr.hostname);
  return new Promise<ExitCode>((resolve) => {
    let failed = false;
    sock.on('connect', () => {
      ctx.io.stdin.on('data', (c: Buffer) => sock.write(c));
      ctx.io.stdin.on('end', () => sock.end());
      ctx.io.stdin.resume();
    });
    sock.on('data', (c: Buffer) => ctx.io.stdout.write(c));
    sock.on('error', (e) => {
      failed = true;
      ctx.io.stderr.write(`dial-stdio: ${e.message}\n`);
    });
    sock.on('close', () => {
      ctx.io.stdin.pause();
      resolve(failed ? 1 : 0);
    });
  });
}
