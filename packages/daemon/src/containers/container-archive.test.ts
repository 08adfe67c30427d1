import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import * as nodeFs from 'node:fs';
import { fdPath, type RootView } from '@berth/fs';
import { extractIntoContainer, goFileMode, rootfsView, statContainerPath } from './container-archive';

/** The host path a container path resolves to (through the fd the resolver returned). */
function hostOf(view: RootView, p: string, followLast: boolean): string {
  const r = view.resolve(p, { followLast });
  try {
    if (r.fd >= 0) return nodeFs.readlinkSync(fdPath(r.fd));
    return path.join(nodeFs.readlinkSync(fdPath(r.parent)), r.name.toString());
  } finally {
    r.close();
  }
}

async function resolveInRoot(root: string, p: string, followLast: boolean): Promise<string> {
  const v = rootfsView(root);
  try {
    return hostOf(v, p, followLast);
  } finally {
    v.close();
  }
}

function statIn(root: string, p: string, ref: string) {
  const v = rootfsView(root);
  try {
    const r = statContainerPath(v, p, ref);
    r.close();
    return r;
  } finally {
    v.close();
  }
}

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-archive-'));
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc', 'passwd'), 'container passwd\n');
  await fs.mkdir(path.join(root, 'srv', 'd'), { recursive: true });
  await fs.writeFile(path.join(root, 'srv', 'd', 'f.txt'), 'hello\n', { mode: 0o644 });
  await fs.symlink('/etc', path.join(root, 'srv', 'abs'));
  await fs.symlink('../../../../../../etc', path.join(root, 'srv', 'climb'));
  await fs.symlink('d/f.txt', path.join(root, 'srv', 'rel'));
  await fs.symlink('loop2', path.join(root, 'loop1'));
  await fs.symlink('loop1', path.join(root, 'loop2'));
  await fs.symlink('self', path.join(root, 'self'));
  await fs.symlink('/nowhere/x', path.join(root, 'srv', 'dangling-abs'));
  await fs.symlink('gone/./y', path.join(root, 'srv', 'dangling-rel'));
  await fs.symlink('dangling-abs', path.join(root, 'srv', 'chain'));
  await fs.symlink('d/../missing', path.join(root, 'srv', 'via-dotdot'));
  await fs.symlink('abs/none', path.join(root, 'srv', 'via-link'));
  await fs.symlink('rel/x', path.join(root, 'srv', 'via-file'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('container paths', () => {
  it('resolves symlinks inside the rootfs, never outside', async () => {
    expect(await resolveInRoot(root, '/srv/abs/passwd', false)).toBe(path.join(root, 'etc', 'passwd'));
    expect(await resolveInRoot(root, '/srv/climb/passwd', false)).toBe(path.join(root, 'etc', 'passwd'));
    expect(await resolveInRoot(root, '/../../etc/passwd', false)).toBe(path.join(root, 'etc', 'passwd'));
    expect(await resolveInRoot(root, '/srv/rel', false)).toBe(path.join(root, 'srv', 'rel'));
    expect(await resolveInRoot(root, '/srv/rel', true)).toBe(path.join(root, 'srv', 'd', 'f.txt'));
    await expect(resolveInRoot(root, '/loop1/x', false)).rejects.toThrow('too many levels of symbolic links');
  });

  it('stats as docker: Go file modes, link targets, 404 message', async () => {
    const d = statIn(root, '/srv/d', 'trace-x');
    expect(d.stat).toMatchObject({ name: 'd', mode: 2147484141 - 0o755 + (d.stat.mode & 0o777), linkTarget: '' });
    expect(d.stat.mode & 0x80000000).not.toBe(0);
    const f = statIn(root, '/srv/d/f.txt', 'trace-x');
    expect(f.stat).toMatchObject({ name: 'f.txt', size: 6, mode: 0o644 });
    const l = statIn(root, '/srv/rel', 'trace-x');
    expect(l.stat.linkTarget).toBe('/srv/d/f.txt');
    expect(l.stat.mode & 2 ** 27).not.toBe(0);
    // a dangling link names where it points, lexically, as moby's FollowSymlinkInScope does
    // (the docker CLI copies into that path; with '' it copied into '/')
    expect(statIn(root, '/srv/dangling-abs', 'trace-x').stat.linkTarget).toBe('/nowhere/x');
    expect(statIn(root, '/srv/dangling-rel', 'trace-x').stat.linkTarget).toBe('/srv/gone/y');
    // through other links on the way (FollowSymlinkInScope's steps): not where the first one points
    expect(statIn(root, '/srv/chain', 'trace-x').stat.linkTarget).toBe('/nowhere/x');
    expect(statIn(root, '/srv/via-dotdot', 'trace-x').stat.linkTarget).toBe('/srv/missing');
    expect(statIn(root, '/srv/via-link', 'trace-x').stat.linkTarget).toBe('/etc/none');
    // a file on the way: docker's lstat fails (500)
    expect(() => statIn(root, '/srv/via-file', 'trace-x')).toThrow(expect.objectContaining({ code: 'INTERNAL', message: 'lstat /srv/d/f.txt/x: not a directory' }) as never);
    expect(() => statIn(root, '/no/such/path', 'trace-x')).toThrow('Could not find the file /no/such/path in container trace-x');
    expect(goFileMode(await fs.lstat(root)) & 0x80000000).not.toBe(0);
  });

  it('a looping link has no stat: docker 20.10’s 500 "evalSymlinksInScope: too many links in P", P the path it resolved', async () => {
    const loop = (p: string, shown: string): void => {
      let err: unknown;
      try {
        statIn(root, p, 'trace-x');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INTERNAL', message: `evalSymlinksInScope: too many links in ${shown}` });
    };
    loop('/self', '/self'); // self -> self
    loop('/loop1', '/loop1'); // loop1 -> loop2 -> loop1
    loop('/loop2/', '/loop2'); // followed: the whole path
    loop('/loop1/x', '/loop1'); // in the directory part: that part (docker's ResolvePath)
    loop('/./loop1/../loop2/.', '/loop2');
    // extraction into one (PUT) too
    const view = rootfsView(root);
    try {
      await expect(extractIntoContainer({ view, containerPath: '/self', containerRef: 'c', input: Readable.from([Buffer.alloc(1024)]) })).rejects.toMatchObject({
        code: 'INTERNAL',
        message: 'evalSymlinksInScope: too many links in /self',
      });
    } finally {
      view.close();
    }
  });
});

describe('extractIntoContainer', () => {
  it('refuses a tar that climbs out and writes nothing outside', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-put-'));
    try {
      await fs.mkdir(path.join(work, 'a', 'b'), { recursive: true });
      await fs.writeFile(path.join(work, 'a', 'escape.txt'), 'x');
      // member name "../escape.txt", kept as is with -P
      const tar = execFileSync('tar', ['-P', '-C', path.join(work, 'a', 'b'), '-cf', '-', '../escape.txt']);
      const view = rootfsView(root);
      await expect(
        extractIntoContainer({
          view,
          containerPath: '/srv',
          containerRef: 'c',
          input: Readable.from([tar]),
        }),
      ).rejects.toThrow('climbs out');
      await expect(fs.stat(path.join(root, 'escape.txt'))).rejects.toThrow();
      await expect(fs.stat(path.join(root, 'srv', 'escape.txt'))).rejects.toThrow();
      // a good one lands, replacing an existing symlink instead of following it
      await fs.writeFile(path.join(work, 'abs'), 'replaced\n');
      const good = execFileSync('tar', ['-C', work, '-cf', '-', 'abs']);
      await extractIntoContainer({ view, containerPath: '/srv', containerRef: 'c', input: Readable.from([good]) });
      view.close();
      expect(await fs.readFile(path.join(root, 'srv', 'abs'), 'utf8')).toBe('replaced\n');
      expect(await fs.readFile(path.join(root, 'etc', 'passwd'), 'utf8')).toBe('container passwd\n');
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('leaves existing parents as they are (mode, owner) when the tar does not list them, as docker', async () => {
    await fs.mkdir(path.join(root, 'tmp'), { recursive: true });
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    await fs.mkdir(path.join(root, 'priv'));
    await fs.chown(path.join(root, 'priv'), 1000, 1000);
    await fs.chmod(path.join(root, 'priv'), 0o700);
    const pack = tar.pack();
    pack.entry({ name: 'priv/sub/x', mode: 0o640, uid: 7, gid: 8 }, 'x\n');
    pack.entry({ name: 'tmp/.wh.y', mode: 0o644 }, 'y\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    const view = rootfsView(root);
    try {
      await extractIntoContainer({ view, containerPath: '/', containerRef: 'c', input: Readable.from([Buffer.concat(chunks)]) });
    } finally {
      view.close();
    }
    expect((await fs.stat(path.join(root, 'tmp'))).mode & 0o7777).toBe(0o1777);
    const priv = await fs.stat(path.join(root, 'priv'));
    expect([priv.mode & 0o7777, priv.uid, priv.gid]).toEqual([0o700, 1000, 1000]);
    const sub = await fs.stat(path.join(root, 'priv', 'sub'));
    expect([sub.mode & 0o7777, sub.uid, sub.gid]).toEqual([0o755, 0, 0]); // implied: 0755 root, as docker
    const x = await fs.stat(path.join(root, 'priv', 'sub', 'x'));
    expect([x.mode & 0o7777, x.uid, x.gid]).toEqual([0o640, 7, 8]);
    expect(await fs.readFile(path.join(root, 'tmp', '.wh.y'), 'utf8')).toBe('y\n'); // a file, not a whiteout
  });

  it('small files created whole keep owner, mode (setuid too) and times, and replace what was there', async () => {
    await fs.mkdir(path.join(root, 'small', 'sg'), { recursive: true });
    await fs.chown(path.join(root, 'small', 'sg'), 0, 1234);
    await fs.chmod(path.join(root, 'small', 'sg'), 0o2775); // new files inherit gid 1234
    await fs.writeFile(path.join(root, 'small', 'old'), 'old contents, longer\n');
    await fs.mkdir(path.join(root, 'small', 'wasdir', 'inner'), { recursive: true });
    await fs.symlink('/etc/passwd', path.join(root, 'small', 'link'));
    const pack = tar.pack();
    const mtime = new Date(1_500_000_000_000);
    pack.entry({ name: 'small/sg/root', mode: 0o644, uid: 0, gid: 0, mtime }, 'r\n');
    pack.entry({ name: 'small/sg/same', mode: 0o644, uid: 0, gid: 1234, mtime }, 's\n');
    pack.entry({ name: 'small/suid', mode: 0o4755, uid: 5, gid: 6, mtime }, 'u\n');
    pack.entry({ name: 'small/empty', mode: 0o600, uid: 0, gid: 0, mtime }, '');
    pack.entry({ name: 'small/old', mode: 0o640, uid: 0, gid: 0, mtime }, 'new\n');
    pack.entry({ name: 'small/wasdir', mode: 0o644, uid: 0, gid: 0, mtime }, 'file now\n');
    pack.entry({ name: 'small/link', mode: 0o644, uid: 0, gid: 0, mtime }, 'not followed\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    const view = rootfsView(root);
    try {
      await extractIntoContainer({ view, containerPath: '/', containerRef: 'c', input: Readable.from([Buffer.concat(chunks)]) });
    } finally {
      view.close();
    }
    const meta = async (p: string) => {
      const st = await fs.lstat(path.join(root, 'small', p));
      return [st.isFile(), st.mode & 0o7777, st.uid, st.gid, Math.floor(st.mtimeMs / 1000)];
    };
    expect(await meta('sg/root')).toEqual([true, 0o644, 0, 0, 1_500_000_000]);
    expect(await meta('sg/same')).toEqual([true, 0o644, 0, 1234, 1_500_000_000]);
    expect(await meta('suid')).toEqual([true, 0o4755, 5, 6, 1_500_000_000]);
    expect(await meta('empty')).toEqual([true, 0o600, 0, 0, 1_500_000_000]);
    expect(await meta('old')).toEqual([true, 0o640, 0, 0, 1_500_000_000]);
    expect(await fs.readFile(path.join(root, 'small', 'old'), 'utf8')).toBe('new\n');
    expect(await fs.readFile(path.join(root, 'small', 'wasdir'), 'utf8')).toBe('file now\n');
    expect(await meta('link')).toEqual([true, 0o644, 0, 0, 1_500_000_000]);
    expect(await fs.readFile(path.join(root, 'etc', 'passwd'), 'utf8')).toBe('container passwd\n');
  });
  it('small files written in batches on a worker thread keep the tar order (duplicates, links, replacements, many directories)', async () => {
    const pack = tar.pack();
    const mtime = new Date(1_500_000_000_000);
    const file = (name: string, body: string, mode = 0o644): void => {
      pack.entry({ name, mode, uid: 0, gid: 0, mtime }, body);
    };
    for (let d = 0; d < 6; d++) {
      pack.entry({ name: `ord/m${d}/`, type: 'directory', mode: 0o755, mtime });
      for (let i = 0; i < 50; i++) file(`ord/m${d}/f${i}`, `${d}/${i}\n`);
    }
    pack.entry({ name: 'ord/m0/', type: 'directory', mode: 0o750, mtime }); // re-declared after its files
    file('ord/dup', 'first\n');
    file('ord/dup', 'second\n');
    file('ord/x', 'x\n');
    pack.entry({ name: 'ord/h', type: 'link', linkname: 'ord/x', mode: 0o644, mtime });
    file('ord/d', 'becomes a dir\n');
    pack.entry({ name: 'ord/d/', type: 'directory', mode: 0o700, mtime });
    file('ord/d/in', 'in\n');
    file('ord/s', 'becomes a link\n');
    pack.entry({ name: 'ord/s', type: 'symlink', linkname: 'x', mode: 0o777, mtime });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    const all = Buffer.concat(chunks);
    // the tar in small pieces, as the docker CLI sends it
    const pieces: Buffer[] = [];
    for (let i = 0; i < all.length; i += 4000) pieces.push(all.subarray(i, i + 4000));
    const view = rootfsView(root);
    try {
      await extractIntoContainer({ view, containerPath: '/', containerRef: 'c', input: Readable.from(pieces) });
    } finally {
      view.close();
    }
    const at = (p: string) => path.join(root, 'ord', p);
    for (let d = 0; d < 6; d++) {
      const names = await fs.readdir(at(`m${d}`));
      expect(names.length).toBe(50);
      expect(await fs.readFile(at(`m${d}/f${d * 7}`), 'utf8')).toBe(`${d}/${d * 7}\n`);
    }
    expect((await fs.stat(at('m0'))).mode & 0o7777).toBe(0o750);
    expect(Math.floor((await fs.stat(at('m5'))).mtimeMs / 1000)).toBe(1_500_000_000);
    expect(await fs.readFile(at('dup'), 'utf8')).toBe('second\n');
    expect((await fs.stat(at('h'))).ino).toBe((await fs.stat(at('x'))).ino);
    expect((await fs.lstat(at('d'))).isDirectory()).toBe(true);
    expect(await fs.readFile(at('d/in'), 'utf8')).toBe('in\n');
    expect(await fs.readlink(at('s'))).toBe('x');
  });
  it('big files are written in large writes off the main thread, reading the input only as fast as they are written', async () => {
    const big = Buffer.alloc(13 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, big.length - 4));
    const mid = Buffer.alloc(300 * 1024 + 17, 7); // one write, then the rest at its end
    const pack = tar.pack();
    const mtime = new Date(1_500_000_000_000);
    pack.entry({ name: 'bigw/a', mode: 0o640, uid: 3, gid: 4, mtime }, big);
    pack.entry({ name: 'bigw/b', mode: 0o600, mtime }, mid);
    pack.entry({ name: 'bigw/c', mode: 0o644, mtime }, 'small after\n');
    pack.entry({ name: 'bigw/a2', mode: 0o644, mtime }, big.subarray(0, 200 * 1024)); // under one write: written chunk by chunk
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    const all = Buffer.concat(chunks);
    // 64 KiB pieces; the peak of what was read ahead of what is on disk shows the backpressure
    let taken = 0;
    let ahead = 0;
    const aPath = path.join(root, 'bigw', 'a');
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < all.length; i += 65536) {
          taken += 65536;
          const onDisk = nodeFs.existsSync(aPath) ? nodeFs.statSync(aPath).size : 0;
          if (taken < big.length) ahead = Math.max(ahead, taken - onDisk);
          yield all.subarray(i, i + 65536);
        }
      })(),
      { highWaterMark: 1 },
    );
    const view = rootfsView(root);
    try {
      await extractIntoContainer({ view, containerPath: '/', containerRef: 'c', input });
    } finally {
      view.close();
    }
    const at = (p: string) => path.join(root, 'bigw', p);
    expect((await fs.readFile(at('a'))).equals(big)).toBe(true);
    expect((await fs.readFile(at('b'))).equals(mid)).toBe(true);
    expect((await fs.readFile(at('a2'))).equals(big.subarray(0, 200 * 1024))).toBe(true);
    expect(await fs.readFile(at('c'), 'utf8')).toBe('small after\n');
    const st = await fs.stat(at('a'));
    expect([st.mode & 0o7777, st.uid, st.gid, Math.floor(st.mtimeMs / 1000)]).toEqual([0o640, 3, 4, 1_500_000_000]);
    expect(ahead).toBeLessThan(4 * 1024 * 1024); // about 2 x 256 KiB of held chunks and the streams in between (the extractor takes 1 MiB), never the whole file
  });

  it('applies the xattrs of a tar (PAX SCHILY.xattr.*) after the owner, never overlayfs ones, as docker', async () => {
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw=ep (VFS_CAP_REVISION_2)
    const pack = tar.pack();
    const mtime = new Date(1_500_000_000_000);
    const pax = (x: Record<string, Buffer>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [`SCHILY.xattr.${k}`, v.toString('latin1')]));
    pack.entry({ name: 'xa/', type: 'directory', mode: 0o755, mtime, pax: pax({ 'user.dir': Buffer.from('d') }) });
    pack.entry({ name: 'xa/small', mode: 0o755, uid: 5, gid: 6, mtime, pax: pax({ 'user.one': Buffer.from('1'), 'security.capability': cap }) }, 'x\n');
    pack.entry({ name: 'xa/big', mode: 0o644, mtime, pax: pax({ 'user.big': Buffer.from('b'), 'trusted.overlay.opaque': Buffer.from('y') }) }, Buffer.alloc(2 * 1024 * 1024, 1));
    pack.entry({ name: 'xa/plain', mode: 0o644, mtime }, 'p\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    const view = rootfsView(root);
    try {
      await extractIntoContainer({ view, containerPath: '/', containerRef: 'c', input: Readable.from([Buffer.concat(chunks)]) });
    } finally {
      view.close();
    }
    const attrs = (p: string) => execFileSync('getfattr', ['-d', '-m', '-', '-e', 'hex', '--absolute-names', path.join(root, 'xa', p)], { encoding: 'utf8' });
    expect(attrs('')).toMatch(/user\.dir=0x64/);
    expect(attrs('small')).toMatch(/user\.one=0x31/);
    expect(attrs('small')).toMatch(new RegExp(`security\\.capability=0x${cap.toString('hex')}`)); // set after chown to 5:6, which would clear it
    const st = await fs.stat(path.join(root, 'xa', 'small'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o755, 5, 6]);
    expect(attrs('big')).toMatch(/user\.big=0x62/);
    expect(attrs('big')).not.toMatch(/trusted\.overlay/);
    expect(attrs('plain')).not.toMatch(/user\./);
  });
});
