import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ContainerFilesInput } from './types';

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,253})?$/;

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

/**
 * Writes `hostname`, `hosts` and `resolv.conf` into the container's directory; buildSpec
 * bind-mounts them onto /etc in the container. The content is the caller's (the daemon gets it
 * from @berth/network for every network mode); hosts and resolv.conf are written in place, so a
 * running container's bind mount sees a change (connect, disconnect).
 */
export async function writeContainerFiles(dir: string, input: ContainerFilesInput): Promise<void> {
  if (!HOSTNAME_RE.test(input.hostname)) throw new InvalidArgumentError(`hostname "${input.hostname}": invalid hostname`);
  await fs.mkdir(dir, { recursive: true });
  const files = containerFilePaths(dir);
  await settleAll([writeAtomic(files.hostname, `${input.hostname}\n`), writeInPlace(files.hosts, input.hosts), writeInPlace(files.resolvConf, input.resolvConf)]);
}

/** Waits for every promise (none is left running), then throws the first failure. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const rs = await Promise.allSettled(ps);
  for (const r of rs) if (r.status === 'rejected') throw r.reason;
}
