import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Everything a daemon run under `root` may have left behind once it is gone. */
export interface Leaks {
  /** Mount points at or below root (overlay rootfs, bind mounts, ...). */
  mounts: string[];
  /** Containers the OCI runtime still knows in the daemon's state dir. */
  runtimeContainers: string[];
  /** Live processes tied to root: by command line (berthd, shims), cwd or root directory (container processes). */
  processes: { pid: number; cmdline: string }[];
}

/** /proc/mounts escapes spaces, tabs, newlines and backslashes as octal. */
function unescapeMount(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function mountsUnder(root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => unescapeMount(line.split(' ')[1] ?? ''))
    .filter((mp) => mp === root || mp.startsWith(prefix));
}

const RUNTIMES = ['runc', 'crun'];

/**
 * The OCI runtime state roots under the daemon's runtime dir: berthd keeps one per runtime
 * (`runtime/runc`, `runtime/crun`); a runtime dir holding state directly counts as runc's.
 */
function stateRoots(runtimeDir: string): { runtime: string; root: string }[] {
  if (!fs.existsSync(runtimeDir)) return [];
  const perRuntime = RUNTIMES.filter((r) => fs.existsSync(path.join(runtimeDir, r))).map((r) => ({
    runtime: r,
    root: path.join(runtimeDir, r),
  }));
  return perRuntime.length ? perRuntime : [{ runtime: 'runc', root: runtimeDir }];
}

/** `runc --root STATE list` (and crun's) for every state root; no state dir means no containers. */
export function runtimeContainers(runtimeDir: string): string[] {
  const found: string[] = [];
  for (const { runtime, root } of stateRoots(runtimeDir)) {
    try {
      const out = execFileSync(runtime, ['--root', root, 'list', '-q'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
      found.push(...out.split('\n').filter(Boolean).map((id) => `${runtime}:${id}`));
    } catch {
      // the state root holds something its runtime cannot read: list what is there
      found.push(...fs.readdirSync(root).map((id) => `${runtime}?:${id}`));
    }
  }
  return found;
}

function readLinkOr(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '';
  }
}

export function processesUnder(root: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (!cmdline) continue; // kernel thread or zombie
    const cwd = readLinkOr(`/proc/${pid}/cwd`);
    const rootDir = readLinkOr(`/proc/${pid}/root`);
    const inside = (p: string) => p === root || p.startsWith(`${root}/`);
    if (cmdline.includes(root) || inside(cwd) || inside(rootDir)) found.push({ pid, cmdline });
  }
  return found;
}

/** `roots`: the data root, and the exec root (shims of execs and health probes run there). */
export function findLeaks(roots: string | string[], runtimeStateDir: string): Leaks {
  const all = typeof roots === 'string' ? [roots] : roots;
  return {
    mounts: all.flatMap((r) => mountsUnder(r)),
    runtimeContainers: runtimeContainers(runtimeStateDir),
    processes: [...new Map(all.flatMap((r) => processesUnder(r)).map((p) => [p.pid, p])).values()],
  };
}

export function hasLeaks(l: Leaks): boolean {
  return l.mounts.length > 0 || l.runtimeContainers.length > 0 || l.processes.length > 0;
}

/** Best effort: kill, delete and unmount whatever leaked so the next test and CI start clean. */
export function cleanUpLeaks(roots: string | string[], runtimeStateDir: string): void {
  const all = typeof roots === 'string' ? [roots] : roots;
  for (const p of all.flatMap((r) => processesUnder(r))) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const { runtime, root } of stateRoots(runtimeStateDir)) {
    let ids: string[];
    try {
      ids = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const id of ids) {
      try {
        execFileSync(runtime, ['--root', root, 'delete', '--force', id], { timeout: 10_000, stdio: 'ignore' });
      } catch {
        /* not a container of this runtime, or gone */
      }
    }
  }
  // deepest first
  for (const mp of all.flatMap((r) => mountsUnder(r)).sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', mp], { timeout: 10_000, stdio: 'ignore' });
    } catch {
      /* already unmounted */
    }
  }
}

/** Every regular file below dir, as paths relative to it (sorted). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
