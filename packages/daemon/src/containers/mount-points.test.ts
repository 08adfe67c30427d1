import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RuntimeMount } from '@berth/oci';
import type { ContainerRecord } from './container-record';
import { createMountTargets, populateVolumes, type ContainerMount } from './mount-points';
import { userMounts } from './spec-input';

let tmp: string;
let n = 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mount-targets-'));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh rootfs with the image's links, and a host directory and file to mount. */
function setUp(): { root: string; dir: string; file: string } {
  const base = path.join(tmp, String(n++));
  const root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'srv'), { recursive: true });
  fs.mkdirSync(path.join(root, 'ro'));
  fs.mkdirSync(path.join(root, 'tmpd'));
  fs.symlinkSync('/missing/x', path.join(root, 'data'));
  fs.symlinkSync('/missing/x', path.join(root, 'srv', 'data'));
  fs.symlinkSync('/etc/app/app.conf', path.join(root, 'app.conf'));
  fs.symlinkSync('/ro/sub/x', path.join(root, 'srv', 'inro'));
  fs.symlinkSync('/tmpd/sub/x', path.join(root, 'srv', 'intmp'));
  const dir = path.join(base, 'dir');
  fs.mkdirSync(dir);
  const file = path.join(base, 'app.conf');
  fs.writeFileSync(file, 'setting=1\n');
  return { root, dir, file };
}

const bind = (source: string, destination: string, ro = false): RuntimeMount => ({ destination, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw', 'rprivate'] });

describe('createMountTargets', () => {
  it('makes a dangling destination\'s target, directories below the deepest that exists', async () => {
    const { root, dir } = setUp();
    await createMountTargets([bind(dir, '/data')], root);
    expect(fs.statSync(path.join(root, 'missing', 'x')).isDirectory()).toBe(true);
    expect(fs.readlinkSync(path.join(root, 'data'))).toBe('/missing/x');
  });

  it('a read-only mount laid before it does not stop it (-v /h:/ro:ro -v vol:/srv/data)', async () => {
    const { root, dir } = setUp();
    const h = path.join(tmp, `h${n}`);
    fs.mkdirSync(h);
    await createMountTargets([bind(h, '/ro', true), bind(dir, '/srv/data')], root);
    expect(fs.statSync(path.join(root, 'missing', 'x')).isDirectory()).toBe(true);
  });

  it('an empty file for a file bind', async () => {
    const { root, file } = setUp();
    await createMountTargets([bind(file, '/app.conf', true)], root);
    const st = fs.statSync(path.join(root, 'etc', 'app', 'app.conf'));
    expect([st.isFile(), st.size]).toEqual([true, 0]);
  });

  it('nothing inside a tmpfs, nothing for a path without a link (the runtime decides)', async () => {
    const { root, dir } = setUp();
    const tmpfs: RuntimeMount = { destination: '/tmpd', type: 'tmpfs', source: 'tmpfs', options: [] };
    await createMountTargets([tmpfs, bind(dir, '/srv/intmp'), bind(dir, '/plain/missing')], root);
    expect(fs.readdirSync(path.join(root, 'tmpd'))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'plain'))).toBe(false);
  });

  it('a target missing inside a read-only mount is refused with runc\'s words, through a link or not; nothing is made', async () => {
    const { root, dir } = setUp();
    const h = path.join(tmp, `h${n}`);
    fs.mkdirSync(h);
    await expect(createMountTargets([bind(h, '/ro', true), bind(dir, '/srv/inro')], root)).rejects.toThrow(
      `OCI runtime create failed: error during container init: error mounting "${dir}" to rootfs at "/srv/inro": mkdir sub: read-only file system`,
    );
    await expect(createMountTargets([bind(h, '/ro', true), { destination: '/ro/t', type: 'tmpfs', source: 'tmpfs', options: [] }], root)).rejects.toThrow(
      'error mounting "tmpfs" to rootfs at "/ro/t": mkdir t: read-only file system',
    );
    expect(fs.readdirSync(h)).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'ro'))).toEqual([]);
    // one that exists there is fine
    fs.mkdirSync(path.join(h, 'there'));
    await createMountTargets([bind(h, '/ro', true), bind(dir, '/ro/there')], root);
  });

  it('a target below a read-write mount laid before it is made in the mount\'s source', async () => {
    const { root, dir } = setUp();
    const vol = path.join(tmp, `vol${n}`);
    fs.mkdirSync(vol);
    // (the runtime mounts shallow destinations first: /srv/d2 is as deep as /mnt/v, and after it)
    fs.symlinkSync('/mnt/v/sub/x', path.join(root, 'srv', 'd2'));
    await createMountTargets([bind(vol, '/mnt/v'), bind(dir, '/srv/d2')], root);
    expect(fs.statSync(path.join(vol, 'sub', 'x')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(root, 'mnt', 'v', 'sub'))).toBe(false);
  });

  it('a row older than the mounts column: its Binds, as the spec gets them (userMounts)', async () => {
    const { root, dir } = setUp();
    const rec = { id: 'a'.repeat(64), hostConfig: { Binds: [`${dir}:/data`] }, config: {} } as unknown as ContainerRecord;
    await createMountTargets(await userMounts(rec, async (name) => path.join(tmp, name)), root);
    expect(fs.statSync(path.join(root, 'missing', 'x')).isDirectory()).toBe(true);
  });

  it('never leaves the root: a link climbing out makes its target inside', async () => {
    const { root, dir } = setUp();
    fs.symlinkSync('../../../../outside-of-root/x', path.join(root, 'climb'));
    await createMountTargets([bind(dir, '/climb')], root);
    expect(fs.statSync(path.join(root, 'outside-of-root', 'x')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(root, '..', 'outside-of-root'))).toBe(false);
  });
});

