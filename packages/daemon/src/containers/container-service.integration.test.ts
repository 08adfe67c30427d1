/**
 * The container service against the real image store (overlay snapshots) and the real runtime
 * (runc through berth-shim), in a temp data root. Needs root, overlayfs and runc (as CI has).
 * Every container, mount and shim is cleaned up in afterAll, even when a test fails.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex, Readable } from 'node:stream';
import { FrameDecoder, type Frame } from '@berth/api';
import { openImageStore, packDirectory, type ImageStore } from '@berth/image-store';
import { DEFAULT_SHIM_PATH, OciRuntime } from '@berth/runtime';
import { Database } from '@berth/sqlite';
import { DataRoot } from '../layout';
import { imageTagger } from '../images/image-tagger';
import type { ContainerService } from './container-service';
import { createContainerService } from './create-container-service';
import * as containerNames from './container-names';

jest.setTimeout(120_000);

const FIXTURE = path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');
const RUNTIME_DIR = path.resolve(__dirname, '../../../runtime');

let root: string;
let layout: DataRoot;
let db: Database;
let store: ImageStore;
let runtime: OciRuntime;
let svc: ContainerService;
let imageRef: string;

async function openService(): Promise<ContainerService> {
  const s = await createContainerService({
    db,
    layout,
    images: store.images,
    snapshots: store.snapshots,
    runtime,
    packDirectory: (dir, opts) => packDirectory(dir, { mode: 'rootfs', ...opts }),
    committer: store.committer,
    tagImage: imageTagger({ images: store.images }),
  });
  await s.restore();
  return s;
}

/** A hijacked-socket stand-in: collects what the daemon writes; push() plays the client. */
function fakeConn(): { conn: Duplex; out: Buffer[]; ended: Promise<void> } {
  const out: Buffer[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const conn = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
    final(cb) {
      done();
      cb();
    },
  });
  return { conn, out, ended };
}

async function demux(buf: Buffer): Promise<{ stdout: string; stderr: string }> {
  const d = new FrameDecoder();
  const res = { stdout: '', stderr: '' };
  d.on('data', (f: Frame) => {
    if (f.stream === 'stdout') res.stdout += f.payload.toString();
    if (f.stream === 'stderr') res.stderr += f.payload.toString();
  });
  d.end(buf);
  await new Promise((r) => d.on('end', r));
  return res;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

/** docker run: create, attach, wait, start; returns output and exit code. */
async function run(body: Record<string, unknown>, stdin?: string) {
  const { Id } = await svc.create({ Image: imageRef, AttachStdout: true, AttachStderr: true, ...body } as never);
  const att = await svc.attach(Id, { stream: true, stdout: true, stderr: true, stdin: stdin !== undefined });
  const c = fakeConn();
  const attached = att.connect(c.conn);
  if (stdin !== undefined) c.conn.push(Buffer.from(stdin));
  c.conn.push(null);
  const auto = (body.HostConfig as { AutoRemove?: boolean } | undefined)?.AutoRemove;
  const wait = await svc.wait(Id, auto ? 'removed' : 'next-exit');
  await svc.start(Id);
  const status = await wait.result;
  await attached;
  return { id: Id, status, ...(await demux(Buffer.concat(c.out))) };
}

function mountsUnder(dir: string): string[] {
  return execFileSync('cat', ['/proc/self/mountinfo'])
    .toString()
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => Boolean(m && m.startsWith(dir)));
}

beforeAll(async () => {
  // Build the shim only when missing: rebuilding it in place would disturb other test runs.
  if (!(await fs.stat(DEFAULT_SHIM_PATH).then(() => true, () => false))) {
    execFileSync('npm', ['run', 'build:native'], { cwd: RUNTIME_DIR, stdio: 'ignore' });
  }
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-it-'));
  layout = new DataRoot(root, path.join(root, 'exec-root'));
  for (const d of [layout.containersDir, layout.runtimeStateDir, layout.tmpDir]) await fs.mkdir(d, { recursive: true });
  db = await Database.open(layout.database);
  store = await openImageStore({ root: layout.imageStoreRoot, db });
  const loaded = await store.archives.load(createReadStream(FIXTURE));
  imageRef = loaded[0]!.reference ?? loaded[0]!.imageId;
  runtime = new OciRuntime({ stateRoot: path.join(layout.runtimeStateDir, 'runc') });
  svc = await openService();
});

