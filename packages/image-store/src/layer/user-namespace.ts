import * as fs from 'node:fs';

/**
 * Whether a `/proc/<pid>/uid_map` text is not the initial user namespace's: that one maps the
 * whole id range onto itself, the single line `0 0 4294967295` (the test Docker's
 * rsys.RunningInUserNS makes). An unreadable or empty map counts as the initial namespace.
 */
export function uidMapIsUserNs(uidMap: string): boolean {
  const line = uidMap.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return false;
  const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
  return !(inside === 0 && outside === 0 && count === 4294967295);
}

let cached: boolean | undefined;

/** Whether berthd runs in a user namespace (read once: a process does not change namespace under itself here). */
export function runningInUserNs(): boolean {
  if (cached === undefined) {
    let map = '';
    try {
      map = fs.readFileSync('/proc/self/uid_map', 'utf8');
    } catch {
      // no /proc: the initial namespace, as Docker assumes
    }
    cached = uidMapIsUserNs(map);
  }
  return cached;
}
