import { promises as fs } from 'node:fs';

/** One interface's counters as the CRI's NetworkInterfaceUsage. */
export interface InterfaceUsage {
  name: string;
  rx_bytes: { value: number };
  rx_errors: { value: number };
  tx_bytes: { value: number };
  tx_errors: { value: number };
}

/**
 * The interfaces of a `/proc/<pid>/net/dev` text (the network namespace `pid` is in), loopback
 * left out as containerd and cAdvisor do. Columns: after `name:`, 8 receive counters (bytes,
 * packets, errs, drop, fifo, frame, compressed, multicast) then 8 transmit ones.
 */
export function parseNetDev(text: string): InterfaceUsage[] {
  const out: InterfaceUsage[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || name === 'lo' || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({ name, rx_bytes: { value: f[0]! }, rx_errors: { value: f[2]! }, tx_bytes: { value: f[8]! }, tx_errors: { value: f[10]! } });
  }
  return out;
}

/**
 * The CRI NetworkUsage of the network namespace process `pid` is in (a pod's, through its pause
 * process): the default interface is `ifname` (CNI's eth0) when present. Undefined when the
 * process is gone.
 */
export async function networkUsageOf(pid: number, ifname: string, timestamp: number): Promise<Record<string, unknown> | undefined> {
  if (!(pid > 0)) return undefined;
  const text = await fs.readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const interfaces = parseNetDev(text);
  return { timestamp, default_interface: interfaces.find((i) => i.name === ifname) ?? null, interfaces };
}
