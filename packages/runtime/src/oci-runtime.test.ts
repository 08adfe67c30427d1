import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OciRuntime } from './oci-runtime';
import { buildExecProcess } from './build-spec';
import { readCgroupStats } from './cgroup-stats';
import type { RuntimeSpec } from '@berth/oci';
import type { Task } from './task';
import type { ExitStatus, OutputChunk } from './types';
import { makeBundle, makeRootfs, tempDir, type TestBundle } from './__fixtures__/busybox-bundle';

jest.setTimeout(60000);

let root: string;
let rootfs: string;
let runtime: OciRuntime;
const created: { rt: OciRuntime; id: string; shimPid?: number }[] = [];

beforeAll(async () => {
  // Build the shim when missing or older than its source (other test suites may be running it).
  const pkg = path.resolve(__dirname, '..');
  const bin = await fs.stat(path.join(pkg, 'shim/build/berth-shim')).catch(() => undefined);
  const src = await fs.stat(path.join(pkg, 'shim/berth-shim.c'));
  if (!bin || bin.mtimeMs < src.mtimeMs) execFileSync('npm', ['run', 'build:native'], { cwd: pkg, stdio: 'ignore' });
  root = await tempDir();
  rootfs = await makeRootfs(root);
  runtime = new OciRuntime({ stateRoot: path.join(root, 'state-runc') });
});

