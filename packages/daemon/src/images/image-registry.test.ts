import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { encodeRegistryAuth } from '@berth/api';
import { startDaemon, type Daemon } from '../daemon';
import { request } from '../__fixtures__/http-client';
import { LocalRegistry } from '../__fixtures__/local-registry';

const FIXTURE = path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');

let dir: string;
let sock: string;
let daemon: Daemon;
let registry: LocalRegistry;

const lines = (t: string): any[] => t.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

(LocalRegistry.available() ? describe : describe.skip)('pull, push and login against a registry', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-pull-'));
    sock = path.join(dir, 'berthd.sock');
    registry = await new LocalRegistry().start();
    execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${FIXTURE}`, `docker://${registry.host}/trace/multi:v1`], { stdio: 'ignore' });
    daemon = await startDaemon({ dataRoot: path.join(dir, 'root'), hosts: [`unix://${sock}`], skipHostChecks: true, withoutContainers: true });
  }, 60_000);

  afterAll(async () => {
    await daemon?.close();
    await registry?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('pull: progress stream in dockerd order, then "up to date"', async () => {
    const r = await request(sock, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`${registry.host}/trace/multi`)}&tag=v1`, {
      headers: { 'X-Registry-Auth': encodeRegistryAuth({}) },
    });
    expect(r.status).toBe(200);
    const msgs = lines(r.text);
    expect(msgs[0]).toEqual({ status: 'Pulling from trace/multi', id: 'v1' });
    expect(msgs.filter((m) => m.status === 'Pull complete').length).toBeGreaterThan(1);
    expect(msgs[msgs.length - 2].status).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
    expect(msgs[msgs.length - 1]).toEqual({ status: `Status: Downloaded newer image for ${registry.host}/trace/multi:v1` });
    const again = lines((await request(sock, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`${registry.host}/trace/multi`)}&tag=v1`)).text);
    // up to date: dockerd names no layer (trace 15-pull-again)
    expect(again.map((m) => m.status?.replace(/sha256:[0-9a-f]{64}/, 'sha256:D'))).toEqual(['Pulling from trace/multi', 'Digest: sha256:D', `Status: Image is up to date for ${registry.host}/trace/multi:v1`]);
    expect(again[again.length - 1].status).toBe(`Status: Image is up to date for ${registry.host}/trace/multi:v1`);
    const insp = (await request(sock, 'GET', `/images/${registry.host}/trace/multi:v1/json`)).json();
    expect(insp.Id).toBe('sha256:5ff28e953cf854ac9058896f648c5657205ffeb74bd34cf4fe82fe07c703d863');
    expect(insp.RepoDigests).toEqual([`${registry.host}/trace/multi@${msgs[msgs.length - 2].status.slice('Digest: '.length)}`]);
  });

  test('pull of a missing manifest is a 404 before any stream; unreachable registry an error', async () => {
    const r = await request(sock, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`${registry.host}/trace/nothere`)}&tag=v1`);
    expect(r.status).toBe(404);
    expect(r.json().message).toMatch(/^manifest for .*trace\/nothere:v1 not found/);
    const u = await request(sock, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent('127.0.0.1:1/x')}&tag=v1`);
    expect(u.status).toBeGreaterThanOrEqual(500);
    expect(u.headers['content-type']).toBe('application/json');
  });

  test('push: docker message sequence, aux result, repo digest recorded; pull back after rmi', async () => {
    const target = `${registry.host}/trace/pushed`;
    expect((await request(sock, 'POST', `/images/${registry.host}/trace/multi:v1/tag?repo=${encodeURIComponent(target)}&tag=v2`)).status).toBe(201);
    const r = await request(sock, 'POST', `/v1.41/images/${target}/push?tag=v2`, { headers: { 'X-Registry-Auth': 'e30=' } });
    expect(r.status).toBe(200);
    const msgs = lines(r.text);
    expect(msgs[0]).toEqual({ status: `The push refers to repository [${target}]` });
    expect(msgs.some((m) => m.status === 'Preparing')).toBe(true);
    expect(msgs.some((m) => m.status === 'Pushed' || m.status === 'Layer already exists')).toBe(true);
    const last = msgs[msgs.length - 1];
    expect(last.aux).toMatchObject({ Tag: 'v2', Digest: expect.stringMatching(/^sha256:/), Size: expect.any(Number) });
    expect(msgs[msgs.length - 2].status).toBe(`v2: digest: ${last.aux.Digest} size: ${last.aux.Size}`);
    const insp = (await request(sock, 'GET', `/images/${target}:v2/json`)).json();
    expect(insp.RepoDigests).toContain(`${target}@${last.aux.Digest}`);
    await request(sock, 'DELETE', `/images/${target}:v2`);
    const back = lines((await request(sock, 'POST', `/images/create?fromImage=${encodeURIComponent(target)}&tag=v2`)).text);
    expect(back[back.length - 1].status).toMatch(/^Status: /);
    expect((await request(sock, 'GET', `/images/${target}:v2/json`)).json().Id).toBe(insp.Id);
  });

  test('distribution inspect: descriptor and platforms; GraphDriver names the layer dirs', async () => {
    const r = await request(sock, 'GET', `/v1.41/distribution/${registry.host}/trace/multi:v1/json`);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ Descriptor: { digest: expect.stringMatching(/^sha256:/), size: expect.any(Number) }, Platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const insp = (await request(sock, 'GET', `/images/${registry.host}/trace/multi:v1/json`)).json();
    expect(insp.GraphDriver.Data.UpperDir).toMatch(/\/layers\/[0-9a-f]{64}\/diff$/);
    expect(insp.GraphDriver.Data.LowerDir.split(':').length).toBe(insp.RootFS.Layers.length - 1);
  });

  test('push of an image that does not exist locally is an HTTP error', async () => {
    const r = await request(sock, 'POST', `/v1.41/images/${registry.host}/trace/nope/push?tag=v1`);
    expect(r.status).toBe(404);
  });

  test('a docker.io pull goes to the registry mirror, blobs included; info lists the mirror', async () => {
    execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${FIXTURE}`, `docker://${registry.host}/library/mirrored:v1`], { stdio: 'ignore' });
    const s2 = path.join(dir, 'mirror.sock');
    const d2 = await startDaemon({
      dataRoot: path.join(dir, 'root-mirror'),
      hosts: [`unix://${s2}`],
      skipHostChecks: true,
      withoutContainers: true,
      registryMirrors: [`http://${registry.host}`],
    });
    try {
      const r = await request(s2, 'POST', '/v1.41/images/create?fromImage=docker.io%2Flibrary%2Fmirrored&tag=v1');
      const msgs = lines(r.text);
      expect(msgs[msgs.length - 1]).toEqual({ status: 'Status: Downloaded newer image for mirrored:v1' });
      const list = (await request(s2, 'GET', '/images/json')).json();
      expect(list[0].RepoTags).toEqual(['mirrored:v1']);
      const info = (await request(s2, 'GET', '/info')).json();
      expect(info.RegistryConfig.Mirrors).toEqual([`http://${registry.host}`]);
    } finally {
      await d2.close();
    }
  });

  test('login against a registry without auth succeeds', async () => {
    const r = await request(sock, 'POST', '/v1.41/auth', { body: JSON.stringify({ username: 'u', password: 'p', serveraddress: registry.host }) });
    expect([r.status, r.json()]).toEqual([200, { IdentityToken: '', Status: 'Login Succeeded' }]);
    const bad = await request(sock, 'POST', '/v1.41/auth', { body: '{"username":' });
    expect(bad.status).toBe(400);
  });
});
