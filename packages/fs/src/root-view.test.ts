import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RootView, fdPath, fsAt } from './index';

let tmp: string;
let root: string;
let vol: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fs-'));
  root = path.join(tmp, 'root');
  vol = path.join(tmp, 'vol');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'srv', 'd'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data'));
  fs.mkdirSync(vol);
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root');
  fs.writeFileSync(path.join(root, 'srv', 'd', 'f.txt'), 'f');
  fs.writeFileSync(path.join(vol, 'v.txt'), 'v');
  fs.symlinkSync('/etc', path.join(root, 'srv', 'abs'));
  fs.symlinkSync('../../../../../etc', path.join(root, 'srv', 'climb'));
  fs.symlinkSync('d/f.txt', path.join(root, 'srv', 'rel'));
  fs.symlinkSync('/', path.join(root, 'srv', 'top'));
  fs.symlinkSync('/proc/self/root', path.join(root, 'srv', 'magic'));
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  fs.symlinkSync('/data', path.join(root, 'srv', 'tovol'));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function read(view: RootView, p: string, followLast = false): string {
  const r = view.resolve(p, { followLast });
  try {
    const fd = fsAt().openat(r.fd, '', fs.constants.O_RDONLY, 0);
    try {
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    r.close();
  }
}

describe('RootView', () => {
  it('resolves symlinks in the root scope, never above it', () => {
    const v = RootView.open(root);
    try {
      expect(v.resolve('/srv/abs/passwd').path).toBe('/etc/passwd');
      expect(read(v, '/srv/abs/passwd')).toBe('root');
      expect(read(v, '/srv/climb/passwd')).toBe('root');
      expect(read(v, '/../../etc/passwd')).toBe('root');
      expect(read(v, '/srv/rel', true)).toBe('f');
      expect(v.resolve('/srv/rel').path).toBe('/srv/rel');
      expect(v.resolve('/srv/top/srv/top/etc').path).toBe('/etc');
      expect(() => v.resolve('/loop1/x')).toThrow('too many levels of symbolic links');
      expect(() => v.resolve('/srv/magic/etc')).toThrow();
      const missing = v.resolve('/srv/nothing');
      expect(missing.fd).toBe(-1);
      expect(missing.path).toBe('/srv/nothing');
      expect(missing.name.toString()).toBe('nothing');
      missing.close();
      expect(() => v.resolve('/srv/no/such')).toThrow('no such file or directory');
    } finally {
      v.close();
    }
  });

  it('continues inside a mount at its destination, also through a symlink', () => {
    const v = RootView.open(root, [{ destination: '/srv/tovol', source: vol, rw: false }]);
    try {
      expect(v.mounts.map((m) => m.destination)).toEqual(['/data']);
      const r = v.resolve('/srv/tovol/v.txt');
      expect(r.path).toBe('/data/v.txt');
      expect(r.mount?.source).toBe(vol);
      expect(r.mountPoint).toBe(false);
      r.close();
      expect(read(v, '/data/v.txt')).toBe('v');
      const d = v.resolve('/data');
      expect(d.mountPoint).toBe(true);
      expect(fs.readdirSync(fdPath(d.fd))).toEqual(['v.txt']);
      d.close();
    } finally {
      v.close();
    }
  });

  it('creates missing parents inside the root only', () => {
    const v = RootView.open(root);
    try {
      const r = v.resolve('/srv/top/new/dir/file', { mkdirParents: true });
      expect(r.path).toBe('/new/dir/file');
      fsAt().mkdirat(r.parent, 'x', 0o700);
      r.close();
      expect(fs.statSync(path.join(root, 'new', 'dir', 'x')).isDirectory()).toBe(true);
      expect(fs.existsSync('/new')).toBe(false);
    } finally {
      v.close();
    }
  });

  it('resolves below a held directory, in the same scope, wherever the directory moves', () => {
    const v = RootView.open(root);
    try {
      const base = v.resolve('/srv/d', { followLast: true });
      const f = v.resolveFrom(base, 'f.txt');
      expect(f.path).toBe('/srv/d/f.txt');
      f.close();
      // `..` above the start continues from its container path; an absolute link from the root
      const up = v.resolveFrom(base, '../abs/passwd');
      expect(up.path).toBe('/etc/passwd');
      up.close();
      fs.symlinkSync('../../etc', path.join(root, 'srv', 'd', 'back'));
      const back = v.resolveFrom(base, 'back/passwd');
      expect(back.path).toBe('/etc/passwd');
      back.close();
      // the directory renamed meanwhile: the walk still starts in it
      fs.renameSync(path.join(root, 'srv', 'd'), path.join(root, 'srv', 'moved'));
      fs.symlinkSync('/', path.join(root, 'srv', 'd'));
      const moved = v.resolveFrom(base, 'f.txt');
      expect(fs.readlinkSync(fdPath(moved.fd))).toBe(path.join(root, 'srv', 'moved', 'f.txt'));
      moved.close();
      fs.unlinkSync(path.join(root, 'srv', 'd'));
      fs.renameSync(path.join(root, 'srv', 'moved'), path.join(root, 'srv', 'd'));
      fs.unlinkSync(path.join(root, 'srv', 'd', 'back'));
      base.close();
    } finally {
      v.close();
    }
  });
});
