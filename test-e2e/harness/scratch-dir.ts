import { afterAll } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

// Harness modules are loaded once per test file, while the file is being collected: this hook
// lands at the top level of every test file that uses the harness and removes what it made.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp dir that lives until the end of the current test file. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-e2e-${prefix}-`));
  made.push(dir);
  return dir;
}
