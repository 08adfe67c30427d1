/**
 * `cp -a` (copyUIDGID), `-L` and `-q`, each through the real docker CLI and berth against berthd:
 * with -a every copied entry belongs to the container's User (numeric or a name from its
 * /etc/passwd and /etc/group); without -a the tar's owners are kept; a container without a User
 * keeps the tar's owners even with -a. -L follows a symlink SRC_PATH both ways (copied under the
 * link's name). The "Successfully copied" summary only when stdout is a terminal and -q is not given,
 * and before the error when the copy fails. A symlink DEST_PATH in the container is followed (the
 * copy goes to its target). A symlink that loops has no stat (500), as docker 20.10's.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthDaemon, berthBin, busyboxRootfsTar, clientsFor, exec, type ExecResult, ok, rawRequest } from './harness';

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

/** `cli cp ARGS` on a terminal (`script`'s pty) holding its stderr, and its stdout unless `tty` is false (`script`'s stdout is what it wrote). */
async function cpTtyRun(cli: 'docker' | 'berth', args: string[], tty: boolean): Promise<ExecResult> {
  const bin = cli === 'docker' ? 'docker' : `${process.execPath} ${berthBin}`;
  const line = `${bin} cp ${args.map((a) => `'${a}'`).join(' ')}${tty ? '' : ' >/dev/null'}`;
  const env = { ...process.env, DOCKER_HOST: d.host, BERTH_HOST: d.host, DOCKER_CONFIG: path.join(work, 'dcfg') };
  return exec('script', ['-qec', line, '/dev/null'], { env, replaceEnv: true });
}

/** What a successful `cli cp ARGS` writes on a terminal (see cpTtyRun). */
async function cpTty(cli: 'docker' | 'berth', args: string[], tty: boolean): Promise<string> {
  return ok(await cpTtyRun(cli, args, tty)).stdout;
}

describe('cp -q and the summary line', () => {
  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli} cp prints docker's summary (no progress) on stderr only when stdout is a terminal and -q is not given`, async () => {
      fs.writeFileSync(path.join(work, 'five'), '12345');
      const inTty = await cpTty(cli, [path.join(work, 'five'), 'numeric:/tmp/five'], true);
      const outTty = await cpTty(cli, ['numeric:/tmp/five', path.join(work, `five-${cli}`)], true);
      const quiet = await cpTty(cli, ['-q', path.join(work, 'five'), 'numeric:/tmp/five'], true);
      const noTty = await cpTty(cli, [path.join(work, 'five'), 'numeric:/tmp/five'], false);
      // docker 28 counts the tar's bytes (a 5-byte file is 2.05kB of tar) and draws no progress
      // even on a terminal stderr
      expect({ inTty, outTty, quiet, noTty }).toEqual({
        inTty: 'Successfully copied 2.05kB to numeric:/tmp/five\r\n',
        outTty: `Successfully copied 2.05kB to ${path.join(work, `five-${cli}`)}\r\n`,
        quiet: '',
        noTty: '',
      });
    });
  }
});

describe('cp -L (follow-link)', () => {
  beforeAll(async () => {
    fs.symlinkSync('src/f', path.join(work, 'hostlink'));
    ok(await c.docker(['exec', 'prep', 'sh', '-c', 'mkdir -p /opt/d && echo target > /opt/d/t.txt && ln -sf d/t.txt /opt/rel && ln -sf /opt/d/t.txt /opt/abs']));
  });

  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli} cp -L copies a host symlink's target; without -L the symlink itself`, async () => {
      ok(await c[cli](['cp', '-L', path.join(work, 'hostlink'), `prep:/tmp/${cli}-L`]));
      expect(ok(await c.docker(['exec', 'prep', 'sh', '-c', `test -f /tmp/${cli}-L && ! test -L /tmp/${cli}-L && cat /tmp/${cli}-L`])).stdout).toBe('payload\n');
      ok(await c[cli](['cp', path.join(work, 'hostlink'), `prep:/tmp/${cli}-noL`]));
      expect(ok(await c.docker(['exec', 'prep', 'readlink', `/tmp/${cli}-noL`])).stdout).toBe('src/f\n');
    });

    it(`${cli} cp -L copies a container symlink's target (relative and absolute) under the link's name; without -L the symlink`, async () => {
      const out = path.join(work, `out-${cli}`);
      fs.mkdirSync(out);
      ok(await c[cli](['cp', '-L', 'prep:/opt/rel', out]));
      ok(await c[cli](['cp', '-L', 'prep:/opt/abs', path.join(out, 'newname')]));
      ok(await c[cli](['cp', 'prep:/opt/rel', path.join(out, 'plain')]));
      expect(fs.lstatSync(path.join(out, 'rel')).isFile()).toBe(true);
      expect(fs.readFileSync(path.join(out, 'rel'), 'utf8')).toBe('target\n');
      expect(fs.readFileSync(path.join(out, 'newname'), 'utf8')).toBe('target\n');
      expect(fs.readlinkSync(path.join(out, 'plain'))).toBe('d/t.txt');
      expect(fs.readdirSync(out).sort()).toEqual(['newname', 'plain', 'rel']);
    });
  }
});

