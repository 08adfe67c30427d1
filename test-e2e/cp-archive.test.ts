/**
 * `docker cp -a` (copyUIDGID) and the berth CLI's cp flags, with the real docker CLI and berth:
 * with -a every copied entry belongs to the container's User (numeric or a name from its
 * /etc/passwd and /etc/group); without -a the tar's owners are kept; a container without a User
 * keeps the tar's owners even with -a.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, ok } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;

/** `uid:gid` of the copied directory and of the file in it. */
const owners = async (ctr: string, dir: string): Promise<string> =>
  ok(await c.docker(['exec', ctr, 'stat', '-c', '%u:%g', dir, `${dir}/f`])).stdout;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-cp-archive-'));
  fs.mkdirSync(path.join(work, 'src'));
  fs.writeFileSync(path.join(work, 'src', 'f'), 'payload\n');
  fs.chownSync(path.join(work, 'src'), 4321, 4322);
  fs.chownSync(path.join(work, 'src', 'f'), 4321, 4322);
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  const setup = 'echo "app:x:2001:2002::/home/app:/bin/sh" >> /etc/passwd && echo "appgrp:x:2003:" >> /etc/group && mkdir -p /n /named /root0 && touch /ready && exec sleep 1000';
  ok(await c.docker(['run', '-d', '--name', 'numeric', '--user', '1000:1000', 'busybox', 'sh', '-c', 'sleep 1000']));
  ok(await c.docker(['run', '-d', '--name', 'prep', 'busybox', 'sh', '-c', setup]));
  for (let i = 0; i < 100 && (await c.docker(['exec', 'prep', 'test', '-e', '/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  ok(await c.docker(['commit', 'prep', 'withusers:1']));
  ok(await c.docker(['run', '-d', '--name', 'named', '--user', 'app:appgrp', 'withusers:1', 'sleep', '1000']));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('cp -a (copyUIDGID)', () => {
  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli} cp -a into a --user 1000:1000 container gives 1000:1000; without -a the tar's owners stay`, async () => {
      ok(await c[cli](['cp', '-a', path.join(work, 'src'), `numeric:/tmp/${cli}-a`]));
      expect(await owners('numeric', `/tmp/${cli}-a`)).toBe('1000:1000\n1000:1000\n');
      ok(await c[cli](['cp', path.join(work, 'src'), `numeric:/tmp/${cli}-plain`]));
      expect(await owners('numeric', `/tmp/${cli}-plain`)).toBe('4321:4322\n4321:4322\n');
      ok(await c[cli](['cp', '--archive', path.join(work, 'src'), `numeric:/tmp/${cli}-long`]));
      expect(await owners('numeric', `/tmp/${cli}-long`)).toBe('1000:1000\n1000:1000\n');
    });

    it(`${cli} cp -a into a --user app:appgrp container resolves the names in the container's /etc/passwd and /etc/group`, async () => {
      ok(await c[cli](['cp', '-a', path.join(work, 'src'), `named:/tmp/${cli}-a`]));
      expect(await owners('named', `/tmp/${cli}-a`)).toBe('2001:2003\n2001:2003\n');
    });

    it(`${cli} cp -a into a container without a User keeps the tar's owners`, async () => {
      ok(await c[cli](['cp', '-a', path.join(work, 'src'), `prep:/tmp/${cli}-a`]));
      expect(await owners('prep', `/tmp/${cli}-a`)).toBe('4321:4322\n4321:4322\n');
    });
  }
});
