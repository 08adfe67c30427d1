import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { InvalidArgumentError } from '@berth/errdefs';
import { packDirectory } from '@berth/image-store';
import { extractIntoContainer, statContainerPath, tarContainerPath } from './container-archive';
import { buildFsView, type ContainerFsView } from './container-fs-view';
import * as nodeFs from 'node:fs';
import { fdPath } from '@berth/fs';

/** The host path a container path resolves to (through the fd the resolver returned). */
function hostOf(view: ContainerFsView, p: string, followLast: boolean): string {
  const r = view.resolve(p, { followLast });
  try {
    if (r.fd >= 0) return nodeFs.readlinkSync(fdPath(r.fd));
    return path.join(nodeFs.readlinkSync(fdPath(r.parent)), r.name.toString());
  } finally {
    r.close();
  }
}

/** Where a container path resolves on the host, and its resolved path and mount. */
async function resolveInView(v: ContainerFsView, p: string, followLast: boolean) {
  const r = v.resolve(p, { followLast });
  r.close();
  return { host: hostOf(v, p, followLast), path: r.path, ...(r.mount ? { mount: r.mount } : {}) };
}

function statIn(v: ContainerFsView, p: string, ref: string) {
  const r = statContainerPath(v, p, ref);
  r.close();
  return r;
}

let work: string;
let rootfs: string;
let vol: string;
let ro: string;
let hostnameFile: string;
let outside: string;
let view: ContainerFsView;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-fsview-'));
  rootfs = path.join(work, 'rootfs');
  vol = path.join(work, 'vol');
  ro = path.join(work, 'ro');
  outside = path.join(work, 'outside');
  hostnameFile = path.join(work, 'hostname');
  for (const d of ['etc', 'srv/d', 'data', 'ro', 'run', 'var']) await fs.mkdir(path.join(rootfs, d), { recursive: true });
  await fs.writeFile(path.join(rootfs, 'etc', 'passwd'), 'container passwd\n');
  await fs.writeFile(path.join(rootfs, 'etc', 'hostname'), ''); // the init layer's placeholder
  await fs.writeFile(path.join(rootfs, 'data', 'under'), 'hidden under the volume');
  await fs.writeFile(path.join(rootfs, 'srv', 'd', 'f.txt'), 'hello\n');
  await fs.symlink('../run', path.join(rootfs, 'var', 'run'));
  await fs.mkdir(vol);
  await fs.writeFile(path.join(vol, 'v.txt'), 'volume file\n');
  await fs.symlink('/etc', path.join(vol, 'etcl'));
  await fs.symlink('../../../../../etc', path.join(vol, 'climb'));
  await fs.symlink('..', path.join(vol, 'up'));
  await fs.mkdir(ro);
  await fs.writeFile(path.join(ro, 'r.txt'), 'read only\n');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'secret'), 'host secret\n');
  await fs.writeFile(path.join(work, 'etc-decoy'), 'x');
  await fs.writeFile(hostnameFile, 'myhost\n');
  view = buildFsView(rootfs, [
    { destination: '/etc/hostname', source: hostnameFile, rw: true },
    { destination: '/etc/hosts', source: path.join(work, 'no-such-hosts'), rw: true },
    { destination: '/data', source: vol, rw: true },
    { destination: '/ro', source: ro, rw: false },
    { destination: '/var/run/sock', source: outside, rw: true },
  ]);
});

afterAll(async () => {
  view?.close();
  await fs.rm(work, { recursive: true, force: true });
});

/** Entry name → body (or `-> target`), read with tar-stream's event API (v2 and v3 alike). */
function names(s: Readable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const x = tar.extract();
  return new Promise((resolve, reject) => {
    x.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c) => chunks.push(c as Buffer));
      body.on('end', () => {
        out[h.name] = h.type === 'symlink' ? `-> ${h.linkname}` : Buffer.concat(chunks).toString();
        next();
      });
    });
    x.on('finish', () => resolve(out));
    x.on('error', reject);
    s.on('error', reject);
    s.pipe(x);
  });
}

