/**
 * Containers, end to end, with the real docker CLI and berth: run (output, exit codes 0/3/125/126/127,
 * options), -d, ps (columns, filters, formats), logs (options), stop/kill/restart/wait/start -a,
 * rm -f, rename, export (listing equals the fixture's), container prune, --rm clean-up.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BerthDaemon,
  busyboxRootfsTar,
  clientsFor,
  exec,
  fixtures,
  makeTar,
  mountsUnder,
  parseTable,
  processesUnder,
  rawRequest,
  sleep,
  TarEntry,
  waitFor,
  expectExit,
  ok,
} from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;

interface Inspect {
  Id: string;
  Name: string;
  Created: string;
  State: { Status: string; Running: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string>; StopSignal?: string; StopTimeout?: number; Hostname: string; WorkingDir: string; User: string };
  HostConfig: { AutoRemove: boolean };
  Image: string;
}

async function inspect(ref: string): Promise<Inspect> {
  return JSON.parse(ok(await c.docker(['inspect', '--type', 'container', ref])).stdout)[0];
}

async function exists(ref: string): Promise<boolean> {
  const r = await rawRequest(d.socketPath, { path: `/v1.41/containers/${ref}/json` });
  return r.status === 200;
}

/** Is there a live process whose root is this container's rootfs? */
function containerProcesses(id: string) {
  return processesUnder(path.join(d.dataRoot, 'containers', id));
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-containers-'));
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 120_000);

afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await d?.dispose();
}, 120_000);

describe('system', () => {
  it('docker version shows the server side, API 1.45 (issue 12: the API window up to 1.45)', async () => {
    const r = ok(await c.docker(['version']));
    expect(r.stdout).toMatch(/Server:/);
    expect(r.stdout).toMatch(/API version:\s+1\.45 \(minimum version 1\.24\)/);
    expect(ok(await c.docker(['version', '-f', '{{.Server.APIVersion}}'])).stdout.trim()).toBe('1.45');
  });

  it('docker info and berth info/version answer', async () => {
    const info = ok(await c.docker(['info', '-f', '{{json .}}']));
    expect(JSON.parse(info.stdout)).toMatchObject({ OSType: 'linux' });
    ok(await c.berth(['info']));
    const v = ok(await c.berth(['version']));
    // berth's client negotiates up to berthd's newest API, as the docker CLI does (docker: 1.45 too)
    expect(v.stdout).toMatch(/^ API version: +1\.45$/m);
  });

  it('the API answers with and without a version prefix', async () => {
    for (const p of ['/_ping', '/v1.24/_ping', '/v1.41/_ping', '/v1.45/_ping', '/version', '/v1.41/version', '/v1.30/containers/json', '/v1.45/containers/json']) {
      const r = await rawRequest(d.socketPath, { path: p });
      expect({ p, status: r.status }).toEqual({ p, status: 200 });
    }
    const head = await rawRequest(d.socketPath, { method: 'HEAD', path: '/_ping' });
    expect(head.status).toBe(200);
    expect(head.headers['api-version']).toBe('1.45');
  });
});

