import { InvalidArgumentError } from '@berth/errdefs';

/** Where berthd listens when nothing else is said: `unix:///run/berth.sock`. */
export const DEFAULT_HOST = 'unix:///run/berth.sock';

/** The default TCP port for `tcp://HOST` without one (docker's TLS port). */
export const DEFAULT_TCP_PORT = 2376;

/** A daemon address, parsed from `unix:///path` or `tcp://host:port`. */
export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; hostname: string; port: number; url: string }
  | { kind: 'ssh'; user?: string; hostname: string; port?: number; url: string };

/** Parses a `-H`/`BERTH_HOST` value: `unix:///path`, `/path`, `tcp://host[:port]`, `host:port`, `ssh://[user@]host[:port]`. */
export function parseHost(input: string | undefined): DaemonAddress {
  const raw = (input ?? '').trim() || DEFAULT_HOST;
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new InvalidArgumentError(`host "${raw}": unix socket path must be absolute`);
    return { kind: 'unix', socketPath, url: raw };
  }
  if (raw.startsWith('/')) return { kind: 'unix', socketPath: raw, url: `unix://${raw}` };
  if (raw.startsWith('ssh://')) {
    // docker's connhelper: ssh://[user@]host[:port], no path
    const m = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(raw);
    if (!m) throw new InvalidArgumentError(`host "${raw}": invalid ssh address (ssh://[user@]host[:port])`);
    const port = m[3] !== undefined ? Number(m[3]) : undefined;
    if (port !== undefined && (port <= 0 || port > 65535)) throw new InvalidArgumentError(`host "${raw}": invalid port`);
    return { kind: 'ssh', user: m[1], hostname: m[2]!.replace(/^\[|\]$/g, ''), port, url: raw };
  }
  let rest = raw;
  if (rest.startsWith('tcp://')) rest = rest.slice('tcp://'.length);
  else if (/^[a-z]+:\/\//i.test(rest)) throw new InvalidArgumentError(`host "${raw}": unsupported protocol`);
  rest = rest.replace(/\/+$/, '');
  let port = DEFAULT_TCP_PORT;
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(rest);
  if (!m) throw new InvalidArgumentError(`host "${raw}": invalid address`);
  const hostname = m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
  if (m[2] !== undefined) port = Number(m[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new InvalidArgumentError(`host "${raw}": invalid port`);
  return { kind: 'tcp', hostname, port, url: `tcp://${m[1] || hostname}:${port}` };
}
