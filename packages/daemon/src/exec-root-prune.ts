import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { netnsDir } from '@berth/network';
import { shimAnswers } from '@berth/runtime';
import type { DataRoot } from './layout';

const ID_RE = /^[0-9a-f]{64}$/;

async function entries(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => [] as string[]);
}

/** Whether the exec root holds a container's state dir or an OCI runtime's container state (what a restart uses). */
export async function execRootHoldsState(layout: DataRoot): Promise<boolean> {
  if ((await entries(layout.containerStatesDir)).length > 0) return true;
  for (const r of await entries(layout.runtimeStateDir)) if ((await entries(path.join(layout.runtimeStateDir, r))).length > 0) return true;
  return false;
}

/**
 * A daemon stop (and a start, for what a crash left: `removeRoot` false) keeps on the exec root only what a restart
 * uses. Removed: an exec's or health probe's dir whose shim is gone (execs are not reconnected);
 * a container's state dir whose shim is gone unless `wanted(id)` (the row says it runs: a
 * restart reads its exit.json); then the exec root itself once no container state and no
 * runtime state is left in it (with its lock file: the caller still holds the descriptor; and the
 * network state dir when no netns file is left in it).
 */
export async function pruneExecRoot(layout: DataRoot, wanted: (id: string) => Promise<boolean>, opts: { removeRoot: boolean }): Promise<void> {
  // `--exec-root` = the data root (the layout before exec roots): containers/<id> are the bundles
  if (path.resolve(layout.execRoot) === path.resolve(layout.root)) return;
  for (const id of await entries(layout.containerStatesDir)) {
    const dir = layout.containerStateDir(id);
    const execs = path.join(dir, 'exec');
    let liveExecs = 0;
    for (const e of await entries(execs)) {
      if (await shimAnswers(path.join(execs, e))) liveExecs++;
      else await fs.rm(path.join(execs, e), { recursive: true, force: true });
    }
    if (liveExecs > 0 || !ID_RE.test(id) || (await shimAnswers(dir)) || (await wanted(id))) continue;
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (!opts.removeRoot || (await execRootHoldsState(layout))) return;
  const ours = ['containers', 'runtime', path.basename(layout.execRootLockFile), path.basename(layout.execRootOwnerFile)];
  for (const name of await entries(layout.execRoot)) {
    if (ours.includes(name)) {
      await fs.rm(path.join(layout.execRoot, name), { recursive: true, force: true });
    }
  }
  // the network state dir when no netns file is left in it (rmdir only: never into a mount)
  const network = layout.networkStateDir;
  if ((await entries(netnsDir(network))).length === 0) {
    await fs.rmdir(netnsDir(network)).catch(() => undefined);
    await fs.rmdir(network).catch(() => undefined);
  }
  await fs.rmdir(layout.execRoot).catch(() => undefined); // not when it holds something else (the default's cri.sock)
}
