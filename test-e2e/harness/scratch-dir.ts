import { afterAll } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeTreeSync } from '@berth/fs';

const made: string[] = [];

// Harness modules are loaded once per test file, while the file is being collected: this hook
// lands at the top level of every test file that uses the harness and removes what it made.
// Jest runs a block's afterAll hooks in the order they were declared, and this one is declared
// when the harness is imported: it runs BEFORE the test file's own afterAll. So a scratch dir
// suits inputs (tarballs, client config), not the state of a process the file stops in its
// afterAll (keep that in a dir the file removes itself, after stopping the process).
afterAll(() => {
  for (const dir of made.splice(0)) removeTreeSync(dir);
});

/** A temp dir that lives until the current test file's afterAll hooks (see above). */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-e2e-${prefix}-`));
  made.push(dir);
  return dir;
}