function tarOf(files: Record<string, string>): Buffer {
  const d = execFileSync('mktemp', ['-d', path.join(work, 'src-XXXX')]).toString().trim();
  for (const [n, body] of Object.entries(files)) {
    execFileSync('mkdir', ['-p', path.dirname(path.join(d, n))]);
    execFileSync('sh', ['-c', 'printf %s "$1" > "$2"', 'sh', body, path.join(d, n)]);
  }
  return execFileSync('tar', ['-C', d, '-cf', '-', ...Object.keys(files).map((n) => n.split('/')[0]!).filter((v, i, a) => a.indexOf(v) === i)]);
}

const put = (containerPath: string, t: Buffer, o: { readonlyRootfs?: boolean } = {}) =>
  extractIntoContainer({
    view,
    readonlyRootfs: o.readonlyRootfs,
    containerPath,
    containerRef: 'c',
    input: Readable.from([t]),
  });

describe('the container filesystem view', () => {
  it('translates paths into mount sources, symlinks resolved in the container, never outside', async () => {
    expect(view.mounts.map((m) => m.destination)).toEqual(['/etc/hostname', '/data', '/ro', '/run/sock']); // missing hosts skipped, /var/run followed
    expect(await resolveInView(view, '/data/v.txt', false)).toMatchObject({ host: path.join(vol, 'v.txt'), path: '/data/v.txt', mount: { destination: '/data' } });
    expect((await resolveInView(view, '/data', false)).host).toBe(vol);
    expect((await resolveInView(view, '/data/etcl/passwd', false)).host).toBe(path.join(rootfs, 'etc', 'passwd'));
    expect((await resolveInView(view, '/data/etcl/hostname', false)).host).toBe(hostnameFile);
    expect((await resolveInView(view, '/data/climb/passwd', false)).host).toBe(path.join(rootfs, 'etc', 'passwd'));
    expect((await resolveInView(view, '/data/up/data/up/etc/passwd', false)).host).toBe(path.join(rootfs, 'etc', 'passwd'));
    // the path is cleaned lexically first, as docker's GetResourcePath does
    expect((await resolveInView(view, '/data/up/../v.txt', false)).host).toBe(path.join(vol, 'v.txt'));
    expect((await resolveInView(view, '/data/../../etc-decoy', false)).host).toBe(path.join(rootfs, 'etc-decoy'));
    expect((await resolveInView(view, '/var/run/sock/secret', false)).host).toBe(path.join(outside, 'secret'));
    expect((await resolveInView(view, '/data/etcl', false)).host).toBe(path.join(vol, 'etcl'));
  });

  it('lets a later mount cover earlier ones at or below it', async () => {
    const v = buildFsView(rootfs, [
      { destination: '/etc/hostname', source: hostnameFile, rw: true },
      { destination: '/etc', source: ro, rw: true },
    ]);
    expect((await resolveInView(v, '/etc/hostname', false)).host).toBe(path.join(ro, 'hostname'));
    v.close();
  });

  it('stats as docker: the requested base as name, link targets fully resolved', async () => {
    expect((statIn(view, '/', 'c')).stat.name).toBe('/');
    expect((statIn(view, '/srv/d/.', 'c')).stat.name).toBe('.');
    const l = statIn(view, '/data/etcl', 'c');
    expect(l.stat).toMatchObject({ name: 'etcl', linkTarget: '/etc' });
    expect((statIn(view, '/data/etcl/', 'c')).stat).toMatchObject({ name: 'etcl', linkTarget: '' });
    expect((statIn(view, '/etc/hostname', 'c')).stat.size).toBe(7);
    expect(() => statIn(view, '/data/nope', 'c')).toThrow('Could not find the file /data/nope in container c');
  });
});