afterAll(async () => {
  for (const c of created) {
    if (c.shimPid && c.shimPid > 0) {
      try {
        process.kill(c.shimPid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await c.rt.delete(c.id).catch(() => undefined);
  }
  await fs.rm(root, { recursive: true, force: true });
});

async function create(b: TestBundle, opts: { rt?: OciRuntime; openStdin?: boolean; logMaxSize?: number; logMaxFiles?: number } = {}): Promise<Task> {
  const rt = opts.rt ?? runtime;
  const rec: { rt: OciRuntime; id: string; shimPid?: number } = { rt, id: b.id };
  created.push(rec);
  const task = await rt.create({ id: b.id, bundle: b.bundle, logPath: b.logPath, openStdin: opts.openStdin, logMaxSize: opts.logMaxSize, logMaxFiles: opts.logMaxFiles });
  rec.shimPid = task.shimPid;
  return task;
}

function collect(task: Task): { chunks: OutputChunk[]; text: (s?: 'stdout' | 'stderr') => string } {
  const chunks: OutputChunk[] = [];
  task.subscribe((c) => chunks.push(c));
  return {
    chunks,
    text: (s) => Buffer.concat(chunks.filter((c) => !s || c.stream === s).map((c) => c.data)).toString(),
  };
}

async function runToExit(over: Parameters<typeof makeBundle>[2]): Promise<{ status: ExitStatus; out: string; err: string; b: TestBundle }> {
  const b = await makeBundle(root, rootfs, over);
  const task = await create(b);
  const c = collect(task);
  await task.start();
  const status = await task.wait();
  return { status, out: c.text('stdout'), err: c.text('stderr'), b };
}

describe('OciRuntime with runc', () => {
  it('exited() reports the exit (all output first) before wait(), which follows the runtime delete', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'echo out; exit 3'] });
    const task = await create(b);
    const c = collect(task);
    const order: string[] = [];
    const early = task.exited!().then((s) => {
      order.push(`exited:${c.text('stdout')}`);
      return s;
    });
    const late = task.wait().then((s) => {
      order.push('wait');
      return s;
    });
    await task.start();
    const [e, w] = await Promise.all([early, late]);
    expect(order).toEqual(['exited:out\n', 'wait']);
    expect(e).toEqual(w);
    expect(e.exitCode).toBe(3);
    await expect(task.kill('TERM')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(runtime.state(b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(JSON.parse(await fs.readFile(path.join(b.bundle, 'exit.json'), 'utf8')).exitCode).toBe(3);
  });

  it('runs echo: output reaches the subscriber and the json-file log', async () => {
    const { status, out, b } = await runToExit({ cmd: ['echo', 'hi'] });
    expect(status.exitCode).toBe(0);
    expect(status.oomKilled).toBe(false);
    expect(status.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(out).toBe('hi\n');
    const log = await fs.readFile(b.logPath, 'utf8');
    expect(log).toMatch(/^\{"log":"hi\\n","stream":"stdout","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z"\}\n$/);
    const exit = JSON.parse(await fs.readFile(path.join(b.bundle, 'exit.json'), 'utf8'));
    expect(exit.exitCode).toBe(0);
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
  });
});

describe('OciRuntime with runc: the container sees what the spec says', () => {
  it('user, groups, hostname, /etc files, devices, cwd, env, network', async () => {
    const { out, err, status } = await runToExit({
      cmd: ['sh', '-c', 'id; hostname; cat /etc/hostname; head -1 /etc/hosts; ls /dev/null /dev/zero /dev/urandom /dev/pts; echo $HOME; pwd; ls /sys/class/net'],
      user: 'alice',
      workingDir: '/tmp',
      hostname: 'testhost',
    });
    expect(err).toBe('');
    expect(status.exitCode).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('uid=1000(alice) gid=1000(alice) groups=10(wheel),50(staff)');
    expect(lines[1]).toBe('testhost');
    expect(lines[2]).toBe('testhost');
    expect(lines[3]).toBe('127.0.0.1\tlocalhost');
    expect(out).toContain('/dev/null\n/dev/urandom\n/dev/zero\n');
    expect(out).toContain('/home/alice\n/tmp\n');
    expect(lines[lines.length - 1]).toBe('lo');
  });
});

describe('OciRuntime with runc: process state', () => {
  it('the container process starts with no ignored or blocked signals', async () => {
    const { out } = await runToExit({ cmd: ['cat', '/proc/self/status'] });
    expect(out).toMatch(/^SigIgn:\s+0+$/m);
    expect(out).toMatch(/^SigBlk:\s+0+$/m);
  });
});

describe('OciRuntime with runc: exits, errors, signals', () => {
  it('reports the exit code', async () => {
    const { status } = await runToExit({ cmd: ['sh', '-c', 'exit 3'] });
    expect(status.exitCode).toBe(3);
  });

  it('rotates the json-file log at max-size, keeping max-file files of whole entries', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'] });
    const task = await create(b, { logMaxSize: 64 * 1024, logMaxFiles: 3 });
    await task.start();
    expect((await task.wait()).exitCode).toBe(0);
    const files = [`${b.logPath}.2`, `${b.logPath}.1`, b.logPath];
    await expect(fs.stat(`${b.logPath}.3`)).rejects.toThrow();
    const lines: string[] = [];
    for (const f of files) {
      const text = await fs.readFile(f, 'utf8');
      expect(text.length).toBeLessThanOrEqual(64 * 1024);
      for (const l of text.split('\n').filter(Boolean)) lines.push((JSON.parse(l) as { log: string }).log);
    }
    // the newest entries, consecutive, ending with the last one
    expect(lines[lines.length - 1]).toBe('line 19999\n');
    const first = Number(lines[0]!.slice(5));
    expect(lines).toEqual(lines.map((_, i) => `line ${first + i}\n`));
  });

  it('separates stdout and stderr, in the log too', async () => {
    const { out, err, b } = await runToExit({ cmd: ['sh', '-c', 'echo out; echo err >&2'] });
    expect(out).toBe('out\n');
    expect(err).toBe('err\n');
    const lines = (await fs.readFile(b.logPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.stream, l.log]).sort()).toEqual([
      ['stderr', 'err\n'],
      ['stdout', 'out\n'],
    ]);
  });

  it('rejects a missing binary with the runtime message and leaves nothing behind', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['nope'] });
    created.push({ rt: runtime, id: b.id });
    const err = await runtime.create({ id: b.id, bundle: b.bundle, logPath: b.logPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('executable file not found');
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
    await expect(fs.readFile(b.logPath, 'utf8').catch(() => '')).resolves.toBe('');
  });

  it('kill KILL gives 137', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const task = await create(b);
    await task.start();
    expect(task.pid).toBeGreaterThan(0);
    expect((await runtime.state(b.id)).status).toBe('running');
    await runtime.kill(b.id, 'KILL');
    expect((await task.wait()).exitCode).toBe(137);
  });

  it('kill TERM: 143 when the process dies of it', async () => {
    // PID 1 in a PID namespace ignores signals it has no handler for (as with Docker);
    // a shell that traps TERM and exits with 128+15 reports what Docker reports.
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'trap "exit 143" TERM; echo ready; while true; do sleep 0.1; done'] });
    const task = await create(b);
    const c = collect(task);
    await task.start();
    for (let i = 0; i < 100 && !c.text().includes('ready'); i++) await new Promise((r) => setTimeout(r, 20));
    await runtime.kill(b.id, 'SIGTERM');
    expect((await task.wait()).exitCode).toBe(143);
  });

  it('pauses and resumes', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const task = await create(b);
    await task.start();
    await runtime.pause(b.id);
    expect((await runtime.state(b.id)).status).toBe('paused');
    await runtime.resume(b.id);
    expect((await runtime.state(b.id)).status).toBe('running');
    await task.kill('KILL');
    expect((await task.wait()).exitCode).toBe(137);
    await expect(runtime.state(b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('kill with a number and with a lower-case name; unknown name is InvalidArgument', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const task = await create(b);
    await task.start();
    await expect(runtime.kill(b.id, 'NOPE')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await runtime.kill(b.id, 'cont');
    await runtime.kill(b.id, 9);
    expect((await task.wait()).exitCode).toBe(137);
    await expect(task.kill('KILL')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('passes stdin through and closes it', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['cat'] });
    const task = await create(b, { openStdin: true });
    const c = collect(task);
    await task.writeStdin(Buffer.from('before start\n'));
    await task.start();
    await task.writeStdin(Buffer.from('x'.repeat(100000) + '\n'));
    await task.closeStdin();
    expect((await task.wait()).exitCode).toBe(0);
    expect(c.text('stdout')).toBe('before start\n' + 'x'.repeat(100000) + '\n');
  });
});

describe('OciRuntime: TTY', () => {
  it('runs with a pseudo-terminal: merged output with CRLF, stdin, resize, logged as stdout', async () => {
    const b = await makeBundle(root, rootfs, {
      cmd: ['sh', '-c', 'read line; echo "got $line"; echo err >&2; stty size 2>/dev/null || true; [ -t 1 ] && echo tty'],
      tty: true,
      consoleSize: { height: 30, width: 100 },
    });
    const task = await create(b, { openStdin: true });
    const c = collect(task);
    await task.start();
    await task.resize(40, 120);
    await task.writeStdin(Buffer.from('hello\n'));
    const status = await task.wait();
    expect(status.exitCode).toBe(0);
    const out = c.text();
    expect(c.chunks.every((ch) => ch.stream === 'stdout')).toBe(true);
    expect(out).toContain('got hello\r\n');
    expect(out).toContain('err\r\n');
    expect(out).toContain('tty\r\n');
    expect(out).toContain('40 120\r\n');
    const log = (await fs.readFile(b.logPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.every((l: { stream: string }) => l.stream === 'stdout')).toBe(true);
    expect(log.map((l: { log: string }) => l.log).join('')).toBe(out);
  });
});

describe('OciRuntime: runAtOnce (runtime run --detach)', () => {
  async function createRun(b: TestBundle, openStdin = false): Promise<Task> {
    const rec: { rt: OciRuntime; id: string; shimPid?: number } = { rt: runtime, id: b.id };
    created.push(rec);
    const task = await runtime.create({ id: b.id, bundle: b.bundle, logPath: b.logPath, openStdin, runAtOnce: true });
    rec.shimPid = task.shimPid;
    return task;
  }

  it('hands every byte written before start() to the subscribers made after create', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 4'] });
    const task = await createRun(b);
    await task.exited!(); // the process is done before anyone subscribed
    const c = collect(task);
    expect(c.chunks).toEqual([]);
    await task.start();
    const status = await task.wait();
    expect(status.exitCode).toBe(4);
    expect(c.text('stdout')).toBe('out\n');
    expect(c.text('stderr')).toBe('err\n');
    expect(await fs.readFile(b.logPath, 'utf8')).toContain('"log":"out\\n"');
    await expect(runtime.state(b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stdin, kill and the TTY work as with create + start', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'read l; echo "got $l"; [ -t 1 ] && echo tty; sleep 100'], tty: true });
    const task = await createRun(b, true);
    const c = collect(task);
    await task.start();
    await task.writeStdin(Buffer.from('x\n'));
    for (let i = 0; i < 100 && !c.text().includes('tty'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.text()).toContain('got x\r\n');
    await task.kill('KILL');
    expect((await task.wait()).exitCode).toBe(137);
  });

  it('rejects a missing binary like create does and leaves nothing behind', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['nope'] });
    created.push({ rt: runtime, id: b.id });
    const err = await runtime.create({ id: b.id, bundle: b.bundle, logPath: b.logPath, runAtOnce: true }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('executable file not found');
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
  });
});

describe.each([false, true])('OciRuntime: exec (runAtOnce %s)', (runAtOnce) => {
  it('runs extra processes in a running container: output, exit codes, stdin, TTY, errors', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'], env: ['FROM_CTR=1'] });
    const task = await create(b);
    await task.start();
    const spec = JSON.parse(await fs.readFile(path.join(b.bundle, 'config.json'), 'utf8')) as RuntimeSpec;
    let n = 0;
    const exec = async (input: Parameters<typeof buildExecProcess>[1], openStdin = false): Promise<Task> =>
      runtime.exec({ id: b.id, dir: path.join(b.bundle, 'exec', `e${n++}`), process: await buildExecProcess(spec, input), openStdin, runAtOnce });

    const e1 = await exec({ cmd: ['sh', '-c', 'echo $FROM_CTR $X; id -u; pwd; echo oops >&2; exit 4'], env: ['X=2'], user: 'alice', workingDir: '/tmp' });
    const c1 = collect(e1);
    await e1.start();
    expect(e1.pid).toBeGreaterThan(0);
    expect((await e1.wait()).exitCode).toBe(4);
    expect(c1.text('stdout')).toBe('1 2\n1000\n/tmp\n');
    expect(c1.text('stderr')).toBe('oops\n');

    const e2 = await exec({ cmd: ['cat'] }, true);
    const c2 = collect(e2);
    await e2.start();
    await e2.writeStdin(Buffer.from('piped\n'));
    await e2.closeStdin();
    expect((await e2.wait()).exitCode).toBe(0);
    expect(c2.text()).toBe('piped\n');

    const e3 = await exec({ cmd: ['sh', '-c', '[ -t 0 ] && echo tty; stty size'], tty: true, consoleSize: { height: 10, width: 20 } });
    const c3 = collect(e3);
    await e3.start();
    expect((await e3.wait()).exitCode).toBe(0);
    expect(c3.text()).toBe('tty\r\n10 20\r\n');

    // create + start: start() fails; runAtOnce: exec() does
    const err = (await exec({ cmd: ['nope'] })
      .then((e4) => e4.start())
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.message).toContain('executable file not found');
    expect(err.message).toContain('OCI runtime exec failed');
    expect(err.code).toBe('INVALID_ARGUMENT');

    // the container is untouched by all this
    expect((await runtime.state(b.id)).status).toBe('running');
    const e5 = await exec({ cmd: ['sleep', '100'] });
    await e5.start();
    await task.kill('KILL');
    expect((await task.wait()).exitCode).toBe(137);
    expect((await e5.wait()).exitCode).toBe(137);
  });
});

describe('OciRuntime: TTY size', () => {
  it('starts with the console size from the spec', async () => {
    const { out } = await runToExit({ cmd: ['stty', 'size'], tty: true, consoleSize: { height: 30, width: 100 } });
    expect(out).toBe('30 100\r\n');
  });
});

describe('OciRuntime: long paths and flow control', () => {
  it('works with a bundle path longer than a unix socket path allows', async () => {
    const deep = path.join(root, 'x'.repeat(60), 'y'.repeat(60));
    await fs.mkdir(deep, { recursive: true });
    const b = await makeBundle(deep, rootfs, { cmd: ['echo', 'deep'] });
    expect(path.join(b.bundle, 'shim.sock').length).toBeGreaterThan(108);
    const task = await create(b);
    const c = collect(task);
    await task.start();
    expect((await task.wait()).exitCode).toBe(0);
    expect(c.text()).toBe('deep\n');
  });

  it('pausing output holds the process back without losing anything', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'dd if=/dev/zero bs=65536 count=800 2>/dev/null'] });
    const task = await create(b);
    let bytes = 0;
    task.subscribe((ch) => (bytes += ch.data.length));
    await task.start();
    task.pauseOutput();
    await new Promise((r) => setTimeout(r, 300));
    expect(task.status).toBe('running');
    task.resumeOutput();
    expect((await task.wait()).exitCode).toBe(0);
    expect(bytes).toBe(65536 * 800);
  });
});

