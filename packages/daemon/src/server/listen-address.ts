import { InvalidArgumentError } from '@berth/errdefs';

/** Where the API listens: `-H unix:///run/berth.sock` or `-H tcp://HOST:PORT`. */
export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export const DEFAULT_HOST = 'unix:///run/berth.sock';

/**
 * Parses a `-H` value the way dockerd does: `unix:///path`, a bare `/path`, `tcp://host:port`,
 * `tcp://:port` (127.0.0.1), `tcp://host` (2375, or 2376 with TLS), `tcp://[::1]:2375`.
 */
export function parseListenAddress(s: string, tls = false): ListenAddress {
  const v = s.trim();
  if (v.startsWith('/')) return { kind: 'unix', path: v };
  if (v.startsWith('unix://')) {
    const p = v.slice('unix://'.length);
    if (!p.startsWith('/')) throw new InvalidArgumentError(`host ${JSON.stringify(s)}: unix socket path must be absolute`);
    return { kind: 'unix', path: p };
  }
  if (v.startsWith('tcp://')) {
    const rest = v.slice('tcp://'.length).replace(/\/+$/, '');
    if (rest.includes('/')) throw new InvalidArgumentError(`host ${JSON.stringify(s)}: no path allowed in a tcp address`);
    let host: string;
    let portStr: string | undefined;
    const m6 = /^\[([0-9a-fA-F:.]+)\](?::(\d*))?$/.exec(rest);
    if (m6) {
      host = m6[1]!;
      portStr = m6[2];
    } else {
      const i = rest.lastIndexOf(':');
      if (i >= 0) {
        host = rest.slice(0, i);
        portStr = rest.slice(i + 1);
      } else {
        host = rest;
      }
      if (host.includes(':')) throw new InvalidArgumentError(`host ${JSON.stringify(s)}: put IPv6 addresses in brackets`);
    }
    if (host === '') host = '127.0.0.1';
    const port = portStr === undefined || portStr === '' ? (tls ? 2376 : 2375) : Number(portStr);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`host ${JSON.stringify(s)}: invalid port`);
    return { kind: 'tcp', host, port };
  }
  throw new InvalidArgumentError(`host ${JSON.stringify(s)}: expected unix:///path or tcp://host:port`);
}

/** Whether a TCP host only accepts local connections. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function formatListenAddress(a: ListenAddress): string {
  if (a.kind === 'unix') return `unix://${a.path}`;
  return a.host.includes(':') ? `tcp://[${a.host}]:${a.port}` : `tcp://${a.host}:${a.port}`;
}
