import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

/** An `ssh://` daemon address. */
export interface SshAddress {
  user?: string;
  hostname: string;
  port?: number;
}

/**
 * The arguments of the system's `ssh` for one connection to the daemon behind `a`: as the docker
 * CLI's connection helper, `ssh -o ConnectTimeout=30 -T [-l USER] [-p PORT] -- HOST berth system dial-stdio` (the remote
 * `berth` connects that host's berthd and copies the stream both ways). `BERTH_SSH_COMMAND`
 * replaces `ssh` (tests; a wrapper with options).
 */
export function sshArgs(a: SshAddress): string[] {
  const args: string[] = [];
  if (a.user) args.push('-l', a.user);
  if (a.port !== undefined) args.push('-p', String(a.port));
  args.push('--', a.hostname, 'berth', 'system', 'dial-stdio');
  return ['-o', 'ConnectTimeout=30', '-T', ...args];
}

/**
 * A stream to the daemon through a new `ssh` process (one per connection, as docker does): what
 * the HTTP agent writes goes to ssh's stdin, ssh's stdout is the answer. Destroying the stream
 * ends the process. What ssh prints on stderr is kept for the error when the tunnel fails.
 */
export function sshConnection(a: SshAddress): Duplex {
  const cmd = process.env.BERTH_SSH_COMMAND || 'ssh';
  const child = spawn(cmd, sshArgs(a), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString();
  });
  const what = `command [${[cmd, ...sshArgs(a)].join(' ')}]`;
  const d = new Duplex({
    read() {
      child.stdout.resume();
    },
    write(chunk, _enc, cb) {
      if (child.stdin.destroyed) return cb();
      child.stdin.write(chunk, () => cb());
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
    destroy(err, cb) {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      cb(err);
    },
  });
  child.stdin.on('error', () => undefined);
  child.stdout.on('data', (c: Buffer) => {
    if (!d.push(c)) child.stdout.pause();
  });
  // the stream ends when ssh has exited: cleanly, or with docker's wording of a tunnel that failed
  child.on('close', (code) => {
    if (code === 0 || code === null) d.push(null);
    else d.destroy(new Error(`${what} has exited with exit status ${code}, make sure the URL is valid, and berth is installed on the remote host: stderr=${stderr.trim()}`));
  });
  child.on('error', (e) => d.destroy(new Error(`${what}: ${e.message}`)));
  // what node:http's agent asks of a socket
  const sock = d as Duplex & Record<string, unknown>;
  for (const m of ['setKeepAlive', 'setNoDelay', 'ref', 'unref']) sock[m] = () => sock;
  sock.setTimeout = (_ms: number, cb?: () => void) => {
    if (cb) d.once('timeout', cb);
    return sock;
  };
  return d;
}