describe('populateVolumes', () => {
  /** A rootfs with content at /etc, and an empty volume (`_data`) with its marker's path beside it. */
  function volumeSetUp(): { root: string; data: string; marker: string; mount: ContainerMount[] } {
    const base = path.join(tmp, String(n++));
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc', 'hostname'), 'image\n');
    const data = path.join(base, 'vol', '_data');
    fs.mkdirSync(data, { recursive: true });
    const marker = path.join(base, 'vol', 'copy-up.partial');
    return { root, data, marker, mount: [{ Type: 'volume', Name: 'v', Source: data, Destination: '/etc', Mode: '', RW: true, Propagation: '' }] };
  }

  it('a copy that fails leaves no marker: the next start keeps what the volume holds (only a crash leaves it)', async () => {
    const { root, data, marker, mount } = volumeSetUp();
    const failing = async (_from: string, to: string): Promise<void> => {
      fs.writeFileSync(path.join(to, 'half'), 'copied before the failure\n');
      expect(fs.existsSync(marker)).toBe(true); // written before the copy
      throw new Error('archive entry "./os-release": refused');
    };
    await expect(populateVolumes(mount, root, failing, () => marker)).rejects.toThrow('refused');
    expect(fs.existsSync(marker)).toBe(false);
    // a container then writes into the volume; the next start (a copy-up is not due: not empty) keeps it
    fs.writeFileSync(path.join(data, 'db'), 'data\n');
    await populateVolumes(mount, root, async () => { throw new Error('not called'); }, () => marker);
    expect(fs.readdirSync(data).sort()).toEqual(['db', 'half']);
  });

  it('a copy cut by a crash (its marker left) is undone at the next start and made again', async () => {
    const { root, data, marker, mount } = volumeSetUp();
    fs.writeFileSync(path.join(data, 'half'), 'cut\n');
    fs.writeFileSync(marker, '');
    const copied: string[] = [];
    await populateVolumes(mount, root, async (from, to) => {
      copied.push(...fs.readdirSync(to));
      fs.copyFileSync(path.join(from, 'hostname'), path.join(to, 'hostname'));
    }, () => marker);
    expect(copied).toEqual([]); // emptied first
    expect([fs.readdirSync(data), fs.existsSync(marker)]).toEqual([['hostname'], false]);
  });
});
