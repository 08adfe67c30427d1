/**
 * @berth/client (the typed library under the berth CLI) against a real berthd, over both of its
 * transports: the same calls must work whichever HTTP stack carries them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BerthClient, demultiplex, statusCodeOf } from '@berth/client';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { BerthDaemon, busyboxRootfsTar, fixtures } from './harness';

let d: BerthDaemon;

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

async function drain<T>(messages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const m of messages) all.push(m);
  return all;
}

beforeAll(async () => {
  d = await BerthDaemon.start();
}, 120_000);

afterAll(async () => {
  await d?.dispose();
}, 120_000);

describe.each(['axios', 'node'] as const)('BerthClient over the %s transport', (transport) => {
  let client: BerthClient;

  beforeAll(() => {
    client = new BerthClient({ host: d.host, transport });
  });

  afterAll(() => client?.close());

  it('ping, version, info', async () => {
    expect(await client.system.apiVersion()).toBe('1.41');
    const v = await client.system.version();
    expect(v.ApiVersion).toBe('1.45'); // the server's newest; berth's client stays at 1.41
    const info = await client.system.info();
    expect(info.OSType).toBe('linux');
  });

  it('import from a stream, list, inspect, tag, history', async () => {
    const messages = await drain(
      await client.images.import(fs.createReadStream(busyboxRootfsTar()), { repo: `client-${transport}:v1`, changes: ['CMD ["sh"]'] }),
    );
    expect(messages.some((m) => 'error' in m && m.error)).toBe(false);
    const img = await client.images.inspect(`client-${transport}:v1`);
    expect(img.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img.Config?.Cmd).toEqual(['sh']);
    await client.images.tag(`client-${transport}:v1`, `client-${transport}`, 'v2');
    const listed = await client.images.list({ filters: { reference: [`client-${transport}`] } });
    expect(listed).toHaveLength(1);
    expect(listed[0].RepoTags?.sort()).toEqual([`client-${transport}:v1`, `client-${transport}:v2`]);
    expect((await client.images.history(`client-${transport}:v1`)).length).toBeGreaterThan(0);
  });

  it('load a fixture, save it back', async () => {
    const messages = await drain(await client.images.load(fs.createReadStream(fixtures.dockerSave), { quiet: true }));
    expect(JSON.stringify(messages)).toContain(fixtures.dockerSaveTag);
    const saved = await client.images.save([fixtures.dockerSaveTag]);
    const chunks: Buffer[] = [];
    for await (const c of saved) chunks.push(Buffer.from(c as Buffer));
    const tar = Buffer.concat(chunks);
    expect(tar.includes(Buffer.from('manifest.json'))).toBe(true);
  });

  it('create, attach, wait, start, logs, remove', async () => {
    const { Id } = await client.containers.create(
      { Image: `client-${transport}:v1`, Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 5'], AttachStdout: true, AttachStderr: true },
      { name: `client-run-${transport}` },
    );
    const attached = await client.containers.attach(Id, { stream: true, stdout: true, stderr: true });
    const out = text(attached.stdout);
    const err = text(attached.stderr);
    const wait = await client.containers.wait(Id, { condition: 'next-exit' });
    await client.containers.start(Id);
    expect((await wait.result).StatusCode).toBe(5);
    expect(await out).toBe('to-out\n');
    expect(await err).toBe('to-err\n');
    const logs = demultiplex(await client.containers.logs(Id));
    const [lo, le] = await Promise.all([text(logs.stdout), text(logs.stderr)]);
    expect({ lo, le }).toEqual({ lo: 'to-out\n', le: 'to-err\n' });
    const listed = await client.containers.list({ all: true, filters: { name: [`client-run-${transport}`] } });
    expect(listed.map((c) => c.Id)).toEqual([Id]);
    await client.containers.remove(Id);
    const gone = await client.containers.inspect(Id).then(() => 200, (e: unknown) => statusCodeOf(e));
    expect(gone).toBe(404);
  });

  it('daemon errors keep their status codes', async () => {
    const code = async (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => statusCodeOf(e));
    expect(await code(client.images.inspect('no-such-image:v0'))).toBe(404);
    expect(await code(client.containers.inspect('no-such-container'))).toBe(404);
    const { Id } = await client.containers.create({ Image: `client-${transport}:v1`, Cmd: ['sleep', '100'] });
    await client.containers.start(Id);
    expect(await code(client.containers.remove(Id))).toBe(409);
    await client.containers.remove(Id, { force: true });
  });
});
