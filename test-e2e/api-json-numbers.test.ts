/**
 * JSON numbers of the Engine API as Docker 20.10's Go decoder reads them (container create):
 * int64 fields take integers up to 2^63-1 exactly (a double cannot: 9223372036854775807 would be
 * 2^63), and a literal Go refuses for an integer field is quoted as sent (`1e30`, not `1e+30`).
 * Bodies are written by hand: JSON.stringify could write neither.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, makeTar, ok, rawRequest, useDaemon, waitFor } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];
useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

const create = (hostConfig: string, name?: string) =>
  rawRequest(d.socketPath, {
    method: 'POST',
    path: `/v1.41/containers/create${name ? `?name=${name}` : ''}`,
    headers: { 'Content-Type': 'application/json' },
    body: `{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none",${hostConfig}}}`,
  });

describe('JSON numbers as Go decodes them', () => {
  it("refusals quote the literal as sent, with Go's field path", async () => {
    for (const [body, literal, field, type] of [
      ['"Memory":1e30', '1e30', 'HostConfig.HostConfig.Memory', 'int64'],
      ['"Memory":1E30', '1E30', 'HostConfig.HostConfig.Memory', 'int64'],
      ['"Memory":67108864.0', '67108864.0', 'HostConfig.HostConfig.Memory', 'int64'],
      ['"Memory":9223372036854775808', '9223372036854775808', 'HostConfig.HostConfig.Memory', 'int64'],
      ['"PidsLimit":1e30', '1e30', 'HostConfig.HostConfig.PidsLimit', 'int64'],
      ['"Ulimits":[{"Name":"nofile","Soft":1,"Hard":1e30}]', '1e30', 'Ulimit.HostConfig.Ulimits.Hard', 'int64'],
      // a tmpfs mount's options (stored as read before, failing at start with size=[object Object])
      ['"Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1e6}}]', '1e6', 'TmpfsOptions.HostConfig.Mounts.TmpfsOptions.SizeBytes', 'int64'],
      ['"Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"Mode":1.5}}]', '1.5', 'TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode', 'fs.FileMode'],
    ]) {
      const res = await create(body!);
      expect(res.status).toBe(400);
      expect((res.json as { message: string }).message).toBe(`json: cannot unmarshal number ${literal} into Go struct field ${field} of type ${type}`);
    }
  });

  it('int64 fields take integers up to 2^63-1 exactly: stored, inspected (raw and by docker), and the container runs', async () => {
    const res = await create('"Memory":9223372036854775807,"MemorySwap":-1,"ShmSize":9007199254740993', 'big-ints');
    expect(res.status).toBe(201);
    try {
      const raw = await rawRequest(d.socketPath, { path: '/v1.41/containers/big-ints/json' });
      expect(raw.status).toBe(200);
      expect(raw.body.toString()).toContain('"Memory":9223372036854775807,');
      expect(raw.body.toString()).toContain('"ShmSize":9007199254740993,');
      const f = ok(await docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.ShmSize}}', 'big-ints'])).stdout.trim();
      expect(f).toBe('9223372036854775807 -1 9007199254740993');
      ok(await docker(['start', '-a', 'big-ints']));
      expect(ok(await docker(['inspect', '-f', '{{.State.ExitCode}} {{.HostConfig.Memory}}', 'big-ints'])).stdout.trim()).toBe('0 9223372036854775807');
      // without MemorySwap docker doubles the memory in Go's int64: 2^63-1 becomes -2; a ulimit
      // this high is kept as given (the kernel refuses it at start, for runc as for crun)
      const dbl = await create('"Memory":9223372036854775807,"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":9223372036854775807}]', 'big-doubled');
      expect(dbl.status).toBe(201);
      const g = ok(await docker(['inspect', '-f', '{{.HostConfig.MemorySwap}} {{json .HostConfig.Ulimits}}', 'big-doubled'])).stdout.trim();
      expect(g).toBe('-2 [{"Name":"nofile","Hard":9223372036854775807,"Soft":1024}]');
      // a stored MemorySwap of -2 is not checked again by an update that leaves it alone (Docker checks what the update carries)
      const rp = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/big-doubled/update', headers: { 'Content-Type': 'application/json' }, body: '{"RestartPolicy":{"Name":"always"}}' });
      expect([rp.status, rp.body.toString()]).toEqual([200, expect.any(String)]);
      ok(await docker(['update', '--restart', 'no', '--cpu-shares', '512', 'big-doubled']));
      expect(ok(await docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.CpuShares}}', 'big-doubled'])).stdout.trim()).toBe('9223372036854775807 -2 no 512');
      // update: Go decodes its body into UpdateConfig, whose name its refusals carry
      const update = (body: string) => rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/big-doubled/update', headers: { 'Content-Type': 'application/json' }, body });
      const u1 = await update('{"Memory":1e30}');
      expect([u1.status, (u1.json as { message: string }).message]).toEqual([400, 'json: cannot unmarshal number 1e30 into Go struct field UpdateConfig.Memory of type int64']);
      const u2 = await update('{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2.0}}');
      expect([u2.status, (u2.json as { message: string }).message]).toEqual([400, 'json: cannot unmarshal number 2.0 into Go struct field RestartPolicy.RestartPolicy.MaximumRetryCount of type int']);
      expect((await update('{"Memory":9223372036854775806,"MemorySwap":-1}')).status).toBe(200);
      expect(ok(await docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', 'big-doubled'])).stdout.trim()).toBe('9223372036854775806 -1');
    } finally {
      await docker(['rm', '-f', 'big-ints', 'big-doubled']);
    }
  });

  it('Go ints and durations (StopTimeout, Healthcheck, MaximumRetryCount) up to 2^63-1: exact, and used as such (a stop waits, a probe is not timed out at once)', async () => {
    const body = (cfg: string, host = '') =>
      `{"Image":"busybox","Cmd":["sh","-c","trap 'exit 0' TERM; sleep 1000 & wait"],${cfg}"HostConfig":{"NetworkMode":"none"${host}}}`;
    const res = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/containers/create?name=big-durations',
      headers: { 'Content-Type': 'application/json' },
      body: body(
        '"StopTimeout":9223372036854775807,"Healthcheck":{"Test":["CMD","true"],"Interval":100000000,"Timeout":9223372036854775807,"Retries":9223372036854775807},',
        ',"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":9223372036854775807}',
      ),
    });
    expect([res.status, res.body.toString()]).toEqual([201, expect.stringContaining('"Id"')]);
    try {
      const raw = (await rawRequest(d.socketPath, { path: '/v1.41/containers/big-durations/json' })).body.toString();
      for (const f of ['"StopTimeout":9223372036854775807', '"Timeout":9223372036854775807', '"Retries":9223372036854775807', '"MaximumRetryCount":9223372036854775807']) expect(raw).toContain(f);
      expect(ok(await docker(['inspect', '-f', '{{.Config.StopTimeout}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.Healthcheck.Timeout}}', 'big-durations'])).stdout.trim()).toBe(
        '9223372036854775807 9223372036854775807 2562047h47m16.854775807s',
      );
      // committed exactly: the image config is written and read as Go does (berth wrote doubles: 2562047h47m16.854775s)
      ok(await docker(['commit', 'big-durations', 'big-durations-img']));
      expect(ok(await docker(['image', 'inspect', '-f', '{{.Config.Healthcheck.Timeout}} {{.Config.Healthcheck.Retries}}', 'big-durations-img'])).stdout.trim()).toBe('2562047h47m16.854775807s 9223372036854775807');
      // the container's whole Config, StopTimeout too (moby: c.Config = container.Config); docker 28's
      // image type has no StopTimeout: its template falls back to the answer's map
      expect(ok(await docker(['image', 'inspect', '-f', '{{.Config.StopTimeout}}', 'big-durations-img'])).stdout.trim()).toBe('9223372036854775807');
      ok(await docker(['rmi', 'big-durations-img']));
      // a commit body is a Config, decoded as Go's ContainerConfigWrapper: the same refusals, before anything is committed
      const commit = (q: string, b: string) => rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/commit?container=big-durations&${q}`, headers: { 'Content-Type': 'application/json' }, body: b });
      const images = async () => ((await rawRequest(d.socketPath, { path: '/v1.41/images/json?all=1' })).json as unknown[]).length;
      const before = await images();
      for (const [b, field, lit, type] of [
        ['{"StopTimeout":1e30}', 'ContainerConfigWrapper.StopTimeout', '1e30', 'int'],
        ['{"Healthcheck":{"Test":["CMD","true"],"Interval":9223372036854775808}}', 'HealthConfig.Healthcheck.Interval', '9223372036854775808', 'time.Duration'],
      ]) {
        const r = await commit('repo=never', b!);
        expect([r.status, (r.json as { message: string }).message]).toEqual([400, `json: cannot unmarshal number ${lit} into Go struct field ${field} of type ${type}`]);
      }
      expect(await images()).toBe(before);
      const c2 = await commit('repo=big-commit', '{"StopTimeout":9223372036854775807,"Healthcheck":{"Test":["CMD","true"],"Interval":9007199254740993}}');
      expect(c2.status).toBe(201);
      expect(ok(await docker(['image', 'inspect', '-f', '{{.Config.StopTimeout}}', 'big-commit'])).stdout.trim()).toBe('9223372036854775807');
      expect((await rawRequest(d.socketPath, { path: '/v1.41/images/big-commit/json' })).body.toString()).toContain('"Interval":9007199254740993');
      // a container of that image inherits its Healthcheck exactly (moby's merge takes no StopTimeout)
      ok(await docker(['create', '--name', 'big-from-img', 'big-commit']));
      const inherited = (await rawRequest(d.socketPath, { path: '/v1.41/containers/big-from-img/json' })).body.toString();
      expect(inherited).toContain('"Healthcheck":{"Test":["CMD","true"],"Interval":9007199254740993}');
      ok(await docker(['rm', 'big-from-img']));
      ok(await docker(['rmi', 'big-commit']));
      ok(await docker(['start', 'big-durations']));
      // a probe with a timeout of 2^63-1 ns runs to its end (a node timer that long fires after 1 ms)
      await waitFor('healthy', async () => ok(await docker(['inspect', '-f', '{{.State.Health.Status}}', 'big-durations'])).stdout.trim() === 'healthy', 20_000);
      // docker stop without -t: SIGTERM, then the StopTimeout's wait; the trap exits 0 (a SIGKILL at once would be 137)
      ok(await docker(['stop', 'big-durations']));
      expect(ok(await docker(['inspect', '-f', '{{.State.ExitCode}}', 'big-durations'])).stdout.trim()).toBe('0');
      // beyond Go's int64: Go's refusal, naming the Go field
      for (const [cfg, field, type] of [
        ['"StopTimeout":9223372036854775808,', 'ContainerConfigWrapper.StopTimeout', 'int'],
        ['"Healthcheck":{"Interval":9223372036854775808},', 'HealthConfig.Healthcheck.Interval', 'time.Duration'],
      ]) {
        const r = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' }, body: body(cfg!) });
        expect([r.status, (r.json as { message: string }).message]).toEqual([400, `json: cannot unmarshal number 9223372036854775808 into Go struct field ${field} of type ${type}`]);
      }
    } finally {
      await docker(['rm', '-f', 'big-durations']);
    }
  });

  it("build's number parameters as Go reads them: memory etc. exact int64s (beyond 2^53 they were dropped), shmsize's strconv texts, ulimits' json texts", async () => {
    const build = (q: string) =>
      rawRequest(d.socketPath, {
        method: 'POST',
        path: `/v1.41/build?rm=1&forcerm=1&${q}`,
        headers: { 'Content-Type': 'application/x-tar' },
        body: makeTar([{ name: 'Dockerfile', content: 'FROM busybox\nRUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max\n' }]),
      });
    // 2^53+1 bytes reaches the runtime as berth's cap, 2^53-1, which the kernel rounds down to pages (unlimited was 9223372036854771712 or max)
    const big = await build('memory=9007199254740993&memswap=-1');
    expect(big.status).toBe(200);
    expect(big.body.toString()).toContain('9007199254736896\\n');
    for (const [q, msg] of [
      ['shmsize=9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
      ['shmsize=1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
      [`ulimits=${encodeURIComponent('[{"Name":"nofile","Soft":1,"Hard":1e30}]')}`, 'error reading ulimit settings: json: cannot unmarshal number 1e30 into Go struct field Ulimit.Hard of type int64'],
      [`ulimits=${encodeURIComponent('[{"Name":"nofile","Soft":9223372036854775808,"Hard":1}]')}`, 'error reading ulimit settings: json: cannot unmarshal number 9223372036854775808 into Go struct field Ulimit.Soft of type int64'],
      [`ulimits=${encodeURIComponent('[{"Name":7,"Soft":1,"Hard":1}]')}`, 'error reading ulimit settings: json: cannot unmarshal number into Go struct field Ulimit.Name of type string'],
    ] as const) {
      const res = await build(q);
      expect([q, res.status, (res.json as { message: string }).message]).toEqual([q, 400, msg]);
    }
  });
});
