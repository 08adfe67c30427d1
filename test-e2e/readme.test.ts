/**
 * The README's "First steps" run as written, against a test berthd: every shell block there is
 * executed with bash (`set -e`) from the repository root, with `npx berth` as is (BERTH_HOST
 * points it at the test daemon) and the default socket in `DOCKER_HOST=` lines swapped for the
 * test daemon's. Keeps the README honest.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, exec, ok, repoRoot, scratchDir } from './harness';

let d: BerthDaemon;

/** The ```sh blocks between "## First steps" and the next "###" or "##" heading. */
function firstStepsBlocks(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## First steps');
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start + 1);
  const end = rest.search(/\n##/);
  const section = end >= 0 ? rest.slice(0, end) : rest;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

beforeAll(async () => {
  d = await BerthDaemon.start();
}, 60_000);

afterAll(async () => {
  await d?.dispose();
}, 60_000);

it('every First steps block of the README runs as written', async () => {
  const blocks = firstStepsBlocks();
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  const outputs: string[] = [];
  for (const block of blocks) {
    const script = `set -euo pipefail\n${block.replaceAll('unix:///run/berth.sock', d.host)}`;
    const r = ok(
      await exec('bash', ['-c', script], {
        cwd: repoRoot,
        env: { BERTH_HOST: d.host, DOCKER_CONFIG: scratchDir('readme-docker'), BERTH_CONFIG: scratchDir('readme-berth') },
        timeoutMs: 50_000,
      }),
    );
    outputs.push(r.stdout);
  }
  const all = outputs.join('');
  // berth run, the fixture's default command, docker run: three hellos
  expect(all.match(/^hello$/gm)?.length).toBe(3);
  expect(all).toMatch(/^busybox\s+latest\s/m);
}, 60_000);