describe('docker run', () => {
  it('run --rm busybox echo hi prints hi, exits 0 and leaves no container, mount or process', async () => {
    const before = ok(await c.docker(['ps', '-aq', '--no-trunc'])).stdout;
    const r = ok(await c.docker(['run', '--rm', 'busybox', 'echo', 'hi']));
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('');
    expect(ok(await c.docker(['ps', '-aq', '--no-trunc'])).stdout).toBe(before);
    const dirs = fs.readdirSync(path.join(d.dataRoot, 'containers'));
    for (const id of dirs) expect(before).toContain(id);
  });

  it('stdout and stderr stay apart and the exit code is the container\'s (3)', async () => {
    const r = expectExit(await c.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']), 3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('a command that is not found exits 127', async () => {
    const r = expectExit(await c.docker(['run', '--rm', 'busybox', 'nope']), 127);
    expect(r.stderr).toMatch(/not found|no such file/i);
  });

  it('a command that cannot be invoked exits 126', async () => {
    const r = expectExit(await c.docker(['run', '--rm', 'busybox', '/etc/passwd']), 126);
    expect(r.stderr).toMatch(/permission denied/i);
  });

  it('a daemon error exits 125: missing image, name conflict', async () => {
    const missing = expectExit(await c.docker(['run', '--rm', '--pull', 'never', 'no-such-image:v0', 'true']), 125);
    expect(missing.stderr).toMatch(/No such image/i);
    ok(await c.docker(['create', '--name', 'taken', 'busybox', 'true']));
    const taken = expectExit(await c.docker(['run', '--name', 'taken', 'busybox', 'true']), 125);
    expect(taken.stderr).toMatch(/Conflict.*"\/taken" is already in use/);
  });

  it('concurrent runs (docker and berth at once) all get their own output and exit code', async () => {
    const before = ok(await c.docker(['ps', '-aq'])).stdout;
    const runs = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? c.berth : c.docker)(['run', '--rm', 'busybox', 'sh', '-c', `echo run-${i}; exit ${i}`], { timeoutMs: 40_000 }),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      expectExit(r, i);
      expect(r.stdout).toBe(`run-${i}\n`);
    });
    await waitFor('every --rm container to be gone', async () => ok(await c.docker(['ps', '-aq'])).stdout === before, 10_000);
  }, 60_000);

  it('berth run returns the same exit codes and output', async () => {
    const hi = ok(await c.berth(['run', '--rm', 'busybox', 'echo', 'hi']));
    expect(hi.stdout).toBe('hi\n');
    const three = expectExit(await c.berth(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']), 3);
    expect(three.stdout).toBe('out\n');
    expect(three.stderr).toBe('err\n');
    expectExit(await c.berth(['run', '--rm', 'busybox', 'nope']), 127);
    expectExit(await c.berth(['run', '--rm', 'busybox', '/etc/passwd']), 126);
    // berth pulls a missing image as docker does: aim that pull at a closed loopback port, never
    // at a registry outside this machine
    expectExit(await c.berth(['run', '--rm', '127.0.0.1:9/no-such-image:v0', 'true']), 125);
  });

  it('-e, --env-file, -w, -u, -h, -l, --entrypoint reach the container', async () => {
    const envFile = path.join(work, 'env');
    fs.writeFileSync(envFile, 'FROM_FILE=yes\n# a comment\n');
    const script = 'echo $FOO $FROM_FILE; pwd; id -u; hostname; grep -c "$(hostname)" /etc/hosts; test -f /etc/resolv.conf && echo resolv';
    for (const client of ['docker', 'berth'] as const) {
      const r = ok(
        await c[client]([
          'run', '--rm', '-e', 'FOO=bar', '--env-file', envFile, '-w', '/made/by/workdir', '-u', '65534',
          '-h', 'myhost', '-l', 'e2e=opts', '--entrypoint', 'sh', 'busybox', '-c', script,
        ]),
      );
      expect({ client, out: r.stdout }).toEqual({ client, out: 'bar yes\n/made/by/workdir\n65534\nmyhost\n1\nresolv\n' });
    }
  });

  it('-u by name resolves through the image\'s /etc/passwd', async () => {
    const r = ok(await c.docker(['run', '--rm', '-u', 'nobody', 'busybox', 'id', '-u']));
    expect(r.stdout).toBe('65534\n');
  });

  it('each container has its own hostname (the short ID) and a loopback-only network', async () => {
    const cid = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'hostname; ls /sys/class/net']))
      .stdout.trim();
    ok(await c.docker(['wait', cid]));
    const logs = ok(await c.docker(['logs', cid])).stdout.split('\n');
    expect(logs[0]).toBe(cid.slice(0, 12));
    expect(logs.slice(1).filter(Boolean)).toEqual(['lo']);
    ok(await c.docker(['rm', cid]));
  });

  it('--network none gives loopback only; --network host shares the host\'s interfaces', async () => {
    const none = ok(await c.docker(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']));
    expect(none.stdout.trim().split(/\s+/)).toEqual(['lo']);
    const host = ok(await c.docker(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']));
    expect(host.stdout.trim().split(/\s+/).sort()).toEqual(fs.readdirSync('/sys/class/net').sort());
  });

  it('-d prints the full ID and the container runs in the background', async () => {
    const r = ok(await c.docker(['run', '-d', '--name', 'bg', 'busybox', 'sleep', '100']));
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const info = await inspect('bg');
    expect(info.Id).toBe(id);
    expect(info.Name).toBe('/bg');
    expect(info.State).toMatchObject({ Status: 'running', Running: true });
    expect(info.State.Pid).toBeGreaterThan(0);
    expect(fs.existsSync(`/proc/${info.State.Pid}`)).toBe(true);
    const berth = ok(await c.berth(['run', '-d', 'busybox', 'sleep', '100']));
    expect(berth.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    ok(await c.docker(['rm', '-f', berth.stdout.trim()]));
  });

  it('--stop-signal and --stop-timeout are kept and used by stop', async () => {
    const id = ok(
      await c.docker([
        'run', '-d', '--stop-signal', 'USR1', '--stop-timeout', '5', 'busybox', 'sh', '-c',
        'trap "exit 7" USR1; echo ready; while true; do sleep 0.1; done',
      ]),
    ).stdout.trim();
    await waitFor('the trap to be set', async () => (await c.docker(['logs', id])).stdout.includes('ready'));
    const info = await inspect(id);
    expect(info.Config.StopSignal).toBe('USR1');
    expect(info.Config.StopTimeout).toBe(5);
    const stop = ok(await c.docker(['stop', id]));
    expect(stop.ms).toBeLessThan(4000); // the trap ran; no wait for the 5 s timeout
    expect((await inspect(id)).State.ExitCode).toBe(7);
    ok(await c.docker(['rm', id]));
    const bid = ok(await c.berth(['run', '-d', '--stop-signal', 'SIGUSR2', '--stop-timeout', '3', 'busybox', 'sleep', '100'])).stdout.trim();
    const binfo = await inspect(bid);
    expect(binfo.Config.StopSignal).toMatch(/^(SIG)?USR2$/);
    expect(binfo.Config.StopTimeout).toBe(3);
    ok(await c.docker(['rm', '-f', bid]));
  });
});

describe('docker ps', () => {
  let runningId: string;
  let exitedId: string;

  beforeAll(async () => {
    runningId = ok(await c.docker(['run', '-d', '--name', 'ps-running', '-l', 'role=web', 'busybox', 'sleep', '300'])).stdout.trim();
    expectExit(await c.docker(['run', '--name', 'ps-exited', '-l', 'role=job', 'busybox', 'sh', '-c', 'exit 3']), 3);
    exitedId = (await inspect('ps-exited')).Id;
  }, 60_000);

  afterAll(async () => {
    await c.docker(['rm', '-f', 'ps-running', 'ps-exited']);
  });

  it('prints Docker\'s columns; running containers only by default', async () => {
    const t = parseTable(ok(await c.docker(['ps'])).stdout);
    expect(t.header).toEqual(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
    const row = t.rows.find((r) => r.NAMES === 'ps-running');
    expect(row).toMatchObject({ 'CONTAINER ID': runningId.slice(0, 12), IMAGE: 'busybox', COMMAND: '"sleep 300"', PORTS: '' });
    expect(row!.CREATED).toMatch(/ago$/);
    expect(row!.STATUS).toMatch(/^Up /);
    expect(t.rows.find((r) => r.NAMES === 'ps-exited')).toBeUndefined();
  });

  it('-a shows exited containers with their exit code', async () => {
    const t = parseTable(ok(await c.docker(['ps', '-a'])).stdout);
    const row = t.rows.find((r) => r.NAMES === 'ps-exited');
    expect(row!.STATUS).toMatch(/^Exited \(3\) .*ago$/);
    expect(row!.COMMAND).toBe('"sh -c \'exit 3\'"');
  });

  it('-q, --no-trunc, -n', async () => {
    const q = ok(await c.docker(['ps', '-q'])).stdout.trim().split('\n');
    expect(q).toContain(runningId.slice(0, 12));
    const full = ok(await c.docker(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n');
    expect(full).toEqual(expect.arrayContaining([runningId, exitedId]));
    const last = ok(await c.docker(['ps', '-q', '-n', '1', '--no-trunc'])).stdout.trim();
    expect(last).toBe(exitedId); // created last
  });

  it('filters: status, exited, name, label, ancestor, id', async () => {
    const q = async (...f: string[]) =>
      ok(await c.docker(['ps', '-aq', '--no-trunc', ...f.flatMap((x) => ['--filter', x])])).stdout.trim().split('\n').filter(Boolean);
    expect(await q('status=exited', 'name=ps-')).toEqual([exitedId]);
    expect(await q('status=running', 'name=ps-')).toEqual([runningId]);
    expect(await q('exited=3', 'name=ps-')).toEqual([exitedId]);
    expect(await q('label=role=web')).toEqual([runningId]);
    expect(await q('label=role', 'name=ps-')).toEqual(expect.arrayContaining([runningId, exitedId]));
    expect(await q('name=ps-running')).toEqual([runningId]);
    expect(await q('id=' + runningId.slice(0, 12))).toEqual([runningId]);
    expect(await q('ancestor=busybox', 'name=ps-')).toHaveLength(2);
    expect(await q('ancestor=busybox:latest', 'name=ps-')).toHaveLength(2);
    expect(await q('name=nothing-matches-this')).toEqual([]);
  });

  it('--format json prints one JSON object a line; berth ps --format json too', async () => {
    const lines = ok(await c.docker(['ps', '--format', 'json', '--filter', 'name=ps-running'])).stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ Names: 'ps-running', Image: 'busybox', State: 'running' });
    const b = ok(await c.berth(['ps', '--format', 'json', '--filter', 'name=ps-running'])).stdout.trim().split('\n');
    expect(b).toHaveLength(1);
    const bj = JSON.parse(b[0]);
    expect(JSON.stringify(bj)).toContain('ps-running');
  });

  it('berth ps prints the same table as docker ps', async () => {
    for (const args of [['ps'], ['ps', '-a']]) {
      const docker = parseTable(ok(await c.docker(args)).stdout);
      const berth = parseTable(ok(await c.berth(args)).stdout);
      expect(berth.header).toEqual(docker.header);
      const key = (rows: Record<string, string>[]) =>
        rows.map((r) => [r['CONTAINER ID'], r.IMAGE, r.COMMAND, r.NAMES].join(' ')).sort();
      expect(key(berth.rows)).toEqual(key(docker.rows));
    }
    const q = ok(await c.berth(['ps', '-aq', '--no-trunc', '--filter', 'status=exited', '--filter', 'name=ps-']));
    expect(q.stdout.trim()).toBe(exitedId);
    expect(ok(await c.berth(['ps', '-q', '-n', '1', '--no-trunc'])).stdout.trim()).toBe(exitedId);
  });

  it('-s shows sizes', async () => {
    const t = parseTable(ok(await c.docker(['ps', '-s', '--filter', 'name=ps-running'])).stdout);
    expect(t.header).toContain('SIZE');
    expect(t.rows[0].SIZE).toMatch(/B \(virtual [0-9.]+[kMG]?B\)$/);
  });
});

describe('docker logs', () => {
  let id: string;

  beforeAll(async () => {
    id = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 2; echo late'])).stdout.trim();
    ok(await c.docker(['wait', id]));
  }, 60_000);

  afterAll(async () => {
    await c.docker(['rm', '-f', id]);
  });

  it('replays stdout and stderr to the right streams', async () => {
    const r = ok(await c.docker(['logs', id]));
    expect(r.stdout).toBe('out1\nout2\nlate\n');
    expect(r.stderr).toBe('err1\n');
    const b = ok(await c.berth(['logs', id]));
    expect(b.stdout).toBe('out1\nout2\nlate\n');
    expect(b.stderr).toBe('err1\n');
  });

  it('--tail (counts the lines of both streams, in the log file\'s order)', async () => {
    // stdout and stderr are two pipes: when the shim is late to read (load), err1 and out2 may
    // be stored in either order, as with Docker. --tail 2 counts the last 2 stored lines of
    // both streams, then shows those of stdout: the expectation comes from the stored order.
    const logPath = JSON.parse(ok(await c.docker(['inspect', '--format', '{{json .LogPath}}', id])).stdout);
    const stored = fs.readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string });
    expect(stored.map((e) => e.log).sort()).toEqual(['err1\n', 'late\n', 'out1\n', 'out2\n']);
    expect(stored[3]!.log).toBe('late\n');
    const lastTwo = stored.slice(-2).filter((e) => e.stream === 'stdout').map((e) => e.log).join('');
    expect(ok(await c.docker(['logs', '--tail', '2', id])).stdout).toBe(lastTwo);
    expect(ok(await c.berth(['logs', '--tail', '2', id])).stdout).toBe(lastTwo);
    expect(ok(await c.docker(['logs', '--tail', '0', id])).stdout).toBe('');
    expect(ok(await c.berth(['logs', '--tail', '1', id])).stdout).toBe('late\n');
  });

  it('-t prefixes RFC3339Nano timestamps; --since and --until cut by time', async () => {
    const r = ok(await c.docker(['logs', '-t', id]));
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (out1|out2|late)$/);
    const t2 = Date.parse(lines[1].split(' ')[0]);
    const t3 = Date.parse(lines[2].split(' ')[0]);
    expect(t3 - t2).toBeGreaterThan(1500);
    const mid = new Date((t2 + t3) / 2).toISOString();
    expect(ok(await c.docker(['logs', '--since', mid, id])).stdout).toBe('late\n');
    expect(ok(await c.docker(['logs', '--until', mid, id])).stdout).toBe('out1\nout2\n');
    expect(ok(await c.berth(['logs', '--since', mid, id])).stdout).toBe('late\n');
    expect(ok(await c.berth(['logs', '--until', mid, id])).stdout).toBe('out1\nout2\n');
    const bt = ok(await c.berth(['logs', '-t', '--tail', '1', id])).stdout;
    expect(bt).toMatch(/^\d{4}-\d\d-\d\dT\S+Z late\n$/);
  });

  it('-f follows until the container exits', async () => {
    const fid = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo n$i; sleep 0.3; done'])).stdout.trim();
    const r = ok(await c.docker(['logs', '-f', fid], { timeoutMs: 20_000 }));
    expect(r.stdout).toBe('n1\nn2\nn3\n');
    const b = ok(await c.berth(['logs', '-f', fid], { timeoutMs: 20_000 }));
    expect(b.stdout).toBe('n1\nn2\nn3\n');
    ok(await c.docker(['rm', fid]));
  });

  it('logs of a missing container: exit 1, No such container', async () => {
    const r = await c.docker(['logs', 'no-such-container']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No such container/);
  });
});

describe('lifecycle', () => {
  it('stop -t 1 sends SIGTERM, then SIGKILL after the timeout (exit 137)', async () => {
    ok(await c.docker(['run', '-d', '--name', 'stop-me', 'busybox', 'sleep', '100']));
    const r = ok(await c.docker(['stop', '-t', '1', 'stop-me']));
    expect(r.stdout.trim()).toBe('stop-me');
    expect(r.ms).toBeGreaterThan(800);
    expect(r.ms).toBeLessThan(8000);
    const info = await inspect('stop-me');
    expect(info.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 137, Pid: 0 });
    expect(Date.parse(info.State.FinishedAt)).toBeGreaterThan(Date.parse(info.State.StartedAt));
    // The shim reports the exit before it runs `runc delete` (2653500: the daemon records the exit
    // meanwhile), so the shim and its delete may still be finishing when stop answers; they must
    // be gone within a bounded time (a leak stays and fails this).
    await waitFor('the shim and its runtime delete to finish', () => containerProcesses(info.Id).length === 0, 5000).catch(() => undefined);
    expect(containerProcesses(info.Id)).toEqual([]);
    ok(await c.docker(['rm', 'stop-me']));
  });

  it('stop of a process that handles SIGTERM is quick and keeps its exit code', async () => {
    const id = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'trap "exit 4" TERM; echo ready; while true; do sleep 0.1; done'])).stdout.trim();
    await waitFor('the trap to be set', async () => (await c.docker(['logs', id])).stdout.includes('ready'));
    const r = ok(await c.berth(['stop', id]));
    expect(r.ms).toBeLessThan(5000);
    expect((await inspect(id)).State.ExitCode).toBe(4);
    ok(await c.docker(['rm', id]));
  });

  it('kill sends SIGKILL by default, -s another signal; kill of a stopped container is a 409', async () => {
    ok(await c.docker(['run', '-d', '--name', 'kill-me', 'busybox', 'sleep', '100']));
    ok(await c.docker(['kill', 'kill-me']));
    await waitFor('exit', async () => !(await inspect('kill-me')).State.Running);
    expect((await inspect('kill-me')).State.ExitCode).toBe(137);
    const again = await c.docker(['kill', 'kill-me']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not running/);
    const raw = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/kill-me/kill' });
    expect(raw.status).toBe(409);
    ok(await c.docker(['rm', 'kill-me']));

    const id = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'trap "exit 9" USR1; echo ready; while true; do sleep 0.1; done'])).stdout.trim();
    await waitFor('the trap to be set', async () => (await c.docker(['logs', id])).stdout.includes('ready'));
    ok(await c.docker(['kill', '-s', 'USR1', id]));
    expect(ok(await c.docker(['wait', id])).stdout.trim()).toBe('9');
    ok(await c.berth(['rm', id]));

    const bid = ok(await c.docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
    ok(await c.berth(['kill', '-s', 'KILL', bid]));
    expect(ok(await c.berth(['wait', bid])).stdout.trim()).toBe('137');
    ok(await c.docker(['rm', bid]));
  });

  it('restart gives a new process; start -a attaches and returns the exit code', async () => {
    ok(await c.docker(['run', '-d', '--name', 'restart-me', 'busybox', 'sleep', '100']));
    const before = await inspect('restart-me');
    ok(await c.docker(['restart', '-t', '1', 'restart-me']));
    const after = await inspect('restart-me');
    expect(after.State.Running).toBe(true);
    expect(after.State.Pid).not.toBe(before.State.Pid);
    expect(Date.parse(after.State.StartedAt)).toBeGreaterThan(Date.parse(before.State.StartedAt));
    expect(fs.existsSync(`/proc/${before.State.Pid}`)).toBe(false);
    ok(await c.berth(['restart', '-t', '1', 'restart-me']));
    expect((await inspect('restart-me')).State.Running).toBe(true);
    ok(await c.docker(['rm', '-f', 'restart-me']));

    const id = ok(await c.docker(['create', 'busybox', 'sh', '-c', 'echo started; exit 4'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await inspect(id)).State.Status).toBe('created');
    const r = expectExit(await c.docker(['start', '-a', id]), 4);
    expect(r.stdout).toBe('started\n');
    const b = expectExit(await c.berth(['start', '-a', id]), 4);
    expect(b.stdout).toBe('started\n');
    ok(await c.docker(['start', id]));
    expect(ok(await c.docker(['wait', id])).stdout.trim()).toBe('4');
    ok(await c.docker(['rm', id]));
  });

  it('wait?condition=removed answers once the container is removed; next-exit waits for the next run', async () => {
    const id = ok(await c.docker(['create', 'busybox', 'sh', '-c', 'exit 6'])).stdout.trim();
    ok(await c.docker(['start', id]));
    ok(await c.docker(['wait', id]));
    let removedAnswered = false;
    const removed = rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/containers/${id}/wait?condition=removed` }).then((r) => {
      removedAnswered = true;
      return r;
    });
    const nextExit = rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/containers/${id}/wait?condition=next-exit` });
    await sleep(500);
    expect(removedAnswered).toBe(false);
    ok(await c.docker(['start', id]));
    const ne = await nextExit;
    expect(ne.status).toBe(200);
    expect(ne.json).toMatchObject({ StatusCode: 6 });
    await sleep(300);
    expect(removedAnswered).toBe(false);
    ok(await c.docker(['rm', id]));
    const rm = await removed;
    expect(rm.status).toBe(200);
    expect(rm.json).toMatchObject({ StatusCode: 6 });
  });

  it('wait blocks until the exit and prints the code', async () => {
    const id = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; exit 5'])).stdout.trim();
    const r = ok(await c.docker(['wait', id]));
    expect(r.stdout.trim()).toBe('5');
    expect(r.ms).toBeGreaterThan(300);
    // an exited container answers at once
    expect(ok(await c.docker(['wait', id])).stdout.trim()).toBe('5');
    ok(await c.docker(['rm', id]));
  });

  it('rm of a running container is refused (409); rm -f kills it and cleans up', async () => {
    const id = ok(await c.docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
    const pid = (await inspect(id)).State.Pid;
    const r = await c.docker(['rm', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/You cannot remove a running container/);
    const f = ok(await c.docker(['rm', '-f', id]));
    expect(f.stdout.trim()).toBe(id);
    expect(await exists(id)).toBe(false);
    await waitFor('the container process to be gone', () => !fs.existsSync(`/proc/${pid}`), 2000);
    expect(fs.existsSync(path.join(d.dataRoot, 'containers', id))).toBe(false);
    expect(mountsUnder(path.join(d.dataRoot, 'containers', id))).toEqual([]);
    const missing = await c.docker(['rm', 'no-such-container']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such container/);
    const bid = ok(await c.docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
    ok(await c.berth(['rm', '-f', bid]));
    expect(await exists(bid)).toBe(false);
  });

  it('rename changes the name; the old one is gone', async () => {
    const id = ok(await c.docker(['create', '--name', 'old-name', 'busybox', 'true'])).stdout.trim();
    ok(await c.docker(['rename', 'old-name', 'new-name']));
    expect((await inspect('new-name')).Id).toBe(id);
    expect((await inspect('new-name')).Name).toBe('/new-name');
    expect(await exists('old-name')).toBe(false);
    ok(await c.berth(['rename', 'new-name', 'newer-name']));
    expect((await inspect('newer-name')).Id).toBe(id);
    ok(await c.docker(['create', '--name', 'other-name', 'busybox', 'true']));
    const clash = await c.docker(['rename', 'newer-name', 'other-name']);
    expect(clash.code).toBe(1);
    ok(await c.docker(['rm', 'newer-name', 'other-name']));
  });

  it('start, stop, restart, kill, rm print their arguments, in berth as in docker', async () => {
    for (const client of ['docker', 'berth'] as const) {
      const run = c[client];
      const name = `echo-args-${client}`;
      ok(await run(['create', '--name', name, 'busybox', 'sleep', '100']));
      expect(ok(await run(['start', name])).stdout).toBe(`${name}\n`);
      expect(ok(await run(['restart', '-t', '0', name])).stdout).toBe(`${name}\n`);
      expect(ok(await run(['kill', name])).stdout).toBe(`${name}\n`);
      ok(await run(['start', name]));
      expect(ok(await run(['stop', '-t', '0', name])).stdout).toBe(`${name}\n`);
      expect(ok(await run(['rm', name])).stdout).toBe(`${name}\n`);
    }
  });

  it('berth create, inspect and start -a', async () => {
    const id = ok(await c.berth(['create', '--name', 'berth-created', '-e', 'X=1', '-l', 'made=berth', 'busybox', 'sh', '-c', 'echo $X'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const [info] = JSON.parse(ok(await c.berth(['inspect', 'berth-created'])).stdout);
    expect(info.Id).toBe(id);
    expect(info.Name).toBe('/berth-created');
    expect(info.Config.Labels).toEqual({ made: 'berth' });
    expect(info.State.Status).toBe('created');
    const [viaDocker] = JSON.parse(ok(await c.docker(['inspect', 'berth-created'])).stdout);
    expect(viaDocker.Config).toEqual(info.Config);
    expect(ok(await c.berth(['start', '-a', 'berth-created'])).stdout).toBe('1\n');
    ok(await c.berth(['rm', 'berth-created']));
    const missing = await c.berth(['inspect', 'no-such-container']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such (container|object)/i);
  });

  it('containers are found by name, full ID and ID prefix', async () => {
    const id = ok(await c.docker(['create', '--name', 'by-any', 'busybox', 'true'])).stdout.trim();
    for (const ref of ['by-any', id, id.slice(0, 12), id.slice(0, 5)]) expect((await inspect(ref)).Id).toBe(id);
    ok(await c.docker(['rm', id.slice(0, 12)]));
  });
});

describe('--rm', () => {
  it('a detached --rm container removes itself (and its directory) when it exits', async () => {
    const id = ok(await c.docker(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'sleep 0.5; exit 2'])).stdout.trim();
    expect((await inspect(id)).HostConfig.AutoRemove).toBe(true);
    await waitFor('the container to be removed', async () => !(await exists(id)), 15_000);
    await waitFor('its directory to be gone', () => !fs.existsSync(path.join(d.dataRoot, 'containers', id)), 5000);
    expect(mountsUnder(path.join(d.dataRoot, 'containers', id))).toEqual([]);
  });

  it('run --rm with a failing command is removed too', async () => {
    const before = ok(await c.docker(['ps', '-aq'])).stdout;
    expectExit(await c.docker(['run', '--rm', 'busybox', 'sh', '-c', 'exit 2']), 2);
    expectExit(await c.docker(['run', '--rm', 'busybox', 'nope']), 127);
    expectExit(await c.berth(['run', '--rm', 'busybox', 'sh', '-c', 'exit 2']), 2);
    await waitFor('ps -a unchanged', async () => ok(await c.docker(['ps', '-aq'])).stdout === before, 5000);
  });
});

describe('export', () => {
  const cases = [
    ['docker-save fixture', fixtures.dockerSave],
    ['OCI archive fixture', fixtures.ociArchive],
  ] as const;

  beforeAll(async () => {
    for (const [, file] of cases) ok(await c.docker(['load', '-i', file]));
    ok(await c.docker(['tag', fixtures.ociArchiveId, 'fixture-oci:1']));
  }, 60_000);

  for (const [what, file] of cases) {
    it(`a container from the ${what} exports the exact rootfs Docker produced`, async () => {
      const ref = file === fixtures.dockerSave ? fixtures.dockerSaveTag : 'fixture-oci:1';
      const id = ok(await c.docker(['create', ref])).stdout.trim();
      try {
        const tar = path.join(work, `export-${id}.tar`);
        ok(await c.docker(['export', '-o', tar, id]));
        const listing = ok(await exec('python3', [fixtures.rootfsListing, tar]));
        const expected = fs.readFileSync(fixtures.rootfsTsv, 'utf8');
        expect(listing.stdout).toBe(expected);
        // berth export to stdout, piped as the fixtures README shows
        const viaBerth = ok(await c.berth(['export', id]));
        const listing2 = ok(await exec('python3', [fixtures.rootfsListing], { input: viaBerth.stdoutBuffer }));
        expect(listing2.stdout).toBe(expected);
        // and it still runs
        expect(ok(await c.docker(['start', '-a', id])).stdout).toBe('hello\n');
      } finally {
        await c.docker(['rm', '-f', id]);
      }
    });
  }

  it('import → container → export keeps special files: device nodes, fifo, setuid, owners, links, long names', async () => {
    const long = `n${'x'.repeat(180)}`;
    const entries: TarEntry[] = [
      { name: 'bin/', type: 'dir' },
      { name: 'bin/busybox', content: fs.readFileSync('/usr/bin/busybox'), mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
      { name: 'data/', type: 'dir', mode: 0o750, uid: 1000, gid: 1000 },
      { name: 'data/owned', content: 'mine\n', uid: 1000, gid: 1000, mode: 0o600 },
      { name: 'data/suid', content: 'setuid\n', mode: 0o4755 },
      { name: 'data/sgid-dir/', type: 'dir', mode: 0o2775 },
      { name: 'data/sticky/', type: 'dir', mode: 0o1777 },
      { name: 'data/hard-a', content: 'linked\n' },
      { name: 'data/hard-b', type: 'hardlink', linkname: 'data/hard-a' },
      { name: 'data/abs-link', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'data/dangling', type: 'symlink', linkname: '../nowhere' },
      { name: 'data/fifo', type: 'fifo', mode: 0o600 },
      { name: 'data/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'data/loop', type: 'block', devmajor: 7, devminor: 0, mode: 0o660 },
      { name: `data/${long}`, content: 'long name\n' },
      { name: 'data/empty-dir/', type: 'dir' },
    ];
    const input = makeTar(entries);
    const expected = ok(await exec('python3', [fixtures.rootfsListing], { input })).stdout;
    const id = ok(await c.docker(['import', '-', 'special-files:v1'], { input })).stdout.trim();
    expect(id).toMatch(/^sha256:/);
    const cid = ok(await c.docker(['create', 'special-files:v1', '/bin/sh'])).stdout.trim();
    try {
      const exported = ok(await c.docker(['export', cid])).stdoutBuffer;
      const listing = ok(await exec('python3', [fixtures.rootfsListing], { input: exported })).stdout;
      expect(listing).toBe(expected);
      // and back again: the exported tar imports into the same listing
      ok(await c.docker(['import', '-', 'special-files:v2'], { input: exported }));
      const cid2 = ok(await c.docker(['create', 'special-files:v2', '/bin/sh'])).stdout.trim();
      const again = ok(await c.docker(['export', cid2])).stdoutBuffer;
      ok(await c.docker(['rm', cid2]));
      expect(ok(await exec('python3', [fixtures.rootfsListing], { input: again })).stdout).toBe(expected);
    } finally {
      await c.docker(['rm', '-f', cid]);
    }
  });

  it('what a container deletes and replaces is gone from its export (whiteouts, opaque directories)', async () => {
    const id = ok(
      await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'rm /etc/group && rm -rf /home && mkdir /home && echo new > /home/only && rm /bin/vi']),
    ).stdout.trim();
    expect(ok(await c.docker(['wait', id])).stdout.trim()).toBe('0');
    const listing = ok(await exec('python3', [fixtures.rootfsListing], { input: ok(await c.docker(['export', id])).stdoutBuffer })).stdout;
    const paths = listing.split('\n').map((l) => l.split('\t')[0]);
    expect(paths).not.toContain('etc/group');
    expect(paths).not.toContain('bin/vi');
    expect(paths.filter((p) => p.startsWith('home/'))).toEqual(['home/only']);
    expect(paths.some((p) => p.includes('.wh.'))).toBe(false);
    expect(paths).toContain('bin/busybox');
    ok(await c.docker(['rm', id]));
  });

  it('export includes what the container wrote, and the runtime-provided files', async () => {
    const id = ok(await c.docker(['run', '-d', 'busybox', 'sh', '-c', 'echo data > /tmp/written; rm /etc/group'])).stdout.trim();
    ok(await c.docker(['wait', id]));
    const tar = path.join(work, 'export-written.tar');
    ok(await c.docker(['export', '-o', tar, id]));
    const names = ok(await exec('tar', ['-tf', tar])).stdout.split('\n').map((n) => n.replace(/^\.?\//, ''));
    expect(names).toEqual(expect.arrayContaining(['tmp/written', 'bin/busybox', 'etc/passwd', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf']));
    expect(names).not.toContain('etc/group');
    expect(names.some((n) => n.includes('.wh.'))).toBe(false);
    ok(await c.docker(['rm', id]));
  });
});

describe('container prune', () => {
  it('removes stopped containers only', async () => {
    const running = ok(await c.docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
    const stopped = ok(await c.docker(['create', 'busybox', 'true'])).stdout.trim();
    ok(await c.docker(['start', stopped]));
    ok(await c.docker(['wait', stopped]));
    const r = ok(await c.docker(['container', 'prune', '-f']));
    expect(r.stdout).toContain('Deleted Containers:');
    expect(r.stdout).toContain(stopped);
    expect(r.stdout).not.toContain(running);
    expect(r.stdout).toMatch(/Total reclaimed space: /);
    expect(await exists(stopped)).toBe(false);
    expect(await exists(running)).toBe(true);
    const exited = ok(await c.docker(['ps', '-aq', '-f', 'status=exited'])).stdout.trim();
    expect(exited).toBe('');
    const again = ok(await c.docker(['create', 'busybox', 'true'])).stdout.trim();
    const b = ok(await c.berth(['container', 'prune', '-f']));
    expect(b.stdout).toContain(again);
    expect(await exists(again)).toBe(false);
    ok(await c.docker(['rm', '-f', running]));
  });
});

describe('no leaks while the daemon runs', () => {
  it('after all containers are removed, nothing is mounted or running under the data root but berthd', async () => {
    await d.removeAllContainers();
    // shims exit just after their container is removed: give them a moment, then insist
    const others = () => processesUnder(d.dataRoot).filter((p) => p.pid !== d.pid);
    await waitFor('the shims to exit', () => others().length === 0, 3000).catch(() => undefined);
    expect(others()).toEqual([]);
    expect(mountsUnder(path.join(d.dataRoot, 'containers'))).toEqual([]);
    expect(fs.readdirSync(path.join(d.dataRoot, 'containers'))).toEqual([]);
  });
});
