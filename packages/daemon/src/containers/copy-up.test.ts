import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packDirectory } from '@berth/image-store';
import { copyUp } from './copy-up';

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-up-'));
});

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `touch` at an exact time (GNU touch takes `@SECONDS.NANOSECONDS`), never following a symlink. */
function touch(p: string, which: '-a' | '-m', at: string): void {
  execFileSync('touch', ['-h', which, '-d', `@${at}`, p]);
}

/** Every xattr of a path (getfattr's dump, names sorted), never following a symlink. */
function xattrs(p: string): string {
  return execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', p], { encoding: 'utf8' }).split('\n').slice(1).join('\n');
}

/** A symlink's xattrs can be set without following it only with setxattrat(2) (Linux 6.13); before, they are skipped. */
const [major = 0, minor = 0] = os.release().split('.').map(Number);
const SYMLINK_XATTRS = major > 6 || (major === 6 && minor >= 13);

function times(p: string): [bigint, bigint] {
  const st = fs.lstatSync(p, { bigint: true });
  return [st.atimeNs, st.mtimeNs];
}

describe('copyUp (Docker: continuity fs.CopyDir)', () => {
  it('keeps atimes and mtimes with their nanoseconds and every xattr (trusted.*, security.*, user.*), the root\'s too', async () => {
    const src = path.join(tmp, 'src');
    const vol = path.join(tmp, 'vol');
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    fs.mkdirSync(vol);
    fs.writeFileSync(path.join(src, 'f'), 'one\n');
    fs.writeFileSync(path.join(src, 'small'), 'small, no xattrs: written in a batch\n');
    fs.writeFileSync(path.join(src, 'd', 'g'), 'two\n');
    fs.linkSync(path.join(src, 'f'), path.join(src, 'hard'));
    fs.symlinkSync('f', path.join(src, 'l'));
    execFileSync('setcap', ['cap_net_raw+ep', path.join(src, 'f')]);
    execFileSync('setfattr', ['-n', 'trusted.berth', '-v', 'tf', path.join(src, 'f')]);
    execFileSync('setfattr', ['-n', 'user.berth', '-v', 'uf', path.join(src, 'f')]);
    execFileSync('setfattr', ['-n', 'trusted.berth', '-v', 'td', path.join(src, 'd')]);
    execFileSync('setfattr', ['-h', '-n', 'trusted.berth', '-v', 'tl', path.join(src, 'l')]);
    execFileSync('setfattr', ['-n', 'trusted.root', '-v', 'tr', src]);
    const names = ['f', 'small', 'd/g', 'l', 'd', '.'];
    names.forEach((n, i) => {
      // atime older than mtime: a copy keeps it (a tar unpacked by Docker's rules raises it to the mtime)
      touch(path.join(src, n), '-a', `150000000${i}.98765432${i}`);
      touch(path.join(src, n), '-m', `160000000${i}.12345678${i}`);
    });
    const before = Object.fromEntries(names.map((n) => [n, { times: times(path.join(src, n)), xattrs: xattrs(path.join(src, n)) }]));

    await copyUp((dir, opts) => packDirectory(dir, opts ?? {}), src, vol);

    for (const n of names) {
      const p = path.join(vol, n);
      if (n === 'l' && !SYMLINK_XATTRS) expect({ n, times: times(p) }).toEqual({ n, times: before[n]!.times });
      else expect({ n, times: times(p), xattrs: xattrs(p) }).toEqual({ n, ...before[n] });
    }
    expect(before['f']!.xattrs).toContain('security.capability=0x');
    expect(before['f']!.xattrs).toContain('trusted.berth=0x7466');
    expect(before['f']!.xattrs).toContain('user.berth=0x7566');
    expect(before['.']!.xattrs).toContain('trusted.root=0x7472');
    expect(before['f']!.times).toEqual([1_500_000_000_987_654_320n, 1_600_000_000_123_456_780n]);
    expect(fs.statSync(path.join(vol, 'hard')).ino).toBe(fs.statSync(path.join(vol, 'f')).ino);
    expect(fs.readFileSync(path.join(vol, 'small'), 'utf8')).toBe('small, no xattrs: written in a batch\n');
  });
});
