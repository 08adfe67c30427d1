import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ContainerFilesInput } from './types';

const HOSTS_DEFAULT = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,253})?$/;

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, data, { mode: 0o644 });
  await fs.rename(tmp, file);
}

async function writeInPlace(file: string, data: string): Promise<void> {
  await fs.writeFile(file, data, { mode: 0o644 });
}

/**
 * The files writeContainerFiles keeps in a container's directory and buildSpec binds over the
 * container's /etc: where each lives on the host and where the container sees it.
 */
export function containerFilePaths(dir: string): { hostname: string; hosts: string; resolvConf: string; mounts: { destination: string; source: string }[] } {
  const hostname = path.join(dir, 'hostname');
  const hosts = path.join(dir, 'hosts');
  const resolvConf = path.join(dir, 'resolv.conf');
  return {
    hostname,
    hosts,
    resolvConf,
    mounts: [
      { destination: '/etc/hostname', source: hostname },
      { destination: '/etc/hosts', source: hosts },
      { destination: '/etc/resolv.conf', source: resolvConf },
    ],
  };
}

/** Host resolv.conf with loopback nameservers removed; Google DNS when none remain (Docker's rule). */
function filterResolvConf(text: string, keepNameservers: boolean): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let ns = 0;
  for (const line of lines) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) {
      if (!keepNameservers) continue;
      if (/^127\./.test(m[1]) || m[1] === '::1') continue;
      ns++;
    }
    out.push(line);
  }
  while (out.length && out[out.length - 1].trim() === '') out.pop();
  if (keepNameservers && ns === 0) out.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return out.join('\n') + '\n';
}

/**
 * Writes `hostname`, `hosts` and `resolv.conf` into the container's directory; buildSpec
 * bind-mounts them onto /etc in the container.
 * - host network: copies of the host's /etc/hosts and resolv.conf;
 * - none: loopback-only hosts plus the hostname, a resolv.conf without nameservers;
 * - default mode without a bridge (berthd `--bridge none`): loopback hosts plus the hostname, the
 *   host's resolv.conf without loopback nameservers (falling back to 8.8.8.8/8.8.4.4, as Docker does).
 * Containers on a bridge network get `hosts`/`resolvConf` content from @berth/network (given in
 * `input`), which has its own copy of the localhost lines: see the daemon README's known gaps.
 */
export async function writeContainerFiles(dir: string, input: ContainerFilesInput): Promise<void> {
  if (!HOSTNAME_RE.test(input.hostname)) throw new InvalidArgumentError(`hostname "${input.hostname}": invalid hostname`);
  const network = input.network ?? 'default';
  const hostResolv = await readOr(input.hostResolvConf ?? '/etc/resolv.conf', '');
  const fqdn = input.domainname ? `${input.hostname}.${input.domainname}` : undefined;
  let hosts: string;
  if (input.hosts !== undefined) {
    hosts = input.hosts;
  } else if (network === 'host') {
    hosts = await readOr('/etc/hosts', HOSTS_DEFAULT.join('\n') + '\n');
  } else {
    const lines = [...HOSTS_DEFAULT];
    for (const e of input.extraHosts ?? []) {
      const i = e.lastIndexOf(':');
      if (i <= 0) throw new InvalidArgumentError(`extra host "${e}": invalid format, expected host:ip`);
      lines.push(`${e.slice(i + 1)}\t${e.slice(0, i)}`);
    }
    lines.push(`127.0.0.1\t${fqdn ? `${fqdn} ${input.hostname}` : input.hostname}`);
    hosts = lines.join('\n') + '\n';
  }
  let resolv: string;
  if (input.resolvConf !== undefined) resolv = input.resolvConf;
  else if (network === 'host') resolv = hostResolv;
  else if (network === 'none') resolv = filterResolvConf(hostResolv, false);
  else resolv = filterResolvConf(hostResolv, true);
  await fs.mkdir(dir, { recursive: true });
  const files = containerFilePaths(dir);
  // hosts and resolv.conf in place: a running container's bind mount keeps the inode (connect)
  const write = input.hosts !== undefined || input.resolvConf !== undefined ? writeInPlace : writeAtomic;
  await settleAll([writeAtomic(files.hostname, `${input.hostname}\n`), write(files.hosts, hosts), write(files.resolvConf, resolv)]);
}

/** Waits for every promise (none is left running), then throws the first failure. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const rs = await Promise.allSettled(ps);
  for (const r of rs) if (r.status === 'rejected') throw r.reason;
}