describe('OciRuntime: resources', () => {
  it('reads cgroup stats of a running container', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'sleep 100 & sleep 100'], resources: { memory: 64 * 1024 * 1024, pidsLimit: 50 } });
    const task = await create(b);
    await task.start();
    const spec = JSON.parse(await fs.readFile(path.join(b.bundle, 'config.json'), 'utf8')) as RuntimeSpec;
    const s = await readCgroupStats(spec.linux!.cgroupsPath!);
    expect(s.pids.current).toBeGreaterThanOrEqual(2);
    expect(s.pids.limit).toBe(50);
    expect(s.memory.limit).toBe(64 * 1024 * 1024);
    expect(s.memory.usage).toBeGreaterThan(0);
    expect(s.cpu.totalNs).toBeGreaterThan(0);
    expect(s.cpu.hostNs).toBeGreaterThan(0);
    expect(s.cpu.onlineCpus).toBeGreaterThan(0);
    const pids = await runtime.pids(b.id);
    expect(pids).toContain(task.pid);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await runtime.update(b.id, { memory: 128 * 1024 * 1024, memorySwap: -1, pidsLimit: 60 });
    const after = await readCgroupStats(spec.linux!.cgroupsPath!);
    expect(after.memory.limit).toBe(128 * 1024 * 1024);
    expect(after.pids.limit).toBe(60);
    await task.kill('KILL');
    await task.wait();
    await expect(readCgroupStats(spec.linux!.cgroupsPath!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runtime.pids(b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports an OOM kill', async () => {
    const { status } = await runToExit({
      cmd: ['sh', '-c', 'a=$(head -c 100000000 /dev/zero | tr "\\000" a); echo survived'],
      resources: { memory: 8 * 1024 * 1024, memorySwap: 8 * 1024 * 1024 },
    });
    expect(status).toMatchObject({ exitCode: 137, oomKilled: true });
  });
});