describe('cp into a symlink destination, and the summary of a failed copy', () => {
  beforeAll(async () => {
    fs.writeFileSync(path.join(work, 'six'), '123456');
    ok(await c.docker(['exec', 'prep', 'sh', '-c', 'mkdir -p /opt/ldir && ln -sf /opt/ldir /opt/to-dir && echo old > /opt/lfile && ln -sf lfile /opt/to-file && ln -sf /nowhere/six /opt/dangling']));
  });

  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli} cp follows a symlink destination to its target, which the summary names; the link stays`, async () => {
      expect(await cpTty(cli, [path.join(work, 'six'), 'prep:/opt/to-dir'], true)).toBe('Successfully copied 2.05kB to prep:/opt/ldir\r\n');
      expect(await cpTty(cli, [path.join(work, 'six'), 'prep:/opt/to-file'], true)).toBe('Successfully copied 2.05kB to prep:/opt/lfile\r\n');
      const look = 'readlink /opt/to-dir && readlink /opt/to-file && cat /opt/ldir/six /opt/lfile && ls /opt/ldir';
      expect(ok(await c.docker(['exec', 'prep', 'sh', '-c', look])).stdout).toBe('/opt/ldir\nlfile\n123456123456six\n');
      ok(await c.docker(['exec', 'prep', 'sh', '-c', 'rm /opt/ldir/six && echo old > /opt/lfile']));
    });

    it(`${cli} cp prints the summary before the error of a failed copy, both ways`, async () => {
      const file = path.join(work, 'six');
      const out = await cpTtyRun(cli, ['prep:/opt/ldir', file], true);
      expect([out.code, out.stdout]).toEqual([1, `Successfully copied 0B to ${file}\r\ncannot copy directory\r\n`]);
      expect(fs.readFileSync(file, 'utf8')).toBe('123456');
      // (the bytes are what got out before the daemon refused: docker's 2.05kB, berth's often fewer)
      const up = await cpTtyRun(cli, [file, 'prep:/nowhere/six'], true);
      expect(up.code).toBe(1);
      expect(up.stdout).toMatch(/^Successfully copied \d+(\.\d+)?k?B to prep:\/nowhere\/six\r\nError response from daemon: Could not find the file \/nowhere\/ in container prep\r\n$/);
      // a dangling link: the copy goes where it points (berthd's stat names the target as moby's
      // does; it said '' and the docker CLI copied into '/')
      const dangling = await cpTtyRun(cli, [file, 'prep:/opt/dangling'], true);
      expect(dangling.code).toBe(1);
      expect(dangling.stdout).toMatch(/^Successfully copied \d+(\.\d+)?k?B to prep:\/nowhere\/six\r\nError response from daemon: Could not find the file \/nowhere\/? in container prep\r\n$/);
      expect((await c.docker(['exec', 'prep', 'test', '-e', '/six'])).code).toBe(1);
    });
  }
});

describe('a symlink that loops (loop -> loop, la -> lb -> la)', () => {
  beforeAll(async () => {
    ok(await c.docker(['exec', 'prep', 'sh', '-c', 'mkdir -p /opt/loops && cd /opt/loops && ln -s loop loop && ln -s lb la && ln -s la lb']));
  });

  it('HEAD archive: 500, no X-Docker-Container-Path-Stat (docker 20.10’s StatPath fails: it has no target)', async () => {
    for (const p of ['/opt/loops/loop', '/opt/loops/la', '/opt/loops/lb/x']) {
      const head = await rawRequest(d.socketPath, { method: 'HEAD', path: `/v1.41/containers/prep/archive?path=${encodeURIComponent(p)}` });
      expect([p, head.status, head.headers['x-docker-container-path-stat']]).toEqual([p, 500, undefined]);
    }
  });

  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli} cp of a looping link fails with docker's "evalSymlinksInScope: too many links in P" (with -L too); a copy onto it replaces it, as docker's`, async () => {
      const out = path.join(work, `loops-${cli}`);
      fs.mkdirSync(out);
      for (const [src, shown] of [
        ['/opt/loops/loop', '/opt/loops/loop'],
        ['/opt/loops/la', '/opt/loops/la'],
        ['/opt/loops/lb/x', '/opt/loops/lb'],
      ] as const) {
        for (const args of [['cp', `prep:${src}`, out], ['cp', '-L', `prep:${src}`, out]]) {
          const r = await c[cli](args);
          expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 1, `Error response from daemon: evalSymlinksInScope: too many links in ${shown}\n`]);
        }
      }
      expect(fs.readdirSync(out)).toEqual([]);
      // into it: the CLI's stat fails, so it copies into the parent under the link's name
      ok(await c.docker(['exec', 'prep', 'sh', '-c', `ln -s ${cli}-onto /opt/loops/${cli}-onto`]));
      ok(await c[cli](['cp', path.join(work, 'src', 'f'), `prep:/opt/loops/${cli}-onto`]));
      expect(ok(await c.docker(['exec', 'prep', 'sh', '-c', `test -f /opt/loops/${cli}-onto && ! test -L /opt/loops/${cli}-onto && cat /opt/loops/${cli}-onto`])).stdout).toBe('payload\n');
    });
  }
});
