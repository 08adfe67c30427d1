/**
 * Issue 4, the interactive half, with the real docker CLI and dockerode: `run -it` and `exec -it`
 * through a pseudo-terminal, exec exit codes, cp both ways (and hostile cp input), stats, top,
 * events, volumes (named, anonymous, binds :ro, --read-only, --volumes-from, rm -v), update
 * applied live, pause; dockerode exec/start demux, TTY run, getEvents, stats, volumes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { BerthDaemon, busyboxRootfsTar, clientsFor, exec, expectExit, makeTar, ok, rawRequest, waitFor } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;

/** Runs a command on a pseudo-terminal (python3's pty), typing `input` once `prompt` shows up. */
const PTY_DRIVER = `
import os, pty, select, sys, time
prompt = os.environ['PTY_PROMPT'].encode()
lines = os.environ['PTY_INPUT'].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
sent = False
t0 = time.time()
deadline = t0 + 30
delay = float(os.environ.get('PTY_DELAY', '0'))
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if fd in r:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
    if not sent and prompt in out and time.time() - t0 >= delay:
        os.write(fd, lines)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

function onPty(args: string[], prompt: string, input: string, delaySeconds = 0) {
  return exec('python3', ['-c', PTY_DRIVER, 'docker', ...args], {
    env: { DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(work, 'docker-config'), PTY_PROMPT: prompt, PTY_INPUT: input, PTY_DELAY: String(delaySeconds) },
  });
}

async function inspect(ref: string): Promise<any> {
  return JSON.parse(ok(await c.docker(['inspect', ref])).stdout)[0];
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-ctr-interactive-'));
  fs.mkdirSync(path.join(work, 'docker-config'));
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  // an image with a VOLUME whose content seeds new volumes
  ok(await c.docker(['run', '--name', 'seed', 'busybox', 'sh', '-c', 'mkdir -p /data && echo from-image > /data/seeded']));
  ok(await c.docker(['commit', '-c', 'VOLUME /data', 'seed', 'withvol:latest']));
  ok(await c.docker(['rm', 'seed']));
  ok(await c.docker(['run', '-d', '--name', 'svc', 'busybox', 'sleep', '1000']));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('interactive sessions', () => {
  it('docker run -it: a shell on a pseudo-terminal, its exit code', async () => {
    const r = await onPty(['run', '-it', '--rm', 'busybox', 'sh'], '# ', 'echo hello-$((6*7)); tty; exit 3\r');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('hello-42');
    expect(r.stdout).toMatch(/\/dev\/(pts\/\d+|console)/);
  });

  it('docker run -it, detach with ctrl-p ctrl-q, docker attach again: the shell is still there', async () => {
    const r = await onPty(['run', '-it', '--name', 'detached', 'busybox', 'sh'], '# ', '\u0010\u0011');
    expect(r.code).toBe(0);
    expect((await inspect('detached')).State.Running).toBe(true);
    const a = await onPty(['attach', 'detached'], '', 'echo back-$((2+2))\rexit 4\r', 1);
    expect(a.code).toBe(4);
    expect(a.stdout).toContain('back-4');
    expect((await inspect('detached')).State).toMatchObject({ Running: false, ExitCode: 4 });
    ok(await c.docker(['rm', 'detached']));
  });

  it('docker exec -it into a running container; exec exit codes 0/7/126/127', async () => {
    const r = await onPty(['exec', '-it', 'svc', 'sh'], '# ', 'echo in-$((1+1)); tty; exit 5\r');
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('in-2');
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect((await c.docker(['exec', 'svc', 'true'])).code).toBe(0);
    expect((await c.docker(['exec', 'svc', 'sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await c.docker(['exec', 'svc', '/etc'])).code).toBe(126);
    expect((await c.docker(['exec', 'svc', 'no-such-command'])).code).toBe(127);
    const e = ok(await c.docker(['exec', '-e', 'A=b', '-w', '/tmp', '-u', 'nobody', 'svc', 'sh', '-c', 'echo $A $(pwd) $(id -u)']));
    expect(e.stdout.trim()).toBe('b /tmp 65534');
    expect(ok(await c.docker(['exec', '-i', 'svc', 'cat'], { input: 'piped\n' })).stdout).toBe('piped\n');
  });

  it('an exec in a stopped container is 409', async () => {
    ok(await c.docker(['create', '--name', 'stopped', 'busybox', 'true']));
    const r = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/stopped/exec', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Cmd: ['true'] }) });
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.json)).toMatch(/is not running/);
    expectExit(await c.docker(['exec', 'stopped', 'true']), 1);
  });
});

describe('files, stats, top, pause, update', () => {
  it('docker cp both ways, to stdout as a tar; a missing path is 404', async () => {
    fs.writeFileSync(path.join(work, 'in.txt'), 'into the container\n');
    ok(await c.docker(['cp', path.join(work, 'in.txt'), 'svc:/tmp/in.txt']));
    expect(ok(await c.docker(['exec', 'svc', 'cat', '/tmp/in.txt'])).stdout).toBe('into the container\n');
    ok(await c.docker(['cp', 'svc:/etc/passwd', path.join(work, 'passwd')]));
    expect(fs.readFileSync(path.join(work, 'passwd'), 'utf8')).toMatch(/^root:/);
    const tar = ok(await c.docker(['cp', 'svc:/tmp/in.txt', '-'])).stdoutBuffer;
    expect(tar.subarray(0, 6).toString()).toBe('in.txt');
    const missing = await rawRequest(d.socketPath, { method: 'HEAD', path: '/v1.41/containers/svc/archive?path=/no/such' });
    expect(missing.status).toBe(404);
    const cli = await c.docker(['cp', 'svc:/no/such', work]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/Could not find the file|No such container:path/);
  });

  it('cp of a tar escaping through ../ or a symlink leaves the host untouched', async () => {
    const victim = path.join(work, 'victim');
    fs.mkdirSync(victim);
    const hostile = makeTar([
      { name: '../../../../../../../..' + victim + '/dotdot', content: 'x' },
      { name: 'link', type: 'symlink', linkname: victim },
      { name: 'link/through-symlink', content: 'x' },
    ]);
    const r = await rawRequest(d.socketPath, { method: 'PUT', path: '/v1.41/containers/svc/archive?path=/tmp', headers: { 'content-type': 'application/x-tar' }, body: hostile });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(fs.readdirSync(victim)).toEqual([]);
    // a symlink already in the container pointing outside is followed inside its root only
    ok(await c.docker(['exec', 'svc', 'ln', '-s', victim, '/tmp/out']));
    fs.writeFileSync(path.join(work, 'f.txt'), 'y');
    await c.docker(['cp', path.join(work, 'f.txt'), 'svc:/tmp/out/f.txt']);
    expect(fs.readdirSync(victim)).toEqual([]);
  });

  it('docker stats --no-stream and docker top', async () => {
    ok(await c.docker(['run', '-d', '--name', 'limited', '-m', '64m', 'busybox', 'sleep', '1000']));
    const s = ok(await c.docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', 'limited']));
    expect(s.stdout.trim()).toMatch(/^limited\|[\d.]+[KMG]?i?B \/ 64MiB\|1$/);
    const table = ok(await c.docker(['stats', '--no-stream']));
    expect(table.stdout).toMatch(/CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT/);
    const top = ok(await c.docker(['top', 'limited']));
    expect(top.stdout).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/m); // docker's default `ps -ef`
    expect(top.stdout).toContain('sleep 1000');
    expect(ok(await c.docker(['top', 'limited', '-o', 'pid,comm'])).stdout).toMatch(/sleep/);
  });

  it('docker update changes the limits of a running container at once', async () => {
    const id = (await inspect('limited')).Id;
    ok(await c.docker(['update', '-m', '96m', '--memory-swap', '192m', '--cpus', '0.5', '--pids-limit', '40', 'limited']));
    expect(fs.readFileSync(`/sys/fs/cgroup/memory/berth/${id}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(96 * 1024 * 1024));
    expect(fs.readFileSync(`/sys/fs/cgroup/cpu/berth/${id}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('50000');
    expect(fs.readFileSync(`/sys/fs/cgroup/pids/berth/${id}/pids.max`, 'utf8').trim()).toBe('40');
    expect((await inspect('limited')).HostConfig).toMatchObject({ Memory: 96 * 1024 * 1024, NanoCpus: 5e8, PidsLimit: 40 });
    const bad = await c.docker(['update', '--cpus', '64', 'limited']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Range of CPUs/);
    const neg = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/limited/update', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Memory: -5 }) });
    expect(neg.status).toBe(400);
  });

  it('docker pause freezes the cgroup, unpause thaws it', async () => {
    const id = (await inspect('limited')).Id;
    ok(await c.docker(['pause', 'limited']));
    expect(fs.readFileSync(`/sys/fs/cgroup/freezer/berth/${id}/freezer.state`, 'utf8').trim()).toBe('FROZEN');
    expect(ok(await c.docker(['ps', '--filter', 'name=limited', '--format', '{{.Status}}'])).stdout).toMatch(/\(Paused\)/);
    ok(await c.docker(['unpause', 'limited']));
    expect(fs.readFileSync(`/sys/fs/cgroup/freezer/berth/${id}/freezer.state`, 'utf8').trim()).toBe('THAWED');
    ok(await c.docker(['rm', '-f', 'limited']));
  });
});

describe('events', () => {
  it('docker events with since/until and filters shows the lifecycle docker emits', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    expectExit(await c.docker(['run', '--name', 'evt', '--label', 'k=v', 'busybox', 'sh', '-c', 'exit 2']), 2);
    ok(await c.docker(['exec', 'svc', 'true']));
    ok(await c.docker(['rm', 'evt']));
    ok(await c.docker(['volume', 'create', 'evvol']));
    ok(await c.docker(['volume', 'rm', 'evvol']));
    ok(await c.docker(['run', '--rm', '-v', 'evimplicit:/x', 'busybox', 'true']));
    ok(await c.docker(['volume', 'rm', 'evimplicit']));
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=evt', '--format', '{{.Action}} {{index .Actor.Attributes "exitCode"}}']));
    const actions = r.stdout.trim().split('\n').map((l) => l.replace('<no value>', '').trim());
    expect(actions).toEqual(['create', 'attach', 'start', 'die 2', 'destroy']);
    const execs = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=svc', '--format', '{{.Action}}']));
    expect(execs.stdout).toMatch(/^exec_create: true\nexec_start: true\nexec_die$/m);
    expect(actions.indexOf('create')).toBeLessThan(actions.indexOf('destroy'));
    const byLabel = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'label=k=v', '--filter', 'event=die', '--format', '{{.Actor.Attributes.name}}']));
    expect(byLabel.stdout.trim()).toBe('evt');
    const vols = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}']));
    expect(vols.stdout).toMatch(/create evvol[\s\S]*destroy evvol/);
    expect(vols.stdout).toMatch(/create evimplicit\nmount evimplicit\nunmount evimplicit\ndestroy evimplicit/);
  });
});

describe('volumes', () => {
  it('docker volume create/ls/inspect/rm/prune; a named volume keeps its data across rm', async () => {
    ok(await c.docker(['volume', 'create', '--label', 'team=a', 'keep']));
    expect(ok(await c.docker(['volume', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}}'])).stdout.trim()).toBe('keep');
    const v = JSON.parse(ok(await c.docker(['volume', 'inspect', 'keep'])).stdout)[0];
    expect(v).toMatchObject({ Name: 'keep', Driver: 'local', Labels: { team: 'a' }, Scope: 'local' });
    ok(await c.docker(['run', '--name', 'w1', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']));
    expectExit(await c.docker(['volume', 'rm', 'keep']), 1);
    ok(await c.docker(['rm', 'w1']));
    expect(ok(await c.docker(['run', '--rm', '-v', 'keep:/x', 'busybox', 'cat', '/x/f'])).stdout).toBe('kept\n');
    ok(await c.docker(['volume', 'rm', 'keep']));
    ok(await c.docker(['volume', 'create', 'dangling']));
    expect(ok(await c.docker(['volume', 'prune', '-f'])).stdout).toContain('dangling');
    expect(ok(await c.docker(['volume', 'ls', '-q'])).stdout.trim()).toBe('');
  });

  it('named volumes are seeded from the image; image VOLUMEs get anonymous volumes, removed by rm -v; --volumes-from', async () => {
    expect(ok(await c.docker(['run', '--rm', '-v', 'seeded:/data', 'withvol', 'cat', '/data/seeded'])).stdout).toBe('from-image\n');
    ok(await c.docker(['run', '--name', 'anon', 'withvol', 'sh', '-c', 'echo more > /data/more']));
    const m = (await inspect('anon')).Mounts;
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ Type: 'volume', Destination: '/data', Driver: 'local', RW: true });
    expect(ok(await c.docker(['run', '--rm', '--volumes-from', 'anon', 'busybox', 'cat', '/data/seeded', '/data/more'])).stdout).toBe('from-image\nmore\n');
    ok(await c.docker(['rm', '-v', 'anon']));
    expect(ok(await c.docker(['volume', 'ls', '-q'])).stdout.trim().split('\n')).toEqual(['seeded']);
    ok(await c.docker(['volume', 'rm', 'seeded']));
    // --rm takes its anonymous volumes along
    ok(await c.docker(['run', '--rm', 'withvol', 'true']));
    expect(ok(await c.docker(['volume', 'ls', '-q'])).stdout.trim()).toBe('');
  });

  it('a bind :ro refuses writes; --read-only refuses writes outside volumes and tmpfs; --mount', async () => {
    const host = path.join(work, 'bind');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'f'), 'host\n');
    const ro = await c.docker(['run', '--rm', '-v', `${host}:/h:ro`, 'busybox', 'sh', '-c', 'cat /h/f; echo x > /h/f']);
    expect(ro.code).not.toBe(0);
    expect(ro.stdout).toBe('host\n');
    expect(ro.stderr).toMatch(/Read-only file system/);
    expect(fs.readFileSync(path.join(host, 'f'), 'utf8')).toBe('host\n');
    const r = await c.docker(['run', '--rm', '--read-only', '-v', `${host}:/h`, '--tmpfs', '/t', '--mount', 'type=tmpfs,dst=/t2', 'busybox', 'sh', '-c', 'echo a > /h/w && echo b > /t/w && echo c > /t2/w && echo ok && echo d > /etc/w']);
    expect(r.stdout).toBe('ok\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.code).not.toBe(0);
    expect(fs.readFileSync(path.join(host, 'w'), 'utf8')).toBe('a\n');
    const mnt = ok(await c.docker(['run', '--rm', '--mount', `type=bind,src=${host},dst=/b,readonly`, 'busybox', 'sh', '-c', 'cat /b/f; touch /b/x 2>&1 || true']));
    expect(mnt.stdout).toMatch(/host\n.*Read-only file system/);
  });
});

describe('security options', () => {
  it('default capabilities, --cap-add/--cap-drop, --privileged, no-new-privileges, masked paths, --device, --init', async () => {
    const caps = async (...args: string[]) => ok(await c.docker(['run', '--rm', ...args, 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status'])).stdout.trim().split(/\s+/)[1];
    expect(await caps()).toBe('00000000a80425fb'); // docker's default set
    expect(await caps('--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN')).toBe('0000000000001000');
    expect(BigInt(`0x${await caps('--privileged')}`)).toBeGreaterThan(0xa80425fbn);
    const devs = async (...args: string[]) => ok(await c.docker(['run', '--rm', ...args, 'busybox', 'ls', '/dev'])).stdout.trim().split('\n');
    const hostDevs = fs.readdirSync('/dev').filter((n) => fs.statSync(`/dev/${n}`, { throwIfNoEntry: false })?.isCharacterDevice());
    expect((await devs('--privileged')).length).toBeGreaterThan((await devs()).length);
    expect(await devs('--privileged')).toEqual(expect.arrayContaining(hostDevs.filter((n) => n !== 'console')));
    expect(ok(await c.docker(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status'])).stdout).toMatch(/NoNewPrivs:\s+1/);
    const masked = ok(await c.docker(['run', '--rm', 'busybox', 'sh', '-c', 'cat /proc/timer_list | wc -c; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || echo ro']));
    expect(masked.stdout).toMatch(/^0\n[\s\S]*ro/);
    expect(ok(await c.docker(['run', '--rm', '--device', '/dev/null:/dev/xnull', 'busybox', 'sh', '-c', 'echo x > /dev/xnull && ls -l /dev/xnull'])).stdout).toMatch(/^crw.*1,\s+3/);
    expect(ok(await c.docker(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,comm'])).stdout).toMatch(/1\s+docker-init/);
    expect((await c.docker(['run', '--rm', '--security-opt', 'bogus=1', 'busybox', 'true'])).code).toBe(125);
  });
});

describe('dockerode', () => {
  it('exec + start with demuxed output, inspect ExitCode', async () => {
    const docker = c.dockerode();
    const ctr = docker.getContainer('svc');
    const ex = await ctr.exec({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 4'], AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    out.on('data', (b: Buffer) => o.push(b));
    err.on('data', (b: Buffer) => e.push(b));
    docker.modem.demuxStream(stream, out, err);
    await new Promise((r) => stream.on('end', r));
    expect(Buffer.concat(o).toString()).toBe('out\n');
    expect(Buffer.concat(e).toString()).toBe('err\n');
    const info = await waitFor('exec exit', async () => {
      const i = await ex.inspect();
      return i.Running ? undefined : i;
    });
    expect(info.ExitCode).toBe(4);
  });

  it('run with a TTY, getEvents, stats({stream:false}), volumes', async () => {
    const docker = c.dockerode();
    const events = (await docker.getEvents({ filters: { type: ['container'], event: ['start'] } })) as NodeJS.ReadableStream & { destroy(): void };
    const seen: any[] = [];
    events.on('data', (b: Buffer) => {
      for (const l of b.toString().split('\n').filter(Boolean)) seen.push(JSON.parse(l));
    });
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (b: Buffer) => chunks.push(b));
    const [res, ctr] = await docker.run('busybox', ['sh', '-c', 'tty; echo line'], sink, { Tty: true, name: 'ode-tty' });
    expect(res.StatusCode).toBe(0);
    expect(Buffer.concat(chunks).toString()).toMatch(/\/dev\/(pts\/\d+|console)\r\nline\r\n/);
    await waitFor('start event', () => seen.find((x) => x.Actor?.Attributes?.name === 'ode-tty'));
    events.destroy();
    await ctr.remove();

    const stats = await docker.getContainer('svc').stats({ stream: false });
    expect(stats.memory_stats.usage).toBeGreaterThan(0);
    expect(stats.pids_stats?.current).toBeGreaterThanOrEqual(1);
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(stats.precpu_stats).toBeDefined();

    const vol = await docker.createVolume({ Name: 'ode-vol', Labels: { by: 'ode' } });
    // dockerode resolves a Volume (`name`), though its types say VolumeCreateResponse (`Name`)
    const created = vol as unknown as { name?: string; Name?: string };
    expect(created.name ?? created.Name).toBe('ode-vol');
    const list = await docker.listVolumes({ filters: { label: ['by=ode'] } });
    expect(list.Volumes.map((v) => v.Name)).toEqual(['ode-vol']);
    expect((await docker.getVolume('ode-vol').inspect()).Labels).toEqual({ by: 'ode' });
    await docker.getVolume('ode-vol').remove();
    await expect(docker.getVolume('ode-vol').inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