describe('OciRuntime: daemon restarts', () => {
  it('reconnects to a live shim after the daemon lost it, then sees the exit', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.05; done'] });
    const first = await create(b);
    await first.start();
    first.detach();
    const again = new OciRuntime({ stateRoot: path.join(root, 'state-runc') });
    const got = await again.reconnect(b.id, b.bundle);
    expect('wait' in got).toBe(true);
    const task = got as Task;
    expect(task.status).toBe('running');
    expect(task.pid).toBe(first.pid);
    const c = collect(task);
    for (let i = 0; i < 100 && !c.text().includes('tick'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.text()).toContain('tick\n');
    await again.kill(b.id, 'KILL');
    expect((await task.wait()).exitCode).toBe(137);
    // and once the shim is gone, reconnect reads exit.json
    const after = await again.reconnect(b.id, b.bundle);
    expect(after).toMatchObject({ exitCode: 137 });
  });

  it('shim killed while connected: wait() reports 255 and the runtime container is deleted', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const task = await create(b);
    await task.start();
    process.kill(task.shimPid, 'SIGKILL');
    expect(await task.wait()).toMatchObject({ exitCode: 255 });
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
  });

  it('shim killed after telling the exit (w) but before its runtime delete: wait() keeps that exit, the runtime forgets the container', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'exit 7'] });
    const task = await create(b);
    const early = task.exited!().then((st) => {
      process.kill(task.shimPid, 'SIGKILL'); // most likely while `runc delete` runs
      return st;
    });
    await task.start();
    const st = await early;
    expect(st.exitCode).toBe(7);
    expect(await task.wait()).toEqual(st);
    for (let i = 0; i < 50 && (await runtime.list()).some((c) => c.id === b.id); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
  });

  it('a second connection takes the shim over without harming the container', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const first = await create(b);
    await first.start();
    const other = new OciRuntime({ stateRoot: path.join(root, 'state-runc') });
    await expect(other.create({ id: b.id, bundle: b.bundle })).rejects.toMatchObject({ code: 'CONFLICT' });
    await first.kill('CONT'); // the probe above did not take the shim away from us
    const second = (await other.reconnect(b.id, b.bundle)) as Task;
    await expect(first.wait()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(second.status).toBe('running');
    expect((await runtime.state(b.id)).status).toBe('running');
    await second.kill('KILL');
    expect((await second.wait()).exitCode).toBe(137);
  });

  it('shim killed: reconnect reports the container dead and nothing stays in the runtime', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sleep', '100'] });
    const first = await create(b);
    await first.start();
    first.detach();
    process.kill(first.shimPid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(first.shimPid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const again = new OciRuntime({ stateRoot: path.join(root, 'state-runc') });
    const got = await again.reconnect(b.id, b.bundle);
    expect(got).toMatchObject({ exitCode: 255, oomKilled: false });
    expect(await again.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
    // The process was killed; at most a zombie waiting for its new parent remains.
    const stat = await fs.readFile(`/proc/${first.pid}/stat`, 'utf8').catch(() => '');
    expect(stat === '' || / Z /.test(stat)).toBe(true);
  });
});

