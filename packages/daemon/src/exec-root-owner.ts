import { promises as fs } from 'node:fs';
import { execRootHoldsState } from './exec-root-prune';
import type { DataRoot } from './layout';
import { StartupError } from './startup-checks';

/**
 * Makes the exec root this data root's (called with both locks held, before anything there is
 * touched). The lock only keeps apart daemons running at the same time: a berthd stopped with
 * containers running leaves their shims' state there for its restart, and a daemon of another
 * data root given the same `--exec-root` would prune the state of those whose shims exited (no
 * row of its own says they run), so the first one's restart could no longer tell their exits.
 * `<exec root>/data-root` records whose state it is; another data root is refused (a
 * StartupError, nothing changed) while state is left there; with none left it takes the exec root
 * over. An exec root without the file (or `--exec-root` = the data root) is taken as it is.
 */
export async function claimExecRoot(layout: DataRoot): Promise<void> {
  if (layout.execRoot === layout.root) return;
  const ours = await fs.realpath(layout.root);
  const recorded = (await fs.readFile(layout.execRootOwnerFile, 'utf8').catch(() => '')).replace(/\n$/, '');
  if (recorded === ours) return;
  if (recorded !== '' && (await execRootHoldsState(layout))) {
    throw new StartupError(
      `exec root ${layout.execRoot} holds the state of containers of the data root ${recorded} (its berthd stopped while they ran): start berthd on that data root first, or give this one another --exec-root`,
    );
  }
  const tmp = `${layout.execRootOwnerFile}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${ours}\n`, { mode: 0o600 });
  await fs.rename(tmp, layout.execRootOwnerFile);
}