describe('docker cp out of the view', () => {
  const get = async (p: string) => {
    const r = statContainerPath(view, p, 'c');
    try {
      return await names(await tarContainerPath(view, r, packDirectory));
    } finally {
      r.close();
    }
  };

  it('reads mounted files and trees, named from the requested path', async () => {
    expect(await get('/etc/hostname')).toEqual({ hostname: 'myhost\n' });
    expect(await get('/data/v.txt')).toEqual({ 'v.txt': 'volume file\n' });
    expect(await get('/data')).toEqual({ 'data/': '', 'data/climb': '-> ../../../../../etc', 'data/etcl': '-> /etc', 'data/up': '-> ..', 'data/v.txt': 'volume file\n' });
    expect(Object.keys(await get('/data/etcl/'))).toEqual(['etcl/', 'etcl/hostname', 'etcl/passwd']);
    expect((await get('/data/etcl/'))['etcl/hostname']).toBe('myhost\n');
    expect(await get('/data/etcl')).toEqual({ etcl: '-> /etc' });
    expect(Object.keys(await get('/srv/d/.'))).toEqual(['./', './f.txt']);
  });

  it('packs the root with its mounts in place, entries from /', async () => {
    const all = await get('/');
    expect(all['/']).toBe('');
    expect(all['/data/v.txt']).toBe('volume file\n');
    expect(all['/data/under']).toBeUndefined();
    expect(all['/etc/hostname']).toBe('myhost\n');
    expect(all['/run/sock/secret']).toBe('host secret\n');
    expect(all['/ro/r.txt']).toBe('read only\n');
    expect(Object.keys(all).every((n) => n.startsWith('/'))).toBe(true);
  });
});

describe('docker cp into the view', () => {
  it('writes into a volume, through a volume symlink into the container /etc, never outside', async () => {
    await put('/data', tarOf({ 'in.txt': 'into the volume' }));
    expect(await fs.readFile(path.join(vol, 'in.txt'), 'utf8')).toBe('into the volume');
    await put('/data/etcl/', tarOf({ 'new.conf': 'into /etc' }));
    expect(await fs.readFile(path.join(rootfs, 'etc', 'new.conf'), 'utf8')).toBe('into /etc');
    await put('/data/climb', tarOf({ 'c.conf': 'climbed' }));
    expect(await fs.readFile(path.join(rootfs, 'etc', 'c.conf'), 'utf8')).toBe('climbed');
    // an entry named like the symlink replaces it inside the volume
    await put('/data', tarOf({ 'etcl/f': 'dir now' }));
    expect((await fs.lstat(path.join(vol, 'etcl'))).isDirectory()).toBe(true);
    await expect(fs.stat(path.join(rootfs, 'etc', 'f'))).rejects.toThrow();
    await expect(fs.stat(path.join(work, 'etc', 'c.conf'))).rejects.toThrow();
  });

  it('refuses a read-only mount with docker error, and a --read-only rootfs but not a volume in it', async () => {
    await expect(put('/ro', tarOf({ 'x.txt': 'no' }))).rejects.toThrow(new InvalidArgumentError('mounted volume is marked read-only'));
    await expect(put('/', tarOf({ 'ro/x.txt': 'no' }))).rejects.toThrow('mounted volume is marked read-only');
    await expect(fs.stat(path.join(ro, 'x.txt'))).rejects.toThrow();
    await expect(put('/srv', tarOf({ 'x.txt': 'no' }), { readonlyRootfs: true })).rejects.toThrow(new InvalidArgumentError('container rootfs is marked read-only'));
    await put('/data', tarOf({ 'rw.txt': 'yes' }), { readonlyRootfs: true });
    expect(await fs.readFile(path.join(vol, 'rw.txt'), 'utf8')).toBe('yes');
  });

  it('refuses to replace a bind-mounted file, and a hostile tar leaves nothing', async () => {
    await expect(put('/etc', tarOf({ hostname: 'evil' }))).rejects.toThrow('mount point');
    expect(await fs.readFile(hostnameFile, 'utf8')).toBe('myhost\n');
    // the mount met after another entry of the same directory (whose fd the extractor reuses)
    const src = execFileSync('mktemp', ['-d', path.join(work, 'src-XXXX')]).toString().trim();
    await fs.mkdir(path.join(src, 'etc'));
    await fs.writeFile(path.join(src, 'etc', 'a.conf'), 'a');
    await fs.writeFile(path.join(src, 'etc', 'hostname'), 'evil');
    await expect(put('/', execFileSync('tar', ['--sort=name', '-C', src, '-cf', '-', 'etc']))).rejects.toThrow('mount point');
    expect(await fs.readFile(hostnameFile, 'utf8')).toBe('myhost\n');
    const climb = execFileSync('tar', ['-P', '-C', outside, '-cf', '-', '../etc-decoy']);
    await expect(put('/data', climb)).rejects.toThrow();
    expect(await fs.readFile(path.join(work, 'etc-decoy'), 'utf8')).toBe('x');
    expect(await fs.readdir(outside)).toEqual(['secret']);
  });
});
