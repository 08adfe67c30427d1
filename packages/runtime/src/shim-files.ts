import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * The files berth-shim keeps in its state dir (the bundle, or CreateOptions.stateDir): its
 * socket, its log, the container's pid, the console socket and the exit record (with the
 * temp name it is written under). The runtime owns these names; a caller asks through here.
 */
const SHIM_FILES = ['shim.sock', 'shim.log', 'init.pid', 'console.sock', 'exit.json', 'exit.json.tmp'];

/** The shim's socket in its state dir. */
export function shimSocketPath(dir: string): string {
  return path.join(dir, 'shim.sock');
}

/** Removes what a shim left in `dir` (its task settled): the dir's other files stay. */
export async function removeShimFiles(dir: string): Promise<void> {
  for (const f of SHIM_FILES) await fs.rm(path.join(dir, f), { force: true });
}
