import { promises as fs } from 'node:fs';
import type { Cidr4 } from './ipv4';

export interface HostRoute {
  iface: string;
  cidr: Cidr4;
}

/**
 * The IPv4 prefixes routed in the current network namespace (from /proc/net/route, the main
 * table), default routes left out: a new network's subnet must overlap none of them.
 */
export async function hostRoutes4(file = '/proc/net/route'): Promise<HostRoute[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  return parseProcRoute(text);
}

/** Parses /proc/net/route's text (little-endian hex Destination and Mask columns). */
export function parseProcRoute(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = leHex(f[1]!);
    const m = leHex(f[7]!);
    if (m === 0) continue;
    let prefix = 0;
    while (prefix < 32 && (m & (0x80000000 >>> prefix)) !== 0) prefix++;
    out.push({ iface: f[0]!, cidr: { base: (dest & maskOf(prefix)) >>> 0, prefix } });
  }
  return out;
}

function maskOf(p: number): number {
  return p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
}

function leHex(h: string): number {
  const n = parseInt(h, 16) >>> 0;
  return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
}
