import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startDaemon, type Daemon } from './daemon';
import { request, RawConnection } from './__fixtures__/http-client';

const FIXTURE = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');
const hasDocker = fs.existsSync('/usr/local/bin/docker') || fs.existsSync('/usr/bin/docker');

let dir: string;
let sock: string;
let daemon: Daemon;

function docker(args: string[], opts: { input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'docker',
      args,
      { env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: path.join(dir, 'docker-config') }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-daemon-'));
  sock = path.join(dir, 'berthd.sock');
  daemon = await startDaemon({ dataRoot: path.join(dir, 'root'), hosts: [`unix://${sock}`], skipHostChecks: true, withoutContainers: true, pidFile: path.join(dir, 'berthd.pid') });
});

afterAll(async () => {
  await daemon?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('startDaemon', () => {
  test('HEAD and GET /_ping answer like dockerd', async () => {
    const h = await request(sock, 'HEAD', '/_ping');
    expect(h.status).toBe(200);
    expect(h.headers).toMatchObject({
      'api-version': '1.45',
      'cache-control': 'no-cache, no-store, must-revalidate',
      'content-length': '0',
      'content-type': 'text/plain; charset=utf-8',
      'docker-experimental': 'false',
      ostype: 'linux',
      pragma: 'no-cache',
    });
    const g = await request(sock, 'GET', '/_ping');
    expect([g.status, g.text]).toEqual([200, 'OK']);
  });

  test('pid file, engine id, data root layout', () => {
    expect(fs.readFileSync(path.join(dir, 'berthd.pid'), 'utf8').trim()).toBe(String(process.pid));
    expect(fs.readFileSync(daemon.layout.engineIdFile, 'utf8').trim()).toMatch(/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/);
    expect(fs.existsSync(daemon.layout.database)).toBe(true);
  });

  test('/version and /info carry the fields the CLI prints', async () => {
    const v = (await request(sock, 'GET', '/v1.41/version')).json();
    expect(v).toMatchObject({ ApiVersion: '1.45', MinAPIVersion: '1.24', Os: 'linux' });
    expect(v.Components[0].Name).toBe('Engine');
    const i = (await request(sock, 'GET', '/v1.41/info')).json();
    for (const k of ['Containers', 'ContainersRunning', 'Images', 'ServerVersion', 'Driver', 'DriverStatus', 'CgroupVersion', 'Plugins', 'Swarm', 'Runtimes', 'DefaultRuntime', 'KernelVersion', 'OperatingSystem', 'NCPU', 'MemTotal', 'Name', 'ID', 'DockerRootDir']) {
      expect(i).toHaveProperty(k);
    }
    expect(i.DockerRootDir).toBe(daemon.layout.root);
    // the default runtime as Docker 20.10 shows it: its version in /version, its commit in both
    const out = execFileSync(i.DefaultRuntime, ['--version'], { encoding: 'utf8' });
    const commit = /^commit: (.*)$/m.exec(out)![1];
    expect(v.Components[1]).toEqual({ Name: i.DefaultRuntime, Version: /version (\S+)/.exec(out)![1], Details: { GitCommit: commit } });
    expect(i.RuncCommit).toEqual({ ID: commit, Expected: commit });
  });

  test('/events streams live events with headers sent at once; since/until replays and ends', async () => {
    const c = new RawConnection(sock);
    c.write(`GET /v1.41/events?filters=${encodeURIComponent('{"type":{"image":true}}')} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await c.waitFor('Transfer-Encoding: chunked\r\n\r\n');
    daemon.events.publish('image', 'tag', 'sha256:abc', { name: 'x:1' });
    daemon.events.publish('container', 'start', 'c1', { name: 'n' });
    const got = await c.waitFor('"Action":"tag"');
    expect(got).not.toContain('"Action":"start"');
    expect(got).toMatch(/"timeNano":\d{19}\}/);
    c.end();
    const now = Math.floor(Date.now() / 1000);
    const r = await request(sock, 'GET', `/events?since=${now - 60}&until=${now + 1}`);
    const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.Action)).toEqual(expect.arrayContaining(['tag', 'start']));
    expect(lines.find((l) => l.Action === 'tag')).toMatchObject({ status: 'tag', id: 'sha256:abc', Type: 'image', scope: 'local' });
  });

  test('close ends open event streams at once', async () => {
    const d2dir = path.join(dir, 'd2');
    const s2 = path.join(dir, 'd2.sock');
    const d2 = await startDaemon({ dataRoot: d2dir, hosts: [`unix://${s2}`], skipHostChecks: true, withoutContainers: true });
    const c = new RawConnection(s2);
    c.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('\r\n\r\n');
    const t0 = Date.now();
    await d2.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await c.waitEnd();
    expect(fs.existsSync(s2)).toBe(false);
  });

  test('a second daemon on the same socket is refused, and nothing is left open', async () => {
    await expect(startDaemon({ dataRoot: path.join(dir, 'root2'), hosts: [`unix://${sock}`], skipHostChecks: true, withoutContainers: true })).rejects.toThrow(
      /another daemon is listening/,
    );
  });

  test('plain TCP on a non-loopback address is refused before anything starts', async () => {
    await expect(startDaemon({ dataRoot: path.join(dir, 'root3'), hosts: ['tcp://0.0.0.0:2375'], skipHostChecks: true })).rejects.toThrow(/--tlsverify/);
    expect(fs.existsSync(path.join(dir, 'root3'))).toBe(false);
  });
});

(hasDocker ? describe : describe.skip)('the docker CLI against berthd', () => {
  test('docker version / info', async () => {
    const v = await docker(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/API version:\s+1\.45 \(downgraded from/);
    expect(v.stdout).toMatch(/Server: berth\n Engine:\n {2}Version:\s+20\.10\.24\+berth/);
    expect(v.stdout).toMatch(/API version:\s+1\.45 \(minimum version 1\.24\)/);
    const i = await docker(['info']);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/Storage Driver: overlay2/);
    expect(i.stdout).toMatch(/Docker Root Dir: /);
    expect(i.stderr).not.toMatch(/error/i);
  });

  test('load, images, tag, inspect, history, save, rmi', async () => {
    const l = await docker(['load', '-i', FIXTURE]);
    expect([l.code, l.stdout]).toEqual([0, 'Loaded image: fixture-multilayer:1\n']);
    const imgs = await docker(['images']);
    expect(imgs.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(imgs.stdout).toMatch(/^fixture-multilayer\s+1\s+5ff28e953cf8\s+.+ago\s+1\.98MB$/m);
    expect((await docker(['tag', 'fixture-multilayer:1', '127.0.0.1:5000/trace/multi:v1'])).code).toBe(0);
    expect((await docker(['tag', 'fixture-multilayer:1', 'someuser/multi'])).code).toBe(0);
    const q = await docker(['images', '-q', '--no-trunc']);
    expect(q.stdout.trim().split('\n')).toEqual(Array(3).fill('sha256:5ff28e953cf854ac9058896f648c5657205ffeb74bd34cf4fe82fe07c703d863'));
    const f = await docker(['images', '--filter', 'reference=someuser/*']);
    expect(f.stdout).toMatch(/^someuser\/multi\s+latest\s+5ff28e953cf8/m);
    expect(f.stdout).not.toMatch(/fixture-multilayer/);
    const insp = await docker(['image', 'inspect', '-f', '{{.Id}} {{.Config.WorkingDir}} {{len .RootFS.Layers}}', '127.0.0.1:5000/trace/multi:v1']);
    expect(insp.stdout).toMatch(/^sha256:5ff28e953cf8\S+ \/srv \d+\n$/);
    const h = await docker(['history', 'someuser/multi']);
    expect(h.stdout.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(h.stdout).toMatch(/^5ff28e953cf8\s/m);
    expect(h.stdout).toMatch(/^<missing>\s/m);
    const out = path.join(dir, 'saved.tar');
    expect((await docker(['save', '-o', out, 'someuser/multi', 'fixture-multilayer:1'])).code).toBe(0);
    expect(fs.statSync(out).size).toBeGreaterThan(1024);
    const rmi = await docker(['rmi', '127.0.0.1:5000/trace/multi:v1', 'someuser/multi']);
    expect(rmi.stdout).toBe('Untagged: 127.0.0.1:5000/trace/multi:v1\nUntagged: someuser/multi:latest\n');
    const rmi2 = await docker(['rmi', 'fixture-multilayer:1']);
    expect(rmi2.stdout).toMatch(/^Untagged: fixture-multilayer:1\nDeleted: sha256:5ff28e953cf8/);
    expect((await docker(['images', '-q'])).stdout).toBe('');
    const again = await docker(['load', '-i', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Loaded image: someuser\/multi:latest/);
    expect(again.stdout).toMatch(/Loaded image: fixture-multilayer:1/);
  });

  test('errors: rmi and inspect of missing images, load of garbage, import with changes', async () => {
    const r = await docker(['rmi', 'trace-nonexistent:v1']);
    expect([r.code, r.stderr]).toEqual([1, 'Error response from daemon: No such image: trace-nonexistent:v1\n']);
    const i = await docker(['image', 'inspect', 'trace-nonexistent']);
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/No such image: trace-nonexistent/);
    const garbage = path.join(dir, 'garbage.tar');
    fs.writeFileSync(garbage, 'not a tar\n'.repeat(100));
    const g = await docker(['load', '-i', garbage]);
    expect(g.code).toBe(1);
    expect(g.stderr.length).toBeGreaterThan(0);
    const imp = await docker(['import', '-c', 'CMD ["sh"]', '-c', 'ENV IMPORTED=1', '-m', 'trace import', FIXTURE, 'trace-imported:v1']);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const ins = await docker(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}}', 'trace-imported:v1']);
    expect(ins.stdout).toBe('["sh"] ["IMPORTED=1"] trace import\n');
    const pull = await docker(['pull', 'fakeimg']);
    expect(pull.code).not.toBe(0);
  });
});
