import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError, NotModifiedError } from '@berth/errdefs';
import { Database } from '@berth/sqlite';
import { DataRoot } from '../layout';
import { commitPauseMarker } from './container-commit';
import type { ContainerService } from './container-service';
import { createContainerService } from './create-container-service';
import type { ContainerEvent } from './deps';
import { FakeRuntime, FakeSnapshots, fakeHooks, fakeImages } from './__fixtures__/fakes';

interface Conn {
  conn: Duplex;
  out: Buffer[];
  ended: Promise<void>;
}

/** A stand-in for a hijacked socket: what the daemon writes is collected; push() is the client. */
function fakeConn(): Conn {
  const out: Buffer[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const conn = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
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

/** Demultiplexes stdcopy frames into [stream, text] pairs. */
function frames(buf: Buffer): [number, string][] {
  const out: [number, string][] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const n = buf.readUInt32BE(i + 4);
    out.push([buf[i]!, buf.subarray(i + 8, i + 8 + n).toString()]);
    i += 8 + n;
  }
  return out;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('ContainerService (fake runtime)', () => {
  let root: string;
  let db: Database;
  let runtime: FakeRuntime;
  let snapshots: FakeSnapshots;
  let events: ContainerEvent[];
  let svc: ContainerService;
  let hooks: ReturnType<typeof fakeHooks>;

  async function open(): Promise<ContainerService> {
    hooks = fakeHooks(runtime);
    const s = await createContainerService(
      {
        db,
        layout: new DataRoot(root, path.join(root, 'exec-root')),
        images: fakeImages(),
        snapshots,
        runtime,
        packDirectory: () => {
          throw new Error('unused');
        },
        onEvent: (e) => events.push(e),
      },
      hooks,
    );
    await s.restore();
    return s;
  }

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-'));
    db = await Database.open(path.join(root, 'berth.db'));
    runtime = new FakeRuntime();
    snapshots = new FakeSnapshots();
    events = [];
    svc = await open();
  });

  afterEach(async () => {
    await svc.shutdown();
    await db.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('create: merges the image config, names the container, answers 201 shape', async () => {
    const { Id, Warnings } = await svc.create({ Image: 'busybox', Cmd: ['echo', 'hi'], Labels: { l: '1' } }, { name: 'web' });
    expect(Id).toMatch(/^[0-9a-f]{64}$/);
    expect(Warnings).toEqual([]);
    const c = await svc.inspect('web');
    expect(c.Name).toBe('/web');
    expect(c.Path).toBe('echo');
    expect(c.Args).toEqual(['hi']);
    expect(c.Config.Env).toEqual(['PATH=/bin']);
    expect(c.Config.Labels).toEqual({ from: 'image', l: '1' });
    expect(c.Config.Hostname).toBe(Id.slice(0, 12));
    expect(c.State.Status).toBe('created');
    expect(c.State.StartedAt).toBe('0001-01-01T00:00:00Z');
    expect(c.GraphDriver.Data?.UpperDir).toContain(Id);
    expect(await svc.inspect(Id.slice(0, 5)).then((x) => x.Id)).toBe(Id);
    expect(events.map((e) => e.action)).toEqual(['create']);
  });

  it('create: random names, name conflicts and missing images as docker says', async () => {
    const a = await svc.create({ Image: 'busybox' });
    expect((await svc.inspect(a.Id)).Name).toMatch(/^\/[a-z]+_[a-z]+\d?$/);
    const b = await svc.create({ Image: 'busybox' }, { name: 'trace-x' });
    await expect(svc.create({ Image: 'busybox' }, { name: '/trace-x' })).rejects.toThrow(
      `Conflict. The container name "/trace-x" is already in use by container "${b.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    await expect(svc.create({ Image: 'nosuch:v1' })).rejects.toThrow(/^No such image: nosuch:v1$/);
    await expect(svc.create({ Image: 'busybox' }, { name: 'bad name' })).rejects.toThrow(InvalidArgumentError);
    await expect(svc.create({ Image: 'Bad Image!!' })).rejects.toThrow(/invalid reference format/);
    // nothing is left behind by failed creates
    expect((await svc.list({ all: true })).length).toBe(2);
    expect((await fs.readdir(path.join(root, 'containers'))).length).toBe(2);
  });

  it('unknown containers are 404 with docker message', async () => {
    await expect(svc.inspect('trace-nonexistent')).rejects.toThrow(/^No such container: trace-nonexistent$/);
    await expect(svc.remove('trace-nonexistent')).rejects.toThrow(NotFoundError);
  });

  it('run: attach before start, wait next-exit, output framed, socket closed at exit', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['out-err'], AttachStdout: true, AttachStderr: true });
    const att = await svc.attach(Id, { stream: true, stdout: true, stderr: true });
    expect(att.tty).toBe(false);
    const c = fakeConn();
    const attached = att.connect(c.conn);
    c.conn.push(null); // the CLI's FIN right after the 101: output must keep flowing
    const wait = await svc.wait(Id, 'next-exit');
    await svc.start(Id);
    expect(await wait.result).toEqual({ StatusCode: 7, Error: null });
    await c.ended;
    await attached;
    expect(frames(Buffer.concat(c.out))).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    const st = (await svc.inspect(Id)).State;
    expect(st).toMatchObject({ Status: 'exited', ExitCode: 7, Running: false, Pid: 0 });
    expect(st.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect(hooks.mounted.size).toBe(0);
    // not-running on an exited container answers at once
    expect(await (await svc.wait(Id)).result).toEqual({ StatusCode: 7, Error: null });
    // logs replay in order, with and without timestamps, stream filters, tail
    const all = await svc.logs(Id, { stdout: true, stderr: true });
    expect(frames(await collect(all.chunks))).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    const onlyErr = await svc.logs(Id, { stderr: true, timestamps: true });
    const f = frames(await collect(onlyErr.chunks));
    expect(f.length).toBe(1);
    expect(f[0]![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
    const tail = await svc.logs(Id, { stdout: true, stderr: true, tail: 1 });
    expect(frames(await collect(tail.chunks))).toEqual([[2, 'err\n']]);
    await expect(svc.logs(Id, {})).rejects.toThrow('you must choose at least one stream');
    expect(events.map((e) => e.action)).toEqual(['create', 'attach', 'start', 'die']);
    expect(events.find((e) => e.action === 'die')!.attributes.exitCode).toBe('7');
  });

  it('log driver none: output still reaches attached clients, logs says it cannot read', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['echo', 'unlogged'], HostConfig: { LogConfig: { Type: 'none', Config: {} } } });
    expect((await svc.inspect(Id)).HostConfig.LogConfig).toEqual({ Type: 'none', Config: {} });
    const att = await svc.attach(Id, { stream: true, stdout: true });
    const c = fakeConn();
    const done = att.connect(c.conn);
    await svc.start(Id);
    await done;
    expect(frames(Buffer.concat(c.out))).toEqual([[1, 'unlogged\n']]);
    await expect(svc.logs(Id, { stdout: true })).rejects.toThrow('configured logging driver does not support reading');
  });

  it('a slow attached client holds the output; kill releases it', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['flood'] });
    const att = await svc.attach(Id, { stream: true, stdout: true });
    const pending: (() => void)[] = [];
    let reading = false;
    const conn = new Duplex({
      read() {},
      write(_chunk: Buffer, _enc, cb) {
        if (reading) cb();
        else pending.push(cb); // the client does not read
      },
    });
    const done = att.connect(conn);
    await svc.start(Id);
    const task = runtime.tasks.get(Id)!;
    for (let i = 0; i < 50 && task.flow.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(task.flow).toEqual(['pause']);
    reading = true; // the client catches up, and reads from now on
    pending.splice(0).forEach((cb) => cb());
    for (let i = 0; i < 50 && task.flow.length === 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(task.flow).toEqual(['pause', 'resume']);
    await svc.kill(Id);
    await done;
  });

  it('stdin sent before start is delivered; client FIN closes stdin with StdinOnce', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true });
    const att = await svc.attach(Id, { stream: true, stdin: true, stdout: true, stderr: true });
    const c = fakeConn();
    const done = att.connect(c.conn);
    c.conn.push(Buffer.from('line1\nline2\n'));
    c.conn.push(null);
    const wait = await svc.wait(Id, 'removed');
    await svc.start(Id);
    await done;
    expect(frames(Buffer.concat(c.out))).toEqual([[1, 'line1\nline2\n']]);
    await svc.remove(Id);
    expect(await wait.result).toEqual({ StatusCode: 0, Error: null });
  });

  it('start: 304 when running; stop sends TERM and waits; 304 when stopped', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'ss' });
    await svc.start('ss');
    await expect(svc.start('ss')).rejects.toThrow(NotModifiedError);
    expect((await svc.list()).map((c) => c.Names[0])).toEqual(['/ss']);
    expect((await svc.list())[0]!.Status).toMatch(/^Up /);
    await expect(svc.remove('ss')).rejects.toThrow(
      `You cannot remove a running container ${Id}. Stop the container before attempting removal or force remove`,
    );
    await svc.stop('ss', { timeout: 1 });
    expect(runtime.tasks.get(Id)!.signals).toEqual([15]);
    expect((await svc.inspect('ss')).State).toMatchObject({ Status: 'exited', ExitCode: 143 });
    await expect(svc.stop('ss')).rejects.toThrow(NotModifiedError);
    expect(await svc.list()).toEqual([]);
    expect((await svc.list({ all: true }))[0]!.Status).toMatch(/^Exited \(143\) (Less than a second|\d+ seconds?) ago$/);
  });

  it('stop escalates to KILL after the timeout', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep', '--ignore-term'] });
    await svc.start(Id);
    const t0 = Date.now();
    await svc.stop(Id, { timeout: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(runtime.tasks.get(Id)!.signals).toEqual([15, 9]);
    expect((await svc.inspect(Id)).State.ExitCode).toBe(137);
  });

  it('kill: signal names and numbers, 400 for bad ones, 409 when not running', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'kk' });
    await svc.start(Id);
    await expect(svc.kill('kk', 'NOPE')).rejects.toThrow(InvalidArgumentError);
    await svc.kill('kk', 'USR1');
    await svc.kill('kk', 'SIGUSR1');
    await svc.kill('kk', '10');
    await svc.kill('kk');
    expect(runtime.tasks.get(Id)!.signals).toEqual([10, 10, 10, 9]);
    expect((await svc.inspect('kk')).State.Status).toBe('exited');
    await expect(svc.kill('kk')).rejects.toThrow(new ConflictError(`Cannot kill container: kk: Container ${Id} is not running`));
  });

  it('pause/unpause: frozen containers show (Paused), refuse kill and stop, rm -f thaws them', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'], Tty: true, HostConfig: { ConsoleSize: [24, 80] } }, { name: 'pp' });
    await expect(svc.pause('pp')).rejects.toThrow(`Container ${Id} is not running`);
    await expect(svc.unpause('pp')).rejects.toThrow(`Container ${Id} is not paused`);
    await svc.start('pp');
    await svc.resize('pp', 30, 100);
    expect(runtime.tasks.get(Id)!.sizes).toEqual([[30, 100]]);
    await svc.pause('pp');
    expect(runtime.paused.has(Id)).toBe(true);
    await expect(svc.pause('pp')).rejects.toThrow(ConflictError);
    const row = (await svc.list())[0]!;
    expect(row.State).toBe('paused');
    expect(row.Status).toMatch(/^Up .* \(Paused\)$/);
    await expect(svc.kill('pp')).rejects.toThrow('is paused. Unpause the container before stopping or killing');
    await expect(svc.stop('pp')).rejects.toThrow(ConflictError);
    expect(await svc.counts()).toMatchObject({ paused: 1, running: 0 });
    await svc.unpause('pp');
    expect((await svc.inspect('pp')).State).toMatchObject({ Status: 'running', Paused: false });
    await svc.pause('pp');
    await svc.remove('pp', { force: true });
    expect(runtime.paused.has(Id)).toBe(false);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['pause', 'unpause', 'destroy']));
  });

  it('exec: 409 unless running, output framed, exit code in inspect, failures as output with 126', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'ex' });
    await expect(svc.execCreate('ex', { Cmd: ['echo', 'x'] })).rejects.toThrow(`Container ${Id} is not running`);
    await svc.start('ex');
    await expect(svc.execCreate('ex', { Cmd: [] })).rejects.toThrow('No exec command specified');
    await expect(svc.execCreate('ex', { Cmd: 'echo', Env: 'A=1' })).rejects.toThrow(InvalidArgumentError);
    const { Id: execId } = await svc.execCreate('ex', { Cmd: ['out-err'], AttachStdout: true, AttachStderr: true });
    expect((await svc.execInspect(execId)).ExitCode).toBeNull();
    const att = (await svc.execStart(execId))!;
    const c = fakeConn();
    c.conn.push(null);
    await att.connect(c.conn);
    await c.ended;
    expect(frames(Buffer.concat(c.out))).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    expect(await svc.execInspect(execId)).toMatchObject({ ID: execId, Running: false, ExitCode: 7, ContainerID: Id, ProcessConfig: { entrypoint: 'out-err', arguments: [] } });
    await expect(svc.execStart(execId)).rejects.toThrow(ConflictError);
    expect((await svc.inspect('ex')).ExecIDs).toEqual([execId]);

    const bad = await svc.execCreate('ex', { Cmd: ['true'], WorkingDir: '/no/such/dir', AttachStdout: true });
    const c2 = fakeConn();
    await (await svc.execStart(bad.Id))!.connect(c2.conn);
    const f = frames(Buffer.concat(c2.out));
    expect(f[0]![1]).toMatch(/^OCI runtime exec failed: .*no such file or directory: unknown\r\n$/);
    expect((await svc.execInspect(bad.Id)).ExitCode).toBe(126);

    const stdin = await svc.execCreate('ex', { Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const c3 = fakeConn();
    const done = (await svc.execStart(stdin.Id))!.connect(c3.conn);
    c3.conn.push(Buffer.from('piped\n'));
    c3.conn.push(null);
    await done;
    expect(frames(Buffer.concat(c3.out))).toEqual([[1, 'piped\n']]);

    const det = await svc.execCreate('ex', { Cmd: ['exit', '2'] });
    expect(await svc.execStart(det.Id, { detach: true })).toBeUndefined();
    for (let i = 0; i < 50 && (await svc.execInspect(det.Id)).Running; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await svc.execInspect(det.Id)).ExitCode).toBe(2);
    await expect(svc.execInspect('nope')).rejects.toThrow('No such exec instance: nope');
    await svc.remove('ex', { force: true });
    await expect(svc.execInspect(execId)).rejects.toThrow(NotFoundError);
  });

  it('rm -f kills a running container and removes everything', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] });
    await svc.start(Id);
    const removed = await svc.wait(Id, 'removed');
    await svc.remove(Id, { force: true });
    expect(await removed.result).toEqual({ StatusCode: 137, Error: null });
    await expect(svc.inspect(Id)).rejects.toThrow(NotFoundError);
    expect(await fs.readdir(path.join(root, 'containers'))).toEqual([]);
    expect(snapshots.dirs.size).toBe(0);
    expect(hooks.mounted.size).toBe(0);
    expect(events.map((e) => e.action)).toContain('destroy');
  });

  it('AutoRemove: the container is gone after exit; wait removed answers the exit code', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['exit', '3'], HostConfig: { AutoRemove: true } });
    const w = await svc.wait(Id, 'removed');
    await svc.start(Id);
    expect(await w.result).toEqual({ StatusCode: 3, Error: null });
    await expect(svc.inspect(Id)).rejects.toThrow(NotFoundError);
  });

  it('a failed start: 400, exit code 127, attach closed, AutoRemove still removes', async () => {
    const kept = await svc.create({ Image: 'busybox', Cmd: ['nope'] });
    const att = await svc.attach(kept.Id, { stream: true, stdout: true });
    const c = fakeConn();
    const done = att.connect(c.conn);
    const w = await svc.wait(kept.Id, 'next-exit');
    await expect(svc.start(kept.Id)).rejects.toThrow(InvalidArgumentError);
    await done;
    expect(await w.result).toEqual({ StatusCode: 127, Error: null });
    const st = (await svc.inspect(kept.Id)).State;
    expect(st).toMatchObject({ Status: 'created', ExitCode: 127 });
    expect(st.Error).toContain('executable file not found');
    expect(hooks.mounted.size).toBe(0);

    const rm = await svc.create({ Image: 'busybox', Cmd: ['nope'], HostConfig: { AutoRemove: true } });
    const w2 = await svc.wait(rm.Id, 'removed');
    await expect(svc.start(rm.Id)).rejects.toThrow('executable file not found');
    expect(await w2.result).toEqual({ StatusCode: 127, Error: null });
  });

  it('wait: the client going away answers context canceled; bad conditions are 400', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] });
    await expect(svc.wait(Id, 'whenever')).rejects.toThrow(InvalidArgumentError);
    const ac = new AbortController();
    const w = await svc.wait(Id, 'next-exit', ac.signal);
    ac.abort();
    expect(await w.result).toEqual({ StatusCode: -1, Error: { Message: 'context canceled' } });
  });

  it('restart policy on-failure restarts up to the maximum', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['exit', '1'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await svc.start(Id);
    for (let i = 0; i < 100; i++) {
      const st = await svc.inspect(Id);
      if (st.RestartCount === 2 && st.State.Status === 'exited') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = await svc.inspect(Id);
    expect(c.RestartCount).toBe(2);
    expect(c.State.Status).toBe('exited');
  });

  it('list: filters by name, label, status, exited, id, before/since; limit; size', async () => {
    const a = await svc.create({ Image: 'busybox', Cmd: ['exit', '4'], Labels: { trace: '1' } }, { name: 'trace-a' });
    const b = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'trace-b' });
    const c = await svc.create({ Image: 'busybox', Cmd: ['echo', 'with space'] }, { name: 'other' });
    const wa = await svc.wait(a.Id, 'next-exit');
    await svc.start(a.Id);
    await wa.result;
    await svc.start(b.Id);
    const names = async (o: Parameters<ContainerService['list']>[0]) => (await svc.list(o)).map((x) => x.Names[0]);
    const f = (o: Record<string, string[]>) => new Map(Object.entries(o));
    expect(await names({})).toEqual(['/trace-b']);
    expect(await names({ all: true })).toEqual(['/other', '/trace-b', '/trace-a']);
    expect(await names({ limit: 2 })).toEqual(['/other', '/trace-b']);
    expect(await names({ all: true, filters: f({ name: ['trace-'] }) })).toEqual(['/trace-b', '/trace-a']);
    expect(await names({ filters: f({ status: ['exited'] }) })).toEqual(['/trace-a']);
    expect(await names({ filters: f({ status: ['created'] }) })).toEqual(['/other']);
    expect(await names({ all: true, filters: f({ label: ['trace=1'] }) })).toEqual(['/trace-a']);
    expect(await names({ all: true, filters: f({ label: ['from=image'] }) })).toHaveLength(3);
    expect(await names({ all: true, filters: f({ exited: ['4'] }) })).toEqual(['/trace-a']);
    expect(await names({ all: true, filters: f({ id: [b.Id.slice(0, 6)] }) })).toEqual(['/trace-b']);
    expect(await names({ all: true, filters: f({ before: ['other'] }) })).toEqual(['/trace-b', '/trace-a']);
    expect(await names({ all: true, filters: f({ since: ['trace-a'] }) })).toEqual(['/other', '/trace-b']);
    expect(await names({ all: true, filters: f({ ancestor: ['busybox'] }) })).toHaveLength(3);
    await expect(svc.list({ filters: f({ status: ['sleepy'] }) })).rejects.toThrow(InvalidArgumentError);
    await expect(svc.list({ filters: f({ colour: ['x'] }) })).rejects.toThrow("invalid filter 'colour'");
    const other = (await svc.list({ all: true, size: true })).find((x) => x.Id === c.Id)!;
    expect(other.Command).toBe("echo 'with space'");
    expect(other.Status).toBe('Created');
    expect(other.SizeRw).toBe(42);
    expect(other.SizeRootFs).toBe(1042);
    expect(await svc.counts()).toEqual({ total: 3, running: 1, paused: 0, stopped: 2 });
    expect(await svc.imageUsers(c.Id)).toEqual([]);
    expect((await svc.imageUsers((await svc.inspect(c.Id)).Image)).length).toBe(3);
    await svc.remove(b.Id, { force: true });
  });

  it('update: resources and restart policy are stored; zeros leave things as they were', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'], HostConfig: { Memory: 64 * 1024 * 1024 } });
    expect(await svc.update(Id, { Memory: 128 * 1024 * 1024, MemorySwap: 256 * 1024 * 1024, NanoCpus: 1e9, CpuShares: 0, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } })).toEqual({ Warnings: null });
    const h = (await svc.inspect(Id)).HostConfig;
    expect(h).toMatchObject({ Memory: 134217728, MemorySwap: 268435456, NanoCpus: 1e9, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    await expect(svc.update(Id, { RestartPolicy: { Name: 'sometimes' } })).rejects.toThrow(InvalidArgumentError);
    await expect(svc.update(Id, { Memory: 5 })).rejects.toThrow('Minimum memory limit allowed is 6MB');
    await svc.start(Id);
    expect((await svc.update(Id, { Memory: 96 * 1024 * 1024 })).Warnings).toBeNull();
    expect(runtime.updates.get(Id)).toMatchObject({ memory: 96 * 1024 * 1024, nanoCpus: 1e9 });
    const auto = await svc.create({ Image: 'busybox', HostConfig: { AutoRemove: true } });
    await expect(svc.update(auto.Id, { RestartPolicy: { Name: 'always' } })).rejects.toThrow('AutoRemove');
    await svc.remove(Id, { force: true });
  });

  it('update: a limit the runtime refuses live is a 500 (moby errdefs.System) and nothing is stored', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'], HostConfig: { Memory: 64 * 1024 * 1024, MemorySwap: 128 * 1024 * 1024 } });
    await svc.start(Id);
    const update = runtime.update.bind(runtime);
    runtime.update = async () => {
      throw new Error('crun: write memory.limit_in_bytes: Device or resource busy');
    };
    try {
      const err = await svc.update(Id, { Memory: 8 * 1024 * 1024 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as Error).message).toBe(`Cannot update container ${Id}: crun: write memory.limit_in_bytes: Device or resource busy`);
    } finally {
      runtime.update = update;
    }
    expect((await svc.inspect(Id)).HostConfig.Memory).toBe(64 * 1024 * 1024);
    await svc.remove(Id, { force: true });
  });

  it('update below API 1.40: PidsLimit is decoded, then dropped (moby postContainerUpdate)', async () => {
    const { Id } = await svc.create({ Image: 'busybox', HostConfig: { PidsLimit: 40 } });
    await svc.update(Id, { PidsLimit: 0, CpuShares: 512 }, { pidsLimit: false });
    expect((await svc.inspect(Id)).HostConfig).toMatchObject({ PidsLimit: 40, CpuShares: 512 });
    await expect(svc.update(Id, { PidsLimit: 'x' }, { pidsLimit: false })).rejects.toThrow(InvalidArgumentError);
    await svc.update(Id, { PidsLimit: 0 });
    expect((await svc.inspect(Id)).HostConfig.PidsLimit).toBe(0);
  });

  it('a removal the full disk refused leaves the container removable once the space is back (dead, not stuck removing)', async () => {
    const { Id } = await svc.create({ Image: 'busybox' }, { name: 'full' });
    const full = (): Error => Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    const run = db.run.bind(db);
    const remove = snapshots.remove.bind(snapshots);
    db.run = (async (sql: string, params?: unknown[]) => {
      if (/^\s*UPDATE containers SET status/.test(sql)) throw full();
      return run(sql, params as never);
    }) as typeof db.run;
    snapshots.remove = async () => {
      throw full();
    };
    try {
      await expect(svc.remove(Id)).rejects.toThrow('database or disk is full');
      expect((await svc.inspect(Id)).State.Status).toBe('dead');
    } finally {
      db.run = run;
      snapshots.remove = remove;
    }
    await svc.remove(Id);
    await expect(svc.inspect(Id)).rejects.toThrow(NotFoundError);
  });

  it('rows the full disk refused while the bundle was being deleted in the background are tried once more after it (the removal succeeds)', async () => {
    const { Id } = await svc.create({ Image: 'busybox' }, { name: 'full-then-freed' });
    const tmp = path.join(root, 'tmp');
    // enough in the bundle that its deletion takes a while: the retry must wait for it
    const fill = path.join(new DataRoot(root).containerDir(Id), 'fill');
    await fs.mkdir(fill);
    await Promise.all(Array.from({ length: 500 }, (_, i) => fs.writeFile(path.join(fill, String(i)), '')));
    const bundleLeft = async () => (await fs.readdir(tmp).catch(() => [] as string[])).some((f) => f.startsWith(`removed-${Id}-`));
    const remove = snapshots.remove.bind(snapshots);
    const calls: { bundleLeft: boolean }[] = [];
    snapshots.remove = async (key: string) => {
      calls.push({ bundleLeft: await bundleLeft() });
      // the first try meets the full disk; the second (after the bundle is gone) finds room
      if (calls.length === 1) throw Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
      return remove(key);
    };
    try {
      await svc.remove(Id);
    } finally {
      snapshots.remove = remove;
    }
    await expect(svc.inspect(Id)).rejects.toThrow(NotFoundError);
    expect(calls).toHaveLength(2);
    // the first try ran while the bundle was still being deleted; the retry waited for that deletion
    expect(calls[0]).toEqual({ bundleLeft: true });
    expect(calls[1]).toEqual({ bundleLeft: false });
    expect(await db.get('SELECT id FROM containers WHERE id = ?', [Id])).toBeUndefined();
  });

  it('rename: moves the name, 409 when taken', async () => {
    const a = await svc.create({ Image: 'busybox' }, { name: 'ren-a' });
    await svc.create({ Image: 'busybox' }, { name: 'ren-b' });
    await expect(svc.rename('ren-a', 'ren-b')).rejects.toThrow(ConflictError);
    await svc.rename('ren-a', 'ren-c');
    expect((await svc.inspect('ren-c')).Id).toBe(a.Id);
    await expect(svc.inspect('ren-a')).rejects.toThrow(NotFoundError);
    expect(events.find((e) => e.action === 'rename')!.attributes).toMatchObject({ name: 'ren-c', oldName: '/ren-a' });
  });

  it('prune: removes stopped containers matching the label filter', async () => {
    const keep = await svc.create({ Image: 'busybox', Labels: { p: '1' } });
    const running = await svc.create({ Image: 'busybox', Cmd: ['sleep'], Labels: { p: '1' } });
    await svc.start(running.Id);
    const gone = await svc.create({ Image: 'busybox', Labels: { p: '1', x: 'y' } });
    const r = await svc.prune(new Map([['label', ['x=y']]]));
    expect(r).toEqual({ ContainersDeleted: [gone.Id], SpaceReclaimed: 42 });
    const r2 = await svc.prune(new Map([['label', ['p']]]));
    expect(r2.ContainersDeleted).toEqual([keep.Id]);
    expect(await svc.prune()).toEqual({ ContainersDeleted: null, SpaceReclaimed: 0 });
    await svc.remove(running.Id, { force: true });
  });

  it('restore: reconnects live tasks, records dead ones truthfully, removes AutoRemove leftovers', async () => {
    const live = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'live' });
    const died = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'died' });
    const vanished = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'vanished' });
    const auto = await svc.create({ Image: 'busybox', Cmd: ['sleep'], HostConfig: { AutoRemove: true } }, { name: 'auto' });
    const always = await svc.create({ Image: 'busybox', Cmd: ['sleep'], HostConfig: { RestartPolicy: { Name: 'always' } } }, { name: 'always' });
    for (const c of [live, died, vanished, auto, always]) await svc.start(c.Id);
    // daemon goes away: tasks keep running under their shims
    await svc.shutdown();
    expect(runtime.tasks.get(live.Id)!.detached).toBe(true);
    // meanwhile: `died` exits with 3, `vanished` loses its shim, `auto` and `always` exit
    runtime.survivors.set(live.Id, runtime.tasks.get(live.Id)!);
    runtime.survivors.set(died.Id, { exitCode: 3, finishedAt: '2026-11-28T09:00:00.5Z', oomKilled: false });
    runtime.survivors.set(auto.Id, { exitCode: 0, finishedAt: '2026-11-28T09:00:00.5Z', oomKilled: false });
    runtime.survivors.set(always.Id, { exitCode: 1, finishedAt: '2026-11-28T09:00:00.5Z', oomKilled: false });
    svc = await open();
    expect((await svc.inspect('live')).State).toMatchObject({ Status: 'running', Pid: runtime.tasks.get(live.Id)!.pid });
    expect((await svc.inspect('died')).State).toMatchObject({ Status: 'exited', ExitCode: 3, FinishedAt: '2026-11-28T09:00:00.5Z' });
    expect((await svc.inspect('vanished')).State).toMatchObject({ Status: 'exited', ExitCode: 255 });
    await expect(svc.inspect('auto')).rejects.toThrow(NotFoundError);
    const a = await svc.inspect('always');
    expect(a.State.Status).toBe('running');
    expect(a.RestartCount).toBe(1);
    // the reconnected task is supervised: its exit is recorded
    const w = await svc.wait('live');
    runtime.tasks.get(live.Id)!.finish(5);
    expect(await w.result).toEqual({ StatusCode: 5, Error: null });
    expect((await svc.inspect('live')).State.Status).toBe('exited');
    await svc.remove('always', { force: true });
  });

  it('restore: a commit\'s pause cut by the daemon\'s death is undone; the row says running even when the runtime cannot tell its state', async () => {
    const c = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'cut-commit' });
    await svc.start(c.Id);
    await svc.pause(c.Id);
    await fs.writeFile(commitPauseMarker(new DataRoot(root).containerDir(c.Id)), '');
    await svc.shutdown();
    runtime.survivors.set(c.Id, runtime.tasks.get(c.Id)!);
    const rt = runtime as unknown as { state?: (id: string) => Promise<unknown> };
    rt.state = async () => {
      throw new Error('state: shim not answering');
    };
    try {
      svc = await open();
    } finally {
      delete rt.state;
    }
    expect(runtime.paused.has(c.Id)).toBe(false);
    expect((await svc.inspect(c.Id)).State).toMatchObject({ Status: 'running', Paused: false });
    await svc.remove(c.Id, { force: true });
  });
});
