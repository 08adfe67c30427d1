import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startDaemon, type Daemon } from '../daemon';
import { request } from '../__fixtures__/http-client';

let dir: string;
let sock: string;
let daemon: Daemon;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-vol-'));
  sock = path.join(dir, 'berthd.sock');
  daemon = await startDaemon({ dataRoot: path.join(dir, 'root'), hosts: [`unix://${sock}`], skipHostChecks: true, withoutContainers: true });
});

afterAll(async () => {
  await daemon?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('volumes', () => {
  test('create (201), list, inspect, remove (204), 404 wording', async () => {
    const c = await request(sock, 'POST', '/v1.41/volumes/create', { body: JSON.stringify({ Driver: 'local', Labels: { trace: '1' }, Name: 'trace-vol' }) });
    expect(c.status).toBe(201);
    const v = c.json();
    expect(v).toMatchObject({ Driver: 'local', Labels: { trace: '1' }, Name: 'trace-vol', Options: null, Scope: 'local' });
    expect(v.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(v.Mountpoint).toBe(path.join(dir, 'root', 'volumes', 'trace-vol', '_data'));
    expect(fs.statSync(v.Mountpoint).isDirectory()).toBe(true);
    const again = await request(sock, 'POST', '/volumes/create', { body: JSON.stringify({ Name: 'trace-vol' }) });
    expect(again.json().CreatedAt).toBe(v.CreatedAt);
    const anon = (await request(sock, 'POST', '/volumes/create', { body: '{}' })).json();
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    const l = (await request(sock, 'GET', '/v1.41/volumes')).json();
    expect(l.Warnings).toBeNull();
    expect(l.Volumes.map((x: { Name: string }) => x.Name).sort()).toEqual([anon.Name, 'trace-vol'].sort());
    const byLabel = (await request(sock, 'GET', `/volumes?filters=${encodeURIComponent('{"label":{"trace=1":true}}')}`)).json();
    expect(byLabel.Volumes.map((x: { Name: string }) => x.Name)).toEqual(['trace-vol']);
    expect((await request(sock, 'GET', '/v1.41/volumes/trace-vol')).json()).toEqual(v);
    const d = await request(sock, 'DELETE', '/v1.41/volumes/trace-vol');
    expect(d.status).toBe(204);
    expect(fs.existsSync(v.Mountpoint)).toBe(false);
    const nf = await request(sock, 'GET', '/v1.41/volumes/trace-vol');
    expect([nf.status, nf.json()]).toEqual([404, { message: 'get trace-vol: no such volume' }]);
    const bad = await request(sock, 'POST', '/volumes/create', { body: JSON.stringify({ Name: '../escape' }) });
    expect(bad.status).toBe(400);
    const p = (await request(sock, 'POST', '/v1.41/volumes/prune')).json();
    expect(p.VolumesDeleted).toEqual([anon.Name]);
  });
});

describe('networks', () => {
  // API-only daemons run in the host's network namespace: no default bridge there (dockerd -b
  // none), and this test creates no network (that is for test-e2e, inside a namespace of its own)
  test('the predefined networks are listed and inspectable; removing one is 403; 404 wording', async () => {
    const l = (await request(sock, 'GET', '/v1.41/networks')).json();
    expect(l.map((n: { Name: string }) => n.Name).sort()).toEqual(['host', 'none']);
    const h = (await request(sock, 'GET', '/v1.41/networks/host')).json();
    expect(h).toMatchObject({ Name: 'host', Driver: 'host', Scope: 'local', Containers: {} });
    expect((await request(sock, 'GET', `/networks/${h.Id.slice(0, 12)}`)).json().Name).toBe('host');
    const nf = await request(sock, 'GET', '/networks/nope');
    expect([nf.status, nf.json()]).toEqual([404, { message: 'network nope not found' }]);
    const rm = await request(sock, 'DELETE', '/networks/host');
    expect([rm.status, rm.json()]).toEqual([403, { message: 'host is a pre-defined network and cannot be removed' }]);
    const bad = await request(sock, 'POST', '/networks/create', { body: '{}' });
    expect(bad.status).toBe(400);
    const con = await request(sock, 'POST', '/networks/none/connect', { body: '{"Container":"x"}' });
    expect(con.status).toBe(404);
  });
});
