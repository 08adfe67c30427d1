import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RootView, fdPath, fsAt, makeMissing } from './index';

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

  describe('pastMissing: where a path ends, nothing created', () => {
    const entries = (): string[] => fs.readdirSync(root).sort();

    it('follows a dangling link past its missing parents', () => {
      fs.symlinkSync('/missing/x', path.join(root, 'dangle'));
      fs.symlinkSync('../gone/here', path.join(root, 'srv', 'reldangle'));
      const before = entries();
      const v = RootView.open(root);
      try {
        const r = v.resolve('/dangle', { followLast: true, pastMissing: true });
        expect([r.path, r.fd, r.missing]).toEqual(['/missing/x', -1, 2]);
        // the parent is the deepest directory that exists: the root
        expect(fs.readlinkSync(fdPath(r.parent))).toBe(root);
        r.close();
        const below = v.resolve('/dangle/sub/f', { pastMissing: true });
        expect([below.path, below.missing]).toEqual(['/missing/x/sub/f', 4]);
        below.close();
        const rel = v.resolve('/srv/reldangle/f', { pastMissing: true });
        expect([rel.path, rel.missing]).toEqual(['/gone/here/f', 3]);
        rel.close();
        // without the option a missing parent is refused, as before
        expect(() => v.resolve('/dangle/f')).toThrow('no such file or directory');
      } finally {
        v.close();
      }
      expect(entries()).toEqual(before);
      expect(fs.existsSync(path.join(root, 'missing'))).toBe(false);
    });

    it('is the plain resolve where the path exists or only its last part is missing', () => {
      const v = RootView.open(root);
      try {
        const r = v.resolve('/srv/abs/passwd', { pastMissing: true });
        expect([r.path, r.missing]).toEqual(['/etc/passwd', 0]);
        expect(r.fd).toBeGreaterThanOrEqual(0);
        r.close();
        const last = v.resolve('/etc/nothing', { pastMissing: true });
        expect([last.path, last.fd, last.missing]).toEqual(['/etc/nothing', -1, 1]);
        expect(fs.readlinkSync(fdPath(last.parent))).toBe(path.join(root, 'etc'));
        last.close();
        const plain = v.resolve('/etc/nothing');
        expect(plain.missing).toBe(1);
        plain.close();
      } finally {
        v.close();
      }
    });

    it('`..` steps back out of missing parts into what exists; a link met there is followed', () => {
      fs.symlinkSync('/nowhere/../srv/abs', path.join(root, 'back'));
      const v = RootView.open(root);
      try {
        const r = v.resolve('/back/passwd', { pastMissing: true });
        expect([r.path, r.missing]).toEqual(['/etc/passwd', 0]);
        r.close();
        const climb = v.resolve('/no/such/../../../../etc/passwd', { pastMissing: true });
        expect([climb.path, climb.missing]).toEqual(['/etc/passwd', 0]);
        climb.close();
      } finally {
        v.close();
      }
    });

    it('continues in a mount whose destination lies below missing parts', () => {
      const v = RootView.open(root, [{ destination: '/missing/x', source: vol, rw: false }]);
      try {
        const r = v.resolve('/dangle/v.txt', { pastMissing: true });
        expect([r.path, r.missing, r.mount?.destination]).toEqual(['/missing/x/v.txt', 0, '/missing/x']);
        const fd = fsAt().openat(r.fd, '', fs.constants.O_RDONLY, 0);
        expect(fs.readFileSync(fd, 'utf8')).toBe('v');
        fs.closeSync(fd);
        r.close();
        const n = v.resolve('/dangle/new/f', { pastMissing: true });
        expect([n.path, n.missing, n.mount?.rw]).toEqual(['/missing/x/new/f', 2, false]);
        expect(fs.readlinkSync(fdPath(n.parent))).toBe(vol);
        n.close();
      } finally {
        v.close();
      }
    });

    it('makeMissing makes what is missing below the deepest directory that exists, never through a link', () => {
      const out = path.join(tmp, 'outside');
      fs.mkdirSync(out);
      fs.symlinkSync('/made/a/b', path.join(root, 'tomake'));
      fs.symlinkSync('/madefile/f.conf', path.join(root, 'tofile'));
      const v = RootView.open(root);
      try {
        const r = v.resolve('/tomake', { followLast: true, pastMissing: true });
        makeMissing(r, 'dir');
        r.close();
        expect(fs.statSync(path.join(root, 'made', 'a', 'b')).isDirectory()).toBe(true);
        const f = v.resolve('/tofile', { followLast: true, pastMissing: true });
        makeMissing(f, 'file');
        f.close();
        expect(fs.statSync(path.join(root, 'madefile', 'f.conf')).size).toBe(0);
        // names that are not UTF-8 are made as the link has them
        fs.symlinkSync(Buffer.from('/m\xff/x', 'latin1'), path.join(root, 'tobytes'));
        const b = v.resolve('/tobytes', { followLast: true, pastMissing: true });
        makeMissing(b, 'dir');
        b.close();
        expect(fs.statSync(Buffer.from(`${root}/m\xff/x`, 'latin1')).isDirectory()).toBe(true);
        // a link put in the way after the resolve (a container's swap): refused, nothing made outside
        const raced = v.resolve('/raced/sub/x', { pastMissing: true });
        fs.symlinkSync(out, path.join(root, 'raced'));
        expect(() => makeMissing(raced, 'dir')).toThrow();
        raced.close();
        expect(fs.readdirSync(out)).toEqual([]);
      } finally {
        v.close();
      }
    });

    it('still refuses a file in the way, a loop, and mkdirParents with it', () => {
      const v = RootView.open(root);
      try {
        fs.symlinkSync('/etc/passwd/x', path.join(root, 'srv', 'viafile'));
        expect(() => v.resolve('/srv/viafile/y', { pastMissing: true })).toThrow('/etc/passwd/x: not a directory');
        expect(() => v.resolve('/loop1/x', { pastMissing: true })).toThrow('too many levels of symbolic links');
        expect(() => v.resolve('/dangle', { pastMissing: true, mkdirParents: true })).toThrow('exclude each other');
      } finally {
        v.close();
      }
    });
  });
});
