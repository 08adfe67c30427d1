/**
 * Issue 12: the API version window 1.24..1.45 and each later version's documented changes, gated
 * on the request's version (Engine API version history): negotiation by Docker's Python SDK,
 * `signal` on stop (1.42), multiplexed-stream Content-Type (1.42), HostConfig.Annotations
 * (1.43), image VirtualSize (gone in 1.44) and Container/ContainerConfig (gone in 1.45),
 * Healthcheck.StartInterval (1.44), exec start ConsoleSize (1.42).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, pythonSdk, rawRequest, useDaemon, waitFor } from './harness';

let d: BerthDaemon;
useDaemon((daemon) => {
  d = daemon;
});

const post = (p: string, body?: unknown) =>
  rawRequest(d.socketPath, {
    method: 'POST',
    path: p,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
const get = (p: string) => rawRequest(d.socketPath, { path: p });

describe('the version window', () => {
  it('the SDK negotiates 1.45 (auto) and speaks it; /version says 1.45, minimum 1.24', async () => {
    const r = (await pythonSdk(d, `out({'api': api.api_version, 'v': client.version()})`, { version: 'auto' })) as { api: string; v: Record<string, string> };
    expect(r.api).toBe('1.45');
    expect(r.v).toMatchObject({ ApiVersion: '1.45', MinAPIVersion: '1.24' });
    expect(await pythonSdk(d, `out(client.ping())`, { version: '1.45' })).toBe(true);
    const tooNew = await get('/v1.46/version');
    expect([tooNew.status, tooNew.json]).toEqual([400, { message: 'client version 1.46 is too new. Maximum supported API version is 1.45' }]);
    expect((await get('/v1.45/_ping')).headers['api-version']).toBe('1.45');
  });
});

describe('changes by version', () => {
  it('image inspect: VirtualSize until 1.43, Container and ContainerConfig until 1.44', async () => {
    const at = async (v: string) => (await get(`/v${v}/images/busybox/json`)).json as Record<string, unknown>;
    const v41 = await at('1.41');
    expect(Object.keys(v41)).toEqual(expect.arrayContaining(['VirtualSize', 'Container', 'ContainerConfig']));
    const v44 = await at('1.44');
    expect(v44).not.toHaveProperty('VirtualSize');
    expect(Object.keys(v44)).toEqual(expect.arrayContaining(['Container', 'ContainerConfig']));
    const v45 = (await pythonSdk(d, `out(api.inspect_image('busybox'))`, { version: '1.45' })) as Record<string, unknown>;
    for (const k of ['VirtualSize', 'Container', 'ContainerConfig']) expect(v45).not.toHaveProperty(k);
    expect(v45).toHaveProperty('Config');
    const list = (await get('/v1.44/images/json')).json as Record<string, unknown>[];
    expect(list[0]).not.toHaveProperty('VirtualSize');
    expect(((await get('/v1.43/images/json')).json as Record<string, unknown>[])[0]).toHaveProperty('VirtualSize');
  });

  it('stop takes signal from 1.42 and ignores it below', async () => {
    const script = 'trap "exit 7" USR1; while true; do sleep 0.1; done';
    ok(await clientsFor(d).docker(['run', '-d', '--name', 'sig42', 'busybox', 'sh', '-c', script]));
    ok(await clientsFor(d).docker(['run', '-d', '--name', 'sig41', 'busybox', 'sh', '-c', script]));
    expect((await post('/v1.42/containers/sig42/stop?signal=USR1&t=10')).status).toBe(204);
    expect((await post('/v1.41/containers/sig41/stop?signal=USR1&t=1')).status).toBe(204);
    const code = async (n: string) => ((await get(`/v1.45/containers/${n}/json`)).json as { State: { ExitCode: number } }).State.ExitCode;
    expect(await code('sig42')).toBe(7);
    expect(await code('sig41')).toBe(137); // SIGTERM is ignored by sh as pid 1, then SIGKILL
    ok(await clientsFor(d).docker(['rm', 'sig42', 'sig41']));
  });

  it('multiplexed streams say so from 1.42', async () => {
    ok(await clientsFor(d).docker(['run', '--name', 'mux', 'busybox', 'echo', 'hi']));
    expect((await get('/v1.41/containers/mux/logs?stdout=1')).headers['content-type']).toBeUndefined();
    expect((await get('/v1.42/containers/mux/logs?stdout=1')).headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    ok(await clientsFor(d).docker(['rm', 'mux']));
  });

  it('exec start ConsoleSize from 1.42 sizes the TTY', async () => {
    // runc, not the default crun: crun (1.8.1, and upstream through 1.29) sizes an exec's new
    // terminal only after it has let the process go on to exec, so a process that reads its size
    // at once can see 0x0 (`stty: standard input`, about 1 in 20 execs on a loaded machine).
    // runc sizes it before the exec; that first size is what this test checks berthd passes on.
    ok(await clientsFor(d).docker(['run', '-d', '--runtime', 'runc', '--name', 'cs', 'busybox', 'sleep', '60']));
    const start = async (version: string): Promise<string> => {
      const ex = (await post(`/v${version}/containers/cs/exec`, { Cmd: ['stty', 'size'], Tty: true, AttachStdout: true })).json as { Id: string };
      const payload = JSON.stringify({ Tty: true, ConsoleSize: [30, 100] });
      const sock = net.connect(d.socketPath);
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.write(
        `POST /v${version}/exec/${ex.Id}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${payload}`,
      );
      await new Promise((r) => sock.on('close', r));
      const text = Buffer.concat(chunks).toString();
      return text.slice(text.indexOf('\r\n\r\n') + 4).trim();
    };
    expect(await start('1.42')).toBe('30 100');
    expect(await start('1.41')).not.toBe('30 100');
    ok(await clientsFor(d).docker(['rm', '-f', 'cs']));
  });

  it('HostConfig.Annotations from 1.43: kept and given to the runtime; dropped below', async () => {
    const body = { Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { Annotations: { 'com.example.team': 'api' } } };
    const c43 = (await post('/v1.43/containers/create?name=ann43', body)).json as { Id: string };
    const c42 = (await post('/v1.42/containers/create?name=ann42', body)).json as { Id: string };
    const hc = async (id: string) => ((await get(`/v1.45/containers/${id}/json`)).json as { HostConfig: { Annotations?: unknown } }).HostConfig;
    expect((await hc(c43.Id)).Annotations).toEqual({ 'com.example.team': 'api' });
    expect((await hc(c42.Id)).Annotations ?? null).toBeNull();
    expect((await post(`/v1.43/containers/${c43.Id}/start`)).status).toBe(204);
    const spec = JSON.parse(fs.readFileSync(path.join(d.dataRoot, 'containers', c43.Id, 'config.json'), 'utf8')) as { annotations: Record<string, string> };
    expect(spec.annotations['com.example.team']).toBe('api');
    ok(await clientsFor(d).docker(['rm', '-f', 'ann43', 'ann42']));
  });

  it('Healthcheck.StartInterval from 1.44: probes during the start period at that pace; dropped below', async () => {
    const body = {
      Image: 'busybox',
      Cmd: ['sleep', '60'],
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 60e9, StartPeriod: 60e9, StartInterval: 300e6 },
    };
    const c44 = (await post('/v1.44/containers/create?name=hc44', body)).json as { Id: string };
    const c43 = (await post('/v1.43/containers/create?name=hc43', body)).json as { Id: string };
    const inspect = async (id: string) =>
      (await get(`/v1.45/containers/${id}/json`)).json as { Config: { Healthcheck: Record<string, unknown> }; State: { Health?: { Status: string } } };
    expect((await inspect(c44.Id)).Config.Healthcheck.StartInterval).toBe(300e6);
    expect((await inspect(c43.Id)).Config.Healthcheck).not.toHaveProperty('StartInterval');
    for (const id of [c44.Id, c43.Id]) expect((await post(`/v1.44/containers/${id}/start`)).status).toBe(204);
    await waitFor('hc44 healthy', async () => (await inspect(c44.Id)).State.Health?.Status === 'healthy', 10_000);
    expect((await inspect(c43.Id)).State.Health?.Status).toBe('starting'); // its first probe is an Interval (60 s) away
    ok(await clientsFor(d).docker(['rm', '-f', 'hc44', 'hc43']));
  });

  it("the start period's pace by the create's API version: 1.44+ probes at StartInterval's 5 s default (Docker 26.1+), below at Interval as Docker 20.10", async () => {
    const body = { Image: 'busybox', Cmd: ['sleep', '60'], Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 60e9, StartPeriod: 60e9 } };
    const c45 = (await post('/v1.45/containers/create?name=pace45', body)).json as { Id: string };
    const c41 = (await post('/v1.41/containers/create?name=pace41', body)).json as { Id: string };
    const status = async (id: string) => ((await get(`/v1.41/containers/${id}/json`)).json as { State: { Health?: { Status: string; Log: unknown[] } } }).State.Health;
    for (const id of [c45.Id, c41.Id]) expect((await post(`/v1.41/containers/${id}/start`)).status).toBe(204);
    await waitFor('pace45 probed at the 5 s default', async () => (await status(c45.Id))?.Status === 'healthy', 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    // berth probed the 1.41 container at 5 s too (it was healthy by now); Docker 20.10 waits an Interval (60 s)
    expect(await status(c41.Id)).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    ok(await clientsFor(d).docker(['rm', '-f', 'pace45', 'pace41']));
  }, 30_000);
});
