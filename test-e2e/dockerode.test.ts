/**
 * dockerode (the npm Docker client) against berthd: unversioned paths, `true`/`false` booleans,
 * array-form filters, options repeated in the create query, old-style (no Upgrade) attach.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { BerthDaemon, busyboxRootfsTar, clientsFor, ok } from './harness';

let d: BerthDaemon;
let docker: Docker;

/** Splits a multiplexed (Tty false) log buffer into its stdout and stderr text. */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i];
    const size = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + size);
    if (stream === 1) out.push(payload);
    else if (stream === 2) err.push(payload);
    else throw new Error(`demux: bad stream byte ${stream} at ${i}`);
    i += 8 + size;
  }
  expect(i).toBe(buf.length);
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

function collect(s: PassThrough): () => string {
  const chunks: Buffer[] = [];
  s.on('data', (b: Buffer) => chunks.push(b));
  return () => Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  d = await BerthDaemon.start();
  ok(await clientsFor(d).docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  docker = new Docker({ socketPath: d.socketPath });
}, 120_000);

afterAll(async () => {
  await d?.dispose();
}, 120_000);

describe('dockerode', () => {
  it('ping and version', async () => {
    const pong = await docker.ping();
    expect(String(pong)).toBe('OK');
    const v = await docker.version();
    expect(v.ApiVersion).toBe('1.45');
    expect(v.Os).toBe('linux');
  });

  it('listImages and getImage().inspect()', async () => {
    const images = await docker.listImages();
    const bb = images.find((i) => (i.RepoTags ?? []).includes('busybox:latest'));
    expect(bb).toBeDefined();
    expect(bb!.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(bb!.Size).toBeGreaterThan(1_000_000);
    const filtered = await docker.listImages({ filters: JSON.stringify({ reference: ['busybox'] }) });
    expect(filtered.map((i) => i.Id)).toEqual([bb!.Id]);
    const info = await docker.getImage('busybox').inspect();
    expect(info.Id).toBe(bb!.Id);
    const history = await docker.getImage('busybox').history();
    expect(history.length).toBeGreaterThan(0);
  });

  it('getImage().get() streams a docker-save archive of that image (GET /images/{name}/get)', async () => {
    const stream = await docker.getImage('busybox:latest').get();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const tar = Buffer.concat(chunks);
    expect(tar.length).toBeGreaterThan(1_000_000);
    expect(tar.includes(Buffer.from('manifest.json'))).toBe(true);
    expect(tar.includes(Buffer.from('busybox:latest'))).toBe(true);
  });

  it('attach with logs=true, stream=false replays the output of an exited container', async () => {
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo replay-out; echo replay-err >&2'], Tty: false });
    try {
      await container.start();
      await container.wait();
      const stream = await container.attach({ logs: true, stream: false, stdout: true, stderr: true });
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (b: Buffer) => chunks.push(b));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      expect(demux(Buffer.concat(chunks))).toEqual({ stdout: 'replay-out\n', stderr: 'replay-err\n' });
    } finally {
      await container.remove({ force: true });
    }
  });

  it('createContainer, start, wait, logs, inspect, remove', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      name: 'dockerode-basic',
      Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 2'],
      Env: ['A=1'],
      Labels: { via: 'dockerode' },
      Tty: false,
    });
    expect(container.id).toMatch(/^[0-9a-f]{64}$/);
    await container.start();
    const res = await container.wait();
    expect(res.StatusCode).toBe(2);
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    expect(demux(Buffer.from(logs))).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    const onlyErr = (await container.logs({ stdout: false, stderr: true, follow: false })) as unknown as Buffer;
    expect(demux(Buffer.from(onlyErr))).toEqual({ stdout: '', stderr: 'err\n' });
    const onlyOut = (await container.logs({ stdout: true, stderr: false, follow: false })) as unknown as Buffer;
    expect(demux(Buffer.from(onlyOut))).toEqual({ stdout: 'out\n', stderr: '' });
    const info = await container.inspect();
    expect(info.Name).toBe('/dockerode-basic');
    expect(info.State.Status).toBe('exited');
    expect(info.State.ExitCode).toBe(2);
    expect(info.Config.Labels).toEqual({ via: 'dockerode' });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['A=1']));
    const listed = await docker.listContainers({ all: true, filters: JSON.stringify({ name: ['dockerode-basic'] }) });
    expect(listed.map((c) => c.Id)).toEqual([container.id]);
    expect(listed[0].Names).toEqual(['/dockerode-basic']);
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('attach (old-style hijack, no Upgrade) before start streams multiplexed output', async () => {
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo attached; echo e >&2'], Tty: false });
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out = collect(stdout);
      const err = collect(stderr);
      container.modem.demuxStream(stream, stdout, stderr);
      const ended = new Promise((r) => stream.on('end', r));
      await container.start();
      const res = await container.wait();
      await ended;
      expect(res.StatusCode).toBe(0);
      expect(out()).toBe('attached\n');
      expect(err()).toBe('e\n');
    } finally {
      await container.remove({ force: true });
    }
  });

  it('docker.run with Tty false demultiplexes output and reports the exit code', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const ended = new Promise((r) => stdout.on('end', r));
    const [res, container] = await docker.run('busybox', ['sh', '-c', 'echo run-out; echo run-err >&2; exit 6'], [stdout, stderr], {
      Tty: false,
    });
    expect(res.StatusCode).toBe(6);
    await ended; // the attach stream ends when the process exits; wait may answer first
    expect(out()).toBe('run-out\n');
    expect(err()).toBe('run-err\n');
    await container.remove();
  });

  it('stop, restart, kill and a second start (304 is an error for dockerode)', async () => {
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '100'] });
    try {
      await container.start();
      await expect(container.start()).rejects.toMatchObject({ statusCode: 304 });
      await container.restart({ t: 1 });
      expect((await container.inspect()).State.Running).toBe(true);
      await container.stop({ t: 1 });
      expect((await container.inspect()).State.ExitCode).toBe(137);
      await container.start();
      await container.kill();
      const res = await container.wait();
      expect(res.StatusCode).toBe(137);
      await container.rename({ name: 'dockerode-renamed' });
      expect((await docker.getContainer('dockerode-renamed').inspect()).Id).toBe(container.id);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('errors carry Docker\'s status codes', async () => {
    await expect(docker.getContainer('no-such-container').inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getImage('no-such-image:v0').inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.createContainer({ Image: 'no-such-image:v0' })).rejects.toMatchObject({ statusCode: 404 });
    const running = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '100'] });
    await running.start();
    await expect(running.remove()).rejects.toMatchObject({ statusCode: 409 });
    await running.remove({ force: true });
  });

  it('pruneContainers', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['true'] });
    const res = await docker.pruneContainers();
    expect(res.ContainersDeleted).toContain(c.id);
  });
});