describe('OciRuntime with crun', () => {
  it('runs a container with crun', async () => {
    const crun = new OciRuntime({ name: 'crun', stateRoot: path.join(root, 'state-crun') });
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'echo crun-ok; exit 7'] });
    const task = await create(b, { rt: crun });
    const c = collect(task);
    expect((await crun.state(b.id)).status).toBe('created');
    await task.start();
    const status = await task.wait();
    expect(c.text('stdout')).toBe('crun-ok\n');
    expect(status.exitCode).toBe(7);
    expect(await crun.list()).not.toContainEqual(expect.objectContaining({ id: b.id }));
  });

  it('crun: TTY works too', async () => {
    const crun = new OciRuntime({ name: 'crun', stateRoot: path.join(root, 'state-crun') });
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', '[ -t 1 ] && echo tty'], tty: true });
    const task = await create(b, { rt: crun });
    const c = collect(task);
    await task.start();
    expect((await task.wait()).exitCode).toBe(0);
    expect(c.text()).toBe('tty\r\n');
  });

  it('crun: a missing binary is reported with crun text', async () => {
    const crun = new OciRuntime({ name: 'crun', stateRoot: path.join(root, 'state-crun') });
    const b = await makeBundle(root, rootfs, { cmd: ['nope'] });
    created.push({ rt: crun, id: b.id });
    const err = (await crun.create({ id: b.id, bundle: b.bundle, logPath: b.logPath }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/nope/);
    expect(err.message.toLowerCase()).toMatch(/not found|no such file/);
  });
});

