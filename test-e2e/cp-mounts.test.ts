/**
 * `docker cp` through a container's mounts, with the real docker CLI: out of and into a named
 * volume and a bind mount, a `:ro` bind refused with docker's message, /etc/hostname (a bind of
 * the bundle's file, not the init layer's empty placeholder), a symlink in a volume pointing to
 * `/etc` (the container's, never the host's), `cp c:/ newdir` with the mounts' content in place,
 * a file capability (security.capability) kept both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, expectExit, ok } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;
let bind: string;
let robind: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-cp-mounts-'));
  bind = path.join(work, 'bind');
  robind = path.join(work, 'robind');
  fs.mkdirSync(bind);
  fs.mkdirSync(robind);
  fs.writeFileSync(path.join(bind, 'b.txt'), 'from the bind\n');
  fs.writeFileSync(path.join(robind, 'r.txt'), 'read only\n');
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  ok(await c.docker(['volume', 'create', 'cpvol']));
  ok(
    await c.docker([
      'run', '-d', '--name', 'cpm', '--hostname', 'cphost', '-v', 'cpvol:/data', '-v', `${bind}:/srv/bind`, '-v', `${robind}:/ro:ro`,
      'busybox', 'sh', '-c', 'echo in-volume > /data/v.txt && ln -s /etc /data/etcl && touch /data/ready && exec sleep 1000',
    ]),
  );
  for (let i = 0; i < 100 && (await c.docker(['exec', 'cpm', 'test', '-e', '/data/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('docker cp through mounts', () => {
  it('copies out of a named volume, a bind mount and /etc/hostname', async () => {
    ok(await c.docker(['cp', 'cpm:/data/v.txt', path.join(work, 'v.txt')]));
    expect(fs.readFileSync(path.join(work, 'v.txt'), 'utf8')).toBe('in-volume\n');
    ok(await c.docker(['cp', 'cpm:/srv/bind', path.join(work, 'bindcopy')]));
    expect(fs.readFileSync(path.join(work, 'bindcopy', 'b.txt'), 'utf8')).toBe('from the bind\n');
    ok(await c.docker(['cp', 'cpm:/etc/hostname', path.join(work, 'hostname')]));
    expect(fs.readFileSync(path.join(work, 'hostname'), 'utf8')).toBe('cphost\n');
  });

  it('copies into a named volume and a bind mount; a :ro bind is refused as docker does', async () => {
    fs.writeFileSync(path.join(work, 'in.txt'), 'copied in\n');
    ok(await c.docker(['cp', path.join(work, 'in.txt'), 'cpm:/data/']));
    expect(ok(await c.docker(['exec', 'cpm', 'cat', '/data/in.txt'])).stdout).toBe('copied in\n');
    ok(await c.docker(['cp', path.join(work, 'in.txt'), 'cpm:/srv/bind/renamed.txt']));
    expect(fs.readFileSync(path.join(bind, 'renamed.txt'), 'utf8')).toBe('copied in\n');
    const r = expectExit(await c.docker(['cp', path.join(work, 'in.txt'), 'cpm:/ro/']), 1);
    expect(r.stderr).toContain('mounted volume is marked read-only');
    expect(fs.readdirSync(robind)).toEqual(['r.txt']);
  });

  it('--read-only: cp into the rootfs is refused, into a volume accepted (docker)', async () => {
    ok(await c.docker(['create', '--name', 'cpro', '--read-only', '-v', 'cpvol:/data', 'busybox', 'true']));
    fs.writeFileSync(path.join(work, 'ro-in.txt'), 'into a read-only container\n');
    const r = expectExit(await c.docker(['cp', path.join(work, 'ro-in.txt'), 'cpro:/tmp/']), 1);
    expect(r.stderr).toContain('container rootfs is marked read-only');
    ok(await c.docker(['cp', path.join(work, 'ro-in.txt'), 'cpro:/data/']));
    expect(ok(await c.docker(['exec', 'cpm', 'cat', '/data/ro-in.txt'])).stdout).toBe('into a read-only container\n');
  });

  it('a symlink in a volume pointing to /etc is the container /etc, both ways', async () => {
    ok(await c.docker(['cp', 'cpm:/data/etcl/hostname', path.join(work, 'via-link')]));
    expect(fs.readFileSync(path.join(work, 'via-link'), 'utf8')).toBe('cphost\n');
    fs.writeFileSync(path.join(work, 'through.conf'), 'through the link\n');
    ok(await c.docker(['cp', path.join(work, 'through.conf'), 'cpm:/data/etcl/']));
    expect(ok(await c.docker(['exec', 'cpm', 'cat', '/etc/through.conf'])).stdout).toBe('through the link\n');
    expect(fs.existsSync('/etc/through.conf')).toBe(false);
  });

  it('cp c:/ newdir holds the mounts content where the container sees it', async () => {
    const out = path.join(work, 'root-copy');
    ok(await c.docker(['cp', 'cpm:/', out]));
    expect(fs.readFileSync(path.join(out, 'data', 'v.txt'), 'utf8')).toBe('in-volume\n');
    expect(fs.readFileSync(path.join(out, 'srv', 'bind', 'b.txt'), 'utf8')).toBe('from the bind\n');
    expect(fs.readFileSync(path.join(out, 'etc', 'hostname'), 'utf8')).toBe('cphost\n');
    expect(fs.readlinkSync(path.join(out, 'data', 'etcl'))).toBe('/etc');
    expect(fs.existsSync(path.join(out, 'bin', 'busybox')) || fs.existsSync(path.join(out, 'bin', 'sh'))).toBe(true);
  });

  it('keeps existing directories as they are (mode, owner) and writes .wh.* names as files, as docker does', async () => {
    ok(await c.docker(['exec', 'cpm', 'sh', '-c', 'chmod 1777 /tmp && mkdir -p /priv && chown 1000:1000 /priv && chmod 0700 /priv']));
    const statOf = async () => ok(await c.docker(['exec', 'cpm', 'stat', '-c', '%n %a %u:%g', '/tmp', '/priv'])).stdout;
    const before = await statOf();
    expect(before).toBe('/tmp 1777 0:0\n/priv 700 1000:1000\n');
    fs.writeFileSync(path.join(work, 'keep.txt'), 'keep\n');
    ok(await c.docker(['cp', path.join(work, 'keep.txt'), 'cpm:/tmp/']));
    ok(await c.docker(['cp', path.join(work, 'keep.txt'), 'cpm:/priv/']));
    fs.mkdirSync(path.join(work, 'tree', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(work, 'tree', 'sub', 'x'), 'x\n');
    fs.writeFileSync(path.join(work, 'tree', '.wh.gone'), 'not a whiteout\n');
    ok(await c.docker(['cp', path.join(work, 'tree'), 'cpm:/priv/']));
    ok(await c.docker(['cp', `${path.join(work, 'tree')}/.`, 'cpm:/tmp/'])); // the content, into an existing dir
    expect(await statOf()).toBe(before);
    expect(ok(await c.docker(['exec', 'cpm', 'cat', '/priv/keep.txt', '/priv/tree/sub/x', '/priv/tree/.wh.gone', '/tmp/.wh.gone'])).stdout).toBe(
      'keep\nx\nnot a whiteout\nnot a whiteout\n',
    );
  });
  it('keeps a file capability (security.capability xattr) through cp in and out, as docker does', async () => {
    const cap = '0x0100000200200000000000000000000000000000'; // cap_net_raw=ep
    const capOf = (p: string): string =>
      execFileSync('getfattr', ['--absolute-names', '-n', 'security.capability', '-e', 'hex', p], { encoding: 'utf8' }).match(/security\.capability=(\S+)/)?.[1] ?? '';
    const f = path.join(work, 'capped');
    fs.writeFileSync(f, 'x\n', { mode: 0o755 });
    execFileSync('setfattr', ['-n', 'security.capability', '-v', cap, f]);
    ok(await c.docker(['cp', f, 'cpm:/srv/bind/capped'])); // a bind: its host file is the container's
    expect(capOf(path.join(bind, 'capped'))).toBe(cap);
    ok(await c.docker(['cp', f, 'cpm:/tmp/capped'])); // the rootfs (overlay), then out again
    fs.mkdirSync(path.join(work, 'capout'));
    ok(await c.docker(['cp', 'cpm:/tmp/capped', path.join(work, 'capout')]));
    expect(capOf(path.join(work, 'capout', 'capped'))).toBe(cap);
  });
});