afterAll(async () => {
  if (svc) {
    for (const c of await svc.list({ all: true }).catch(() => [])) await svc.remove(c.Id, { force: true }).catch(() => undefined);
    await svc.shutdown();
  }
  for (const m of mountsUnder(root ?? '/nonexistent').reverse()) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // already gone
    }
  }
  await db?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe('ContainerService with image-store and runc', () => {
  it('runs the image default command and records the exit', async () => {
    const r = await run({});
    expect(r.stdout).toBe('hello\n');
    expect(r.status).toEqual({ StatusCode: 0, Error: null });
    const c = await svc.inspect(r.id);
    expect(c.State.Status).toBe('exited');
    expect(c.Config.WorkingDir).toBe('/srv');
    expect(c.Config.Env).toContain('FOO=bar');
    expect(mountsUnder(layout.containerDir(r.id))).toEqual([]);
  });

  it('multiplexes stdout and stderr, keeps the exit code, replays logs', async () => {
    const r = await run({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', status: { StatusCode: 7, Error: null } });
    const logs = await svc.logs(r.id, { stdout: true, stderr: true, timestamps: true });
    const replay = await demux(await collect(logs.chunks));
    expect(replay.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z out\n$/);
    expect(replay.stderr).toMatch(/ err\n$/);
    expect((await svc.list({ all: true, filters: new Map([['exited', ['7']]]) })).map((c) => c.Id)).toEqual([r.id]);
  });

  it('delivers stdin written before start; the client FIN is EOF', async () => {
    const r = await run({ Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true }, 'line1\nline2\n');
    expect(r.stdout).toBe('line1\nline2\n');
    expect(r.status.StatusCode).toBe(0);
  });

  it('--init runs the command under a static tini as PID 1', async () => {
    const r = await run({ Cmd: ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline 2>/dev/null || cat /proc/1/cmdline'], HostConfig: { Init: true } });
    expect(r.status.StatusCode).toBe(0);
    expect(r.stdout).toContain('/sbin/docker-init');
    expect((await svc.inspect(r.id)).Path).toBe('sh');
  });

  it('TTY containers: raw output with CRLF, stdin through the terminal, resize', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sh'], Tty: true, OpenStdin: true, StdinOnce: true, HostConfig: { ConsoleSize: [24, 80] } } as never);
    const att = await svc.attach(Id, { stream: true, stdin: true, stdout: true, stderr: true });
    expect(att.tty).toBe(true);
    const c = fakeConn();
    const attached = att.connect(c.conn);
    const w = await svc.wait(Id, 'next-exit');
    await svc.start(Id);
    await svc.resize(Id, 30, 100);
    c.conn.push(Buffer.from('stty size; echo tty-ok; exit 3\n'));
    expect((await w.result).StatusCode).toBe(3);
    await attached;
    const out = Buffer.concat(c.out).toString();
    expect(out).toContain('tty-ok\r\n');
    expect(out.includes('\u0001\u0000\u0000\u0000')).toBe(false); // not multiplexed
    const logs = await collect((await svc.logs(Id, { stdout: true, stderr: true })).chunks);
    expect(logs.toString()).toContain('tty-ok\r\n');
    await svc.remove(Id);
  });

  it('two creates at once never take the same random name (held before the first await)', async () => {
    // both picks give the same name; the second create must see it held and pick again
    const picks = ['same_name', 'same_name', 'other_name'];
    const spy = jest.spyOn(containerNames, 'randomContainerName').mockImplementation(() => picks.shift() ?? 'spare_name');
    try {
      const made = await Promise.all([svc.create({ Image: imageRef }), svc.create({ Image: imageRef })]);
      const names = await Promise.all(made.map(async ({ Id }) => (await svc.inspect(Id)).Name));
      expect(names.sort()).toEqual(['/other_name', '/same_name']);
      for (const { Id } of made) await svc.remove(Id, { force: true });
    } finally {
      spy.mockRestore();
    }
  });

  it('pause freezes the container, unpause thaws it', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sleep', '300'] });
    await svc.start(Id);
    await svc.pause(Id);
    expect((await svc.inspect(Id)).State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    await expect(svc.kill(Id)).rejects.toThrow('is paused');
    await svc.unpause(Id);
    expect((await svc.inspect(Id)).State).toMatchObject({ Status: 'running', Paused: false });
    await svc.pause(Id);
    await svc.remove(Id, { force: true });
    await expect(svc.inspect(Id)).rejects.toThrow('No such container');
  });

  it('exec: output, exit code, stdin, a failing start reported in the stream with 126, TTY', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sleep', '300'] });
    await svc.start(Id);
    const run = async (body: Record<string, unknown>, stdin?: string) => {
      const { Id: execId } = await svc.execCreate(Id, { AttachStdout: true, AttachStderr: true, ...body });
      const att = (await svc.execStart(execId))!;
      const c = fakeConn();
      const done = att.connect(c.conn);
      if (stdin !== undefined) c.conn.push(Buffer.from(stdin));
      c.conn.push(null);
      await done;
      return { inspect: await svc.execInspect(execId), out: Buffer.concat(c.out) };
    };
    const a = await run({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 5'] });
    expect(await demux(a.out)).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect(a.inspect).toMatchObject({ Running: false, ExitCode: 5 });
    const b = await run({ Cmd: ['cat'], AttachStdin: true }, 'via-stdin\n');
    expect((await demux(b.out)).stdout).toBe('via-stdin\n');
    const c = await run({ Cmd: ['true'], WorkingDir: '/no/such/dir' });
    expect((await demux(c.out)).stdout).toMatch(/no such file or directory/);
    expect(c.inspect.ExitCode).toBe(126);
    const d = await run({ Cmd: ['sh', '-c', 'echo "$FOO" in $(pwd); id -u'], Env: ['FOO=bar'], WorkingDir: '/bin', User: '1000' });
    expect((await demux(d.out)).stdout).toBe('bar in /bin\n1000\n');
    const t = await run({ Cmd: ['sh', '-c', 'echo tty; exit 4'], Tty: true });
    expect(t.out.toString()).toBe('tty\r\n');
    expect(t.inspect.ExitCode).toBe(4);
    await svc.remove(Id, { force: true });
  });

  it('top lists the container processes; stats reads its cgroup', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sleep', '301'] });
    await expect(svc.top(Id)).rejects.toThrow('is not running');
    await svc.start(Id);
    // `runc start` returns once it has released the init, which then execs: for a moment the
    // process is still `runc init`. Poll (bounded) until the exec has happened.
    let top = await svc.top(Id);
    for (let i = 0; i < 50 && top.Processes.some((p) => /runc init/.test(p[p.length - 1] ?? '')); i++) {
      await new Promise((r) => setTimeout(r, 20));
      top = await svc.top(Id);
    }
    expect(top.Titles).toContain('PID');
    expect(top.Processes.map((p) => p[p.length - 1])).toEqual(['sleep 301']);
    const custom = await svc.top(Id, '-o pid,comm');
    expect(custom).toEqual({ Titles: ['PID', 'COMMAND'], Processes: [[String((await svc.inspect(Id)).State.Pid), 'sleep']] });
    const one: Record<string, unknown>[] = [];
    for await (const m of await svc.stats(Id, { stream: false, oneShot: true })) one.push(m);
    expect(one.length).toBe(1);
    expect(one[0]).toMatchObject({ id: Id, name: (await svc.inspect(Id)).Name });
    expect((one[0]!.memory_stats as { usage?: number }).usage).toBeGreaterThan(0);
    expect((one[0]!.cpu_stats as { online_cpus: number }).online_cpus).toBeGreaterThan(0);
    await svc.remove(Id, { force: true });
  });

  it('diff: additions, changes and deletions against the image, null when nothing changed', async () => {
    const fresh = await svc.create({ Image: imageRef });
    expect(await svc.changes(fresh.Id)).toBeNull();
    await svc.remove(fresh.Id);
    const r = await run({ Cmd: ['sh', '-c', 'echo x > /srv/new.txt; echo y >> /srv/greeting.txt; rm /bin/wc; mkdir -p /tmp/a/b'] });
    expect(r.status.StatusCode).toBe(0);
    expect(await svc.changes(r.id)).toEqual([
      { Path: '/bin', Kind: 0 },
      { Path: '/bin/wc', Kind: 2 },
      { Path: '/srv', Kind: 0 },
      { Path: '/srv/greeting.txt', Kind: 0 },
      { Path: '/srv/new.txt', Kind: 1 },
      { Path: '/tmp', Kind: 1 },
      { Path: '/tmp/a', Kind: 1 },
      { Path: '/tmp/a/b', Kind: 1 },
    ]);
    await svc.remove(r.id);
  });

  it('archive: stat and tar of a container path, named from its basename', async () => {
    const r = await run({ Cmd: ['sh', '-c', 'mkdir -p /srv/d/sub; echo hello > /srv/d/f.txt; ln -s f.txt /srv/d/link; ln -s /srv /srv/d/up'] });
    expect(r.status.StatusCode).toBe(0);
    const st = await svc.archiveStat(r.id, '/srv/d');
    expect(st.name).toBe('d');
    expect(st.mode & 0x80000000).not.toBe(0);
    await expect(svc.archiveStat(r.id, '/no/such')).rejects.toThrow(`Could not find the file /no/such in container ${r.id}`);
    const { tar } = await svc.archiveGet(r.id, '/srv/d');
    const file = path.join(root, 'cp.tar');
    await fs.writeFile(file, await collect(tar));
    const names = execFileSync('tar', ['-tvf', file]).toString();
    expect(names).toMatch(/d\/f\.txt/);
    expect(names).toMatch(/d\/link -> f\.txt/);
    expect(names).toMatch(/d\/sub\//);
    await new Promise((res) => setTimeout(res, 100));
    expect(mountsUnder(layout.containerDir(r.id))).toEqual([]);
    await svc.remove(r.id);
  });

  it('archive put: files land in the container, through its own symlinks, never outside', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sh', '-c', 'cat /srv/in/new.txt /etc/put.txt'] });
    const src = path.join(root, 'cp-src');
    await fs.mkdir(path.join(src, 'in'), { recursive: true });
    await fs.writeFile(path.join(src, 'in', 'new.txt'), 'copied-in\n');
    const tarOf = (cwd: string, ...names: string[]) => execFileSync('tar', ['--numeric-owner', '-C', cwd, '-cf', '-', ...names]);
    await svc.archivePut(Id, '/srv', Readable.from([tarOf(src, 'in')]));
    // a symlink in the container pointing at /etc means the container's /etc
    const mnt = await svc.mountRootfs(Id);
    await fs.symlink('/etc', path.join(mnt.path, 'srv', 'etc-link'));
    await mnt.release();
    await fs.writeFile(path.join(src, 'put.txt'), 'into-etc\n');
    await svc.archivePut(Id, '/srv/etc-link', Readable.from([tarOf(src, 'put.txt')]));
    await expect(fs.stat('/etc/put.txt')).rejects.toThrow();
    await expect(svc.archivePut(Id, '/no/such/dir', Readable.from([tarOf(src, 'put.txt')]))).rejects.toThrow('Could not find the file');
    const w = await svc.wait(Id, 'next-exit');
    const att = await svc.attach(Id, { stream: true, stdout: true, stderr: true });
    const c = fakeConn();
    const done = att.connect(c.conn);
    await svc.start(Id);
    expect((await w.result).StatusCode).toBe(0);
    await done;
    expect((await demux(Buffer.concat(c.out))).stdout).toBe('copied-in\ninto-etc\n');
    expect(await fs.readdir(layout.containerDir(Id))).not.toContain(expect.stringMatching(/^cp-/));
    await svc.remove(Id);
  });

  it('commit: the container changes become a child image that runs', async () => {
    const r = await run({ Cmd: ['sh', '-c', 'echo committed-data > /srv/committed.txt'] });
    expect(r.status.StatusCode).toBe(0);
    const { Id: imageId } = await svc.commit(r.id, {
      repo: 'docker.io/library/committed-test',
      tag: 'v1',
      author: 'me',
      comment: 'test commit',
      changes: ['ENV COMMITTED=1', 'CMD ["sh", "-c", "cat /srv/committed.txt; echo $COMMITTED"]'],
    });
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const img = await store.images.get('committed-test:v1');
    expect(img.id).toBe(imageId);
    expect(img.config.author).toBe('me');
    const diff = await store.layers.tarStream(img.layers[img.layers.length - 1] as never);
    const names = execFileSync('tar', ['-t'], { input: await collect(diff) }).toString();
    expect(names).toContain('srv/committed.txt');
    expect(names).not.toContain('etc/hostname');
    const { Id } = await svc.create({ Image: 'committed-test:v1', AttachStdout: true });
    const att = await svc.attach(Id, { stream: true, stdout: true, stderr: true });
    const c = fakeConn();
    const done = att.connect(c.conn);
    const w = await svc.wait(Id, 'next-exit');
    await svc.start(Id);
    expect((await w.result).StatusCode).toBe(0);
    await done;
    expect((await demux(Buffer.concat(c.out))).stdout).toBe('committed-data\n1\n');
    expect(await svc.imageUsers(imageId)).toEqual([{ id: Id, running: false }]);
    await svc.remove(Id);
    await svc.remove(r.id);
  });

  it('AutoRemove removes the container, its snapshot and directory', async () => {
    const r = await run({ Cmd: ['echo', 'bye'], HostConfig: { AutoRemove: true } });
    expect(r.stdout).toBe('bye\n');
    expect(r.status).toEqual({ StatusCode: 0, Error: null });
    await expect(svc.inspect(r.id)).rejects.toThrow(`No such container: ${r.id}`);
    await expect(fs.stat(layout.containerDir(r.id))).rejects.toThrow();
    expect(await store.snapshots.get(r.id)).toBeUndefined();
    // the bundle went into tmp/ and is deleted there once its shim is done; the runtime forgot it
    for (let i = 0; i < 100 && (await fs.readdir(layout.tmpDir)).some((n) => n.includes(r.id)); i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    expect((await fs.readdir(layout.tmpDir)).filter((n) => n.includes(r.id))).toEqual([]);
    await expect(runtime.state(r.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a missing command: 400, exit 127, no mount left', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['no-such-binary'] });
    const w = await svc.wait(Id, 'next-exit');
    await expect(svc.start(Id)).rejects.toThrow(/executable file not found/);
    expect((await w.result).StatusCode).toBe(127);
    expect((await svc.inspect(Id)).State).toMatchObject({ Status: 'created', ExitCode: 127 });
    expect(mountsUnder(layout.containerDir(Id))).toEqual([]);
    await svc.remove(Id);
  });

  it('stop escalates to SIGKILL for a PID 1 that ignores TERM; kill; rm -f', async () => {
    const { Id } = await svc.create({ Image: imageRef, Cmd: ['sleep', '300'] });
    await svc.start(Id);
    const c = await svc.inspect(Id);
    expect(c.State).toMatchObject({ Status: 'running', Running: true });
    expect(c.State.Pid).toBeGreaterThan(0);
    expect((await svc.list()).map((x) => x.Id)).toContain(Id);
    await expect(svc.remove(Id)).rejects.toThrow('You cannot remove a running container');
    const t0 = Date.now();
    await svc.stop(Id, { timeout: 1 });
    expect(Date.now() - t0).toBeLessThan(8000);
    expect((await svc.inspect(Id)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });

    await svc.start(Id);
    await svc.kill(Id);
    expect((await svc.inspect(Id)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    await expect(svc.kill(Id)).rejects.toThrow('is not running');

    await svc.start(Id);
    await svc.remove(Id, { force: true });
    await expect(svc.inspect(Id)).rejects.toThrow('No such container');
    expect(mountsUnder(layout.containerDir(Id))).toEqual([]);
  });

  it('exports the root filesystem as a tar', async () => {
    const { Id } = await svc.create({ Image: imageRef });
    const tar = await svc.export(Id);
    const buf = await collect(tar);
    expect(buf.includes(Buffer.from('srv/greeting.txt'))).toBe(true);
    // exactly the root filesystem Docker exported for this image (fixtures/README.md)
    const listing = execFileSync('python3', [path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'rootfs-listing.py')], { input: buf }).toString();
    expect(listing).toBe(await fs.readFile(path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'multilayer.rootfs.tsv'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(mountsUnder(layout.containerDir(Id))).toEqual([]);
    await svc.remove(Id);
  });

  it('restore: a live container is reconnected, a killed one is recorded as exited', async () => {
    const live = await svc.create({ Image: imageRef, Cmd: ['sleep', '300'] });
    const doomed = await svc.create({ Image: imageRef, Cmd: ['sleep', '300'] });
    await svc.start(live.Id);
    await svc.start(doomed.Id);
    const livePid = (await svc.inspect(live.Id)).State.Pid;
    const doomedPid = (await svc.inspect(doomed.Id)).State.Pid;
    await svc.shutdown();
    process.kill(doomedPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    runtime = new OciRuntime({ stateRoot: path.join(layout.runtimeStateDir, 'runc') });
    svc = await openService();
    expect((await svc.inspect(live.Id)).State).toMatchObject({ Status: 'running', Pid: livePid });
    const d = (await svc.inspect(doomed.Id)).State;
    expect(d.Status).toBe('exited');
    expect(d.ExitCode).toBe(137);
    expect(mountsUnder(layout.containerDir(doomed.Id))).toEqual([]);
    // the reconnected container is supervised again
    const w = await svc.wait(live.Id);
    await svc.kill(live.Id);
    expect((await w.result).StatusCode).toBe(137);
    await svc.remove(live.Id);
    await svc.remove(doomed.Id);
  });
});
