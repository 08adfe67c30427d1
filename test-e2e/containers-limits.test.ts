/**
 * Issue 4, the limits half, with the real docker CLI: --memory (OOM-killed, reported), --pids-limit
 * (a fork bomb stays bounded), --cpus (throttled, measured from the cgroup), absurd limits and
 * unknown signals (400), json-file rotation (a container printing without end stays within its log
 * limit; on by default), health checks, restart policies with back-off and across a berthd restart.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, exec, ok, processesUnder, rawRequest, repoRoot, scratchDir, sleep, useDaemon, waitFor } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;

async function inspect(ref: string): Promise<any> {
  return JSON.parse(ok(await c.docker(['inspect', ref])).stdout)[0];
}

function cg(controller: string, id: string, file: string): string {
  return fs.readFileSync(`/sys/fs/cgroup/${controller}/berth/${id}/${file}`, 'utf8').trim();
}

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

describe('limits', () => {
  it('a container allocating past --memory 32m is OOM-killed: exit 137, OOMKilled, an oom event', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await c.docker(['run', '--name', 'oom', '-m', '32m', '--memory-swap', '32m', 'busybox', 'sh', '-c', 'x=aaaaaaaaaaaaaaaa; while true; do x="$x$x"; done']);
    expect(r.code).toBe(137);
    const s = (await inspect('oom')).State;
    expect(s).toMatchObject({ OOMKilled: true, ExitCode: 137, Status: 'exited' });
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=oom', '--format', '{{.Action}}']));
    expect(ev.stdout.split('\n')).toEqual(expect.arrayContaining(['oom', 'die']));
    ok(await c.docker(['rm', 'oom']));
  });

  it('a fork bomb under --pids-limit 32 stays within it and the host stays responsive', async () => {
    // a bomb that cannot die out (probes/fork-bomb.c says why the shell one could: it did once in
    // a CI run, pids.current under 30 for 10 s with the container up)
    const bomb = path.join(scratchDir('limits-bomb'), 'fork-bomb');
    ok(await exec('gcc', ['-static', '-O1', '-o', bomb, path.join(repoRoot, 'test-e2e', 'probes', 'fork-bomb.c')]));
    ok(await c.docker(['run', '-d', '--name', 'bomb', '--pids-limit', '32', '-v', `${bomb}:/bomb:ro`, 'busybox', '/bomb', '60']));
    const id = (await inspect('bomb')).Id;
    await waitFor('the bomb to hit its limit', () => Number(cg('pids', id, 'pids.current')) >= 30, 10_000, 50);
    let max = 0;
    for (let i = 0; i < 10; i++) {
      max = Math.max(max, Number(cg('pids', id, 'pids.current')));
      const t0 = Date.now();
      ok(await exec('true', []));
      expect(Date.now() - t0).toBeLessThan(2000);
      await sleep(50);
    }
    expect(max).toBeLessThanOrEqual(32);
    expect(Number(cg('pids', id, 'pids.events').split(/\s+/)[1])).toBeGreaterThan(0); // forks refused
    ok(await c.docker(['rm', '-f', 'bomb']));
  }, 60_000);

  it('--cpus 0.5 throttles a busy loop to about half a core (cgroup quota, cpuacct usage)', async () => {
    // The setting is exact: quota/period. The usage is checked beside unlimited busy loops
    // measured over the same window: on a loaded machine neither gets what it asks for, so the
    // floor is half a core or what the unlimited loop got, whichever is less (it was a fixed
    // 0.35, missed at load 20 with 0.19-0.31). The ceiling is fixed: load never raises usage.
    try {
      // two busy loops each: the limited one asks for more than its quota even when its loops
      // only get part of a core each on a loaded machine
      const spin = ['sh', '-c', '(while :; do :; done) & while :; do :; done'];
      ok(await c.docker(['run', '-d', '--name', 'spin', '--cpus', '0.5', 'busybox', ...spin]));
      ok(await c.docker(['run', '-d', '--name', 'spin-free', 'busybox', ...spin]));
      const id = (await inspect('spin')).Id;
      const freeId = (await inspect('spin-free')).Id;
      expect(cg('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
      expect(cg('cpu', id, 'cpu.cfs_period_us')).toBe('100000');
      expect(cg('cpu', freeId, 'cpu.cfs_quota_us')).toBe('-1');
      await sleep(300);
      const usage = (cid: string) => BigInt(cg('cpuacct', cid, 'cpuacct.usage'));
      const [a, b] = [usage(id), usage(freeId)];
      const t0 = process.hrtime.bigint();
      await sleep(3000);
      const [a1, b1] = [usage(id), usage(freeId)];
      const wall = Number(process.hrtime.bigint() - t0);
      const cores = Number(a1 - a) / wall;
      const free = Number(b1 - b) / wall;
      const throttled = Number(cg('cpu', id, 'cpu.stat').match(/nr_throttled (\d+)/)![1]);
      expect(cores).toBeLessThan(0.65);
      expect(cores).toBeGreaterThan(0.7 * Math.min(0.5, free));
      // throttling shows only when the machine could give more than the quota (at load 10 on
      // 2 cores both containers got 0.14-0.17 of a core and neither reached 50 ms a period)
      if (free > 0.6) expect(throttled).toBeGreaterThan(0);
    } finally {
      await c.docker(['rm', '-f', 'spin', 'spin-free']);
    }
  }, 30_000);

  it('--cpuset-cpus, --cpu-shares, --memory-swap, --ulimit reach the kernel', async () => {
    ok(await c.docker(['run', '-d', '--name', 'knobs', '--cpuset-cpus', '0', '--cpu-shares', '512', '-m', '64m', '--memory-swap', '128m', '--ulimit', 'nofile=100:200', '--ulimit', 'nproc=50', 'busybox', 'sleep', '100']));
    const id = (await inspect('knobs')).Id;
    expect(cg('cpuset', id, 'cpuset.cpus')).toBe('0');
    expect(cg('cpu', id, 'cpu.shares')).toBe('512');
    expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(64 << 20));
    if (fs.existsSync(`/sys/fs/cgroup/memory/berth/${id}/memory.memsw.limit_in_bytes`)) expect(cg('memory', id, 'memory.memsw.limit_in_bytes')).toBe(String(128 << 20));
    expect(ok(await c.docker(['exec', 'knobs', 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u'])).stdout).toBe('100\n200\n50\n');
    ok(await c.docker(['rm', '-f', 'knobs']));
  });

  it('negative or absurd limits and unknown signals are 400', async () => {
    const create = (HostConfig: object) =>
      rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/create', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Image: 'busybox', HostConfig }) });
    for (const h of [{ Memory: -1 }, { Memory: 1024 }, { NanoCpus: 1e15 }, { CpuShares: -5 }, { MemorySwap: -7, Memory: 64 << 20 }, { CpuQuota: 5 }, { Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] }, { Ulimits: [{ Name: 'bogus', Soft: 1, Hard: 1 }] }, { OomScoreAdj: 5000 }, { Devices: [{ PathOnHost: 'relative', PathInContainer: '/x', CgroupPermissions: 'rwm' }] }]) {
      const r = await create(h);
      expect([JSON.stringify(h), r.status]).toEqual([JSON.stringify(h), 400]);
    }
    const cli = await c.docker(['run', '--rm', '--cpus', '1000', 'busybox', 'true']);
    expect(cli.code).toBe(125);
    expect(cli.stderr).toMatch(/Range of CPUs is from 0.01/);
    ok(await c.docker(['run', '-d', '--name', 'sig', 'busybox', 'sleep', '100']));
    const k = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/sig/kill?signal=NOPE' });
    expect(k.status).toBe(400);
    const kc = await c.docker(['kill', '-s', 'SIGNOPE', 'sig']);
    expect(kc.code).not.toBe(0);
    expect(kc.stderr).toMatch(/signal/i);
    ok(await c.docker(['rm', '-f', 'sig']));
  });
});

describe('logs', () => {
  it('a container printing without end stays within its log limit; logs read across rotated files', async () => {
    ok(await c.docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=64k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', 'i=0; while :; do echo "line $i"; i=$((i+1)); done']));
    const { Id, LogPath } = await inspect('chatty');
    await waitFor('two rotations', () => fs.existsSync(`${LogPath}.2`), 20_000, 50);
    await sleep(1000);
    // sampled while the shim keeps rotating (a sample taken mid-rename is retried)
    for (let i = 0; i < 5; i++) {
      const sizes = await waitFor('a stable listing', () => {
        try {
          const files = fs.readdirSync(path.dirname(LogPath)).filter((f) => f.startsWith(`${Id}-json.log`)).sort();
          if (files.join() !== [`${Id}-json.log`, `${Id}-json.log.1`, `${Id}-json.log.2`].join()) return undefined;
          return files.map((f) => fs.statSync(path.join(path.dirname(LogPath), f)).size);
        } catch {
          return undefined;
        }
      }, 5000, 5);
      for (const size of sizes) expect(size).toBeLessThanOrEqual(64 * 1024);
      await sleep(100);
    }
    const tail = ok(await c.docker(['logs', '--tail', '3', 'chatty'])).stdout.trim().split('\n');
    expect(tail).toHaveLength(3);
    const n = Number(tail[0]!.split(' ')[1]);
    expect(tail).toEqual([`line ${n}`, `line ${n + 1}`, `line ${n + 2}`]);
    ok(await c.docker(['rm', '-f', 'chatty']));
  }, 60_000);

  it('rotation is on by default (20 MiB x 5); --log-driver none writes no log; bad --log-opt is 400', async () => {
    ok(await c.docker(['run', '-d', '--name', 'dflt', 'busybox', 'sleep', '100']));
    const { Id } = await inspect('dflt');
    const shim = processesUnder(path.join(d.dataRoot, 'containers', Id)).find((p) => /berth-shim/.test(p.cmdline ?? ''));
    expect(shim?.cmdline).toMatch(/--log-max-size.20971520.--log-max-file.5/);
    ok(await c.docker(['rm', '-f', 'dflt']));
    expect(ok(await c.docker(['run', '--name', 'quiet', '--log-driver', 'none', 'busybox', 'echo', 'hi'])).stdout).toBe('hi\n');
    const q = await inspect('quiet');
    expect(fs.existsSync(q.LogPath)).toBe(false);
    ok(await c.docker(['rm', 'quiet']));
    const bad = await c.docker(['run', '--rm', '--log-opt', 'max-size=lots', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain("Error response from daemon: failed to initialize logging driver: invalid size: 'lots'");
  });
});

describe('health checks', () => {
  it('--health-cmd: starting, unhealthy, healthy; State.Health; health_status events; (healthy) in ps', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await c.docker(['run', '-d', '--name', 'hc', '--health-cmd', 'cat /tmp/ok', '--health-interval', '300ms', '--health-retries', '2', 'busybox', 'sleep', '100']));
    expect(ok(await c.docker(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout).toMatch(/\(health: starting\)/);
    await waitFor('unhealthy', async () => (await inspect('hc')).State.Health.Status === 'unhealthy', 10_000);
    expect(ok(await c.docker(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout).toMatch(/\(unhealthy\)/);
    ok(await c.docker(['exec', 'hc', 'sh', '-c', 'echo fine > /tmp/ok']));
    await waitFor('healthy', async () => (await inspect('hc')).State.Health.Status === 'healthy', 10_000);
    const h = (await inspect('hc')).State.Health;
    expect(h.FailingStreak).toBe(0);
    expect(h.Log[h.Log.length - 1]).toMatchObject({ ExitCode: 0, Output: 'fine\n' });
    expect(ok(await c.docker(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout).toMatch(/Up .* \(healthy\)/);
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=hc', '--filter', 'event=health_status', '--format', '{{.Action}}']));
    expect(ev.stdout.trim().split('\n')).toEqual(['health_status: unhealthy', 'health_status: healthy']);
    ok(await c.docker(['rm', '-f', 'hc']));
  }, 30_000);

  it("an image's HEALTHCHECK applies, with --health-interval over it; --no-healthcheck turns it off", async () => {
    ok(await c.docker(['create', '--name', 'hcbase', 'busybox', 'sleep', '100']));
    const commit = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/commit?container=hcbase&repo=hcimg&tag=1',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Cmd: ['sleep', '100'], Healthcheck: { Test: ['CMD-SHELL', 'echo probed'], Interval: 60e9, Retries: 1 } }),
    });
    expect(commit.status).toBe(201);
    ok(await c.docker(['rm', 'hcbase']));
    expect(JSON.parse(ok(await c.docker(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'hcimg:1'])).stdout).Test).toEqual(['CMD-SHELL', 'echo probed']);
    ok(await c.docker(['run', '-d', '--name', 'hcimg', '--health-interval', '200ms', 'hcimg:1']));
    await waitFor('healthy from the image check', async () => (await inspect('hcimg')).State.Health?.Status === 'healthy', 10_000);
    expect((await inspect('hcimg')).State.Health.Log[0].Output).toBe('probed\n');
    ok(await c.docker(['run', '-d', '--name', 'nohc', '--no-healthcheck', 'hcimg:1']));
    expect((await inspect('nohc')).State.Health).toBeUndefined();
    expect(ok(await c.docker(['ps', '--filter', 'name=nohc', '--format', '{{.Status}}'])).stdout).not.toMatch(/health/);
    ok(await c.docker(['rm', '-f', 'hcimg', 'nohc']));
    ok(await c.docker(['rmi', 'hcimg:1']));
  }, 30_000);
});

describe('restart policies', () => {
  it('--restart always restarts with a growing back-off; RestartCount; on-failure:N stops after N', async () => {
    ok(await c.docker(['run', '-d', '--name', 'flap', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 1']));
    await waitFor('4 restarts', async () => (await inspect('flap')).RestartCount >= 4, 30_000);
    const starts = ok(await c.docker(['events', '--since', '0', '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=flap', '--filter', 'event=start', '--filter', 'event=restart', '--format', '{{.TimeNano}}']));
    const t = starts.stdout.trim().split('\n').map(Number);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps[3]!).toBeGreaterThan(gaps[0]! * 2); // 100, 200, 400, 800 ms...
    ok(await c.docker(['rm', '-f', 'flap']));
    ok(await c.docker(['run', '-d', '--name', 'twice', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3']));
    await waitFor('on-failure to give up', async () => {
      const i = await inspect('twice');
      return i.State.Status === 'exited' && i.RestartCount === 2;
    }, 15_000);
    ok(await c.docker(['rm', 'twice']));
  }, 70_000);

  it('always comes back after a berthd restart; unless-stopped does not after stop', async () => {
    ok(await c.docker(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sleep', '1000']));
    ok(await c.docker(['run', '-d', '--name', 'uls', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']));
    ok(await c.docker(['run', '-d', '--name', 'uls-run', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']));
    ok(await c.docker(['stop', '-t', '0', 'alw', 'uls']));
    await d.restart();
    const status = async (n: string) => (await inspect(n)).State.Status;
    await waitFor('always back', async () => (await status('alw')) === 'running', 10_000);
    expect(await status('uls')).toBe('exited');
    expect(await status('uls-run')).toBe('running');
    // the container's process died while berthd was down: it is restarted on start
    const pid = (await inspect('uls-run')).State.Pid;
    await d.kill9();
    process.kill(pid, 'SIGKILL');
    await sleep(200);
    await d.restart();
    await waitFor('unless-stopped back after its process died', async () => {
      const i = await inspect('uls-run');
      return i.State.Status === 'running' && i.State.Pid !== pid;
    }, 10_000);
    ok(await c.docker(['rm', '-f', 'alw', 'uls', 'uls-run']));
  }, 60_000);
});

describe('system df and prune', () => {
  it('system df totals match du of the data root within 1%; a full prune leaves only the database (and the cache of compiled seccomp filters)', async () => {
    ok(await c.docker(['volume', 'create', 'dfvol']));
    ok(await c.docker(['run', '--name', 'dfc', '-v', 'dfvol:/v', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/v/x bs=1M count=2 2>/dev/null; dd if=/dev/urandom of=/rw bs=1M count=2 2>/dev/null; seq 1 20000']));
    const df = (await rawRequest(d.socketPath, { path: '/v1.41/system/df' })).json as any;
    const total = df.LayersSize + df.Containers.reduce((n: number, x: any) => n + (x.SizeRw ?? 0), 0) + df.Volumes.reduce((n: number, v: any) => n + Math.max(0, v.UsageData.Size), 0);
    const du = Number(ok(await exec('du', ['-sbx', d.dataRoot])).stdout.split(/\s+/)[0]);
    expect(Math.abs(total - du) / du).toBeLessThan(0.01);
    expect(ok(await c.docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout).toBe('dfc Exited (0) Less than a second ago\n');
    expect(ok(await c.docker(['system', 'df'])).stdout).toMatch(/Images\s+1\s+1[\s\S]*Containers\s+1\s+0[\s\S]*Local Volumes\s+1\s+1/);
    ok(await c.docker(['system', 'prune', '-a', '--volumes', '-f']));
    const left: string[] = [];
    const walk = (p: string) => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        const full = path.join(p, e.name);
        if (e.isDirectory()) walk(full);
        else left.push(path.relative(d.dataRoot, full));
      }
    };
    walk(d.dataRoot);
    // besides the database: the seccomp filters compiled for crun (a cache, docs/LAYOUT.md), no user object
    expect(left.filter((f) => !/^(berth\.db(-wal|-shm)?|engine-id|berthd\.pid|berthd\.lock|seccomp\/[0-9a-f]{64}\.bpf)$/.test(f))).toEqual([]);
  }, 60_000);
});