describe('berth-shim json-file log format', () => {
  it('escapes like Docker: control chars, HTML chars, invalid UTF-8, U+2028', async () => {
    const { b, out } = await runToExit({ cmd: ['printf', 'a\\tb<>&"\\\\\\001\\377\\303\\251\\342\\200\\250\\r\\n'] });
    expect(Buffer.from(out, 'utf8').length).toBeGreaterThan(0);
    const log = await fs.readFile(b.logPath, 'utf8');
    const raw = log.slice(0, log.indexOf(',"stream"'));
    expect(raw).toBe('{"log":"a\\u0009b\\u003c\\u003e\\u0026\\"\\\\\\u0001\\ufffdé\\u2028\\r\\n"');
    expect(JSON.parse(log).log).toBe('a\tb<>&"\\\u0001\ufffdé\u2028\r\n');
  });

  it('cuts lines longer than 16 KiB into pieces and keeps a final partial line', async () => {
    const { b, out } = await runToExit({ cmd: ['sh', '-c', "printf '%040000d\\n' 0; printf 'tail-no-newline'"] });
    expect(out.length).toBe(40001 + 15);
    const entries = (await fs.readFile(b.logPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    expect(entries.map((e) => e.log.length)).toEqual([16384, 16384, 40000 - 32768 + 1, 15]);
    expect(entries[2].log.endsWith('\n')).toBe(true);
    expect(entries[3].log).toBe('tail-no-newline');
    // pieces of one long line share the first piece's timestamp
    expect(entries[1].time).toBe(entries[0].time);
  });

  it('logs random bytes exactly as Go would decode them (fuzz through stdin)', async () => {
    // Go's utf8.DecodeRune: each byte of an invalid sequence becomes one U+FFFD.
    const goDecode = (buf: Buffer): string => {
      let out = '';
      for (let i = 0; i < buf.length; ) {
        const c = buf[i];
        let len = 0;
        if (c < 0x80) len = 1;
        else if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c >= 0xe0 && c <= 0xef) len = 3;
        else if (c >= 0xf0 && c <= 0xf4) len = 4;
        let ok = len > 0 && i + len <= buf.length;
        if (ok && len > 1) {
          const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
          const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
          if (buf[i + 1] < lo || buf[i + 1] > hi) ok = false;
          for (let k = 2; k < len && ok; k++) if ((buf[i + k] & 0xc0) !== 0x80) ok = false;
        }
        if (!ok) {
          out += '\ufffd';
          i++;
        } else {
          out += buf.subarray(i, i + len).toString('utf8');
          i += len;
        }
      }
      return out;
    };
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const specials = [0x0a, 0x00, 0x09, 0x0d, 0x22, 0x5c, 0x3c, 0x3e, 0x26, 0xc3, 0xa9, 0xe2, 0x80, 0xa8, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xed, 0xa0];
    const input = Buffer.alloc(300000);
    for (let i = 0; i < input.length; i++) {
      const r = rnd();
      input[i] = r < 0.5 ? 0x61 + Math.floor(rnd() * 26) : r < 0.8 ? specials[Math.floor(rnd() * specials.length)] : Math.floor(rnd() * 256);
    }
    const b = await makeBundle(root, rootfs, { cmd: ['cat'] });
    const task = await create(b, { openStdin: true });
    const c = collect(task);
    await task.start();
    await task.writeStdin(input);
    await task.closeStdin();
    await task.wait();
    expect(Buffer.concat(c.chunks.map((x) => x.data)).equals(input)).toBe(true);
    const entries = (await fs.readFile(b.logPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string });
    // Each entry is decoded on its own (a piece boundary can split a UTF-8 sequence, as in Docker),
    // so compare entry by entry against the same cut of the input.
    let off = 0;
    for (const e of entries) {
      // find the byte length of this entry: up to and including the next newline, at most 16 KiB
      const nl = input.indexOf(0x0a, off);
      const len = nl >= 0 && nl - off < 16384 ? nl - off + 1 : Math.min(16384, input.length - off);
      expect(e.log).toBe(goDecode(input.subarray(off, off + len)));
      off += len;
    }
    expect(off).toBe(input.length);
  });

  it('keeps logging while no daemon is connected', async () => {
    const b = await makeBundle(root, rootfs, { cmd: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done'] });
    const task = await create(b);
    await task.start();
    task.detach();
    for (let i = 0; i < 200; i++) {
      const text = await fs.readFile(path.join(b.bundle, 'exit.json'), 'utf8').catch(() => '');
      if (text) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const lines = (await fs.readFile(b.logPath, 'utf8')).trim().split('\n');
    expect(lines.length).toBe(2000);
    expect(JSON.parse(lines[1999]).log).toBe('line1999\n');
  });
});
