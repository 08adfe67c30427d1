/**
 * `docker cp` against a container that races it (the class of CVE-2018-15664): a process in the
 * container swaps a directory and a symlink pointing at a host directory (an absolute path that
 * means nothing inside the container) as fast as it can, while archive PUT and GET (what
 * `docker cp` calls) run in a loop on a path through that directory. berth resolves every path
 * in the kernel from file descriptors (@berth/fs), so the symlink is only ever followed inside
 * the container: nothing may land in the host directory, and the host-only file may never come
 * back. Bounded: 400 attempts each way or 60 s.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, makeTar, ok, rawRequest } from './harness';

const ATTEMPTS = 400;
const BUDGET_MS = 60_000;

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;
let hostDir: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-cp-race-'));
  hostDir = path.join(work, 'host-only');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'secret'), 'HOST-ONLY\n');
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  const swap = [
    'mkdir -p /w/d && echo container > /w/d/secret && ln -s "$0" /w/s && touch /w/ready',
    'cd /w && while :; do mv d x; mv s d; mv d s; mv x d; done',
  ].join(' && ');
  ok(await c.docker(['run', '-d', '--name', 'racer', 'busybox', 'sh', '-c', swap, hostDir]));
  for (let i = 0; i < 100 && (await c.docker(['exec', 'racer', 'test', '-e', '/w/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('docker cp racing a symlink swap in the container', () => {
  it(`copies in ${ATTEMPTS} times without a file landing in the host directory`, async () => {
    const started = Date.now();
    let attempts = 0;
    let written = 0;
    for (; attempts < ATTEMPTS && Date.now() - started < BUDGET_MS; attempts++) {
      const tar = makeTar([{ name: `esc-${attempts}`, content: 'from cp\n' }]);
      const res = await rawRequest(d.socketPath, {
        method: 'PUT',
        path: `/v1.41/containers/racer/archive?path=${encodeURIComponent('/w/d')}`,
        headers: { 'Content-Type': 'application/x-tar' },
        body: tar,
      }).catch(() => undefined);
      if (res?.status === 200) written++;
    }
    const landed = fs.readdirSync(hostDir).filter((n) => n.startsWith('esc-')).length;
    process.stderr.write(`cp-race in: ${attempts} attempts, ${written} written, ${landed} escapes\n`);
    expect(attempts).toBeGreaterThanOrEqual(ATTEMPTS);
    expect(written).toBeGreaterThan(0);
    expect(landed).toBe(0);
  }, 120_000);

  it(`copies out ${ATTEMPTS} times without the host-only file coming back`, async () => {
    const started = Date.now();
    let attempts = 0;
    let leaked = 0;
    let read = 0;
    for (; attempts < ATTEMPTS && Date.now() - started < BUDGET_MS; attempts++) {
      const res = await rawRequest(d.socketPath, { path: `/v1.41/containers/racer/archive?path=${encodeURIComponent('/w/d/secret')}` }).catch(() => undefined);
      if (res?.status !== 200) continue;
      read++;
      if (res.body.includes('HOST-ONLY')) leaked++;
    }
    process.stderr.write(`cp-race out: ${attempts} attempts, ${read} read, ${leaked} escapes\n`);
    expect(attempts).toBeGreaterThanOrEqual(ATTEMPTS);
    expect(read).toBeGreaterThan(0);
    expect(leaked).toBe(0);
  }, 120_000);
});
