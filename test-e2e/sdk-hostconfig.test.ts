/**
 * Issue 12: HostConfig fields as Docker 20.10 keeps and applies them, through Docker's Python SDK
 * (python3-docker): DeviceCgroupRules (inspect, and the container's devices cgroup),
 * CpuRealtimePeriod/Runtime, Links kept, an unknown log driver's text, rshared binds checked
 * against their source mount (moby daemon/oci_linux.go ensureShared), and on a shared source
 * mount (made by the test: bind X X, make-shared) mounts propagate both ways.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, exec, ok, pythonSdk, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
useDaemon((daemon) => {
  d = daemon;
});

const apiCall = (expr: string): string => `
try:
    out({'value': ${expr}})
except docker.errors.APIError as e:
    out({'status': e.status_code, 'explanation': e.explanation})
`;

describe('HostConfig round trips', () => {
  it('DeviceCgroupRules, CpuRealtimePeriod/Runtime and Links come back from inspect', async () => {
    const h = (await pythonSdk(d, `
peer = api.create_container('busybox', ['true'], name='peer')
hc = api.create_host_config(device_cgroup_rules=['c 42:42 rwm', 'b *:* m'], cpu_rt_period=1000000, cpu_rt_runtime=950000, links={'peer': 'alias'})
c = api.create_container('busybox', ['true'], host_config=hc, name='hc1')
out(api.inspect_container(c['Id'])['HostConfig'])
api.remove_container(c['Id'])
api.remove_container(peer['Id'])
`)) as Record<string, unknown>;
    expect(h.DeviceCgroupRules).toEqual(['c 42:42 rwm', 'b *:* m']);
    expect([h.CpuRealtimePeriod, h.CpuRealtimeRuntime]).toEqual([1000000, 950000]);
    expect(h.Links).toHaveLength(1);
    expect(h.Links).toEqual(['/peer:/hc1/alias']); // docker's stored form; the linked container must exist (400 otherwise)
  });

  it('a device cgroup rule is applied to the container\'s devices cgroup', async () => {
    const id = (await pythonSdk(d, `
c = client.containers.run('busybox', ['sleep', '60'], detach=True, device_cgroup_rules=['c 42:43 rw'])
out(c.id)
`)) as string;
    const list = fs.readFileSync(`/sys/fs/cgroup/devices/berth/${id}/devices.list`, 'utf8');
    expect(list.split('\n')).toContain('c 42:43 rw');
    ok(await clientsFor(d).docker(['rm', '-f', id]));
  });

  it('malformed values are docker\'s 400s', async () => {
    expect(await pythonSdk(d, apiCall("api.create_container('busybox', ['true'], host_config=api.create_host_config(device_cgroup_rules=['c 1:3']))"))).toEqual({
      status: 400,
      explanation: "invalid device cgroup rule format: 'c 1:3'",
    });
    expect(
      await pythonSdk(d, apiCall("api.create_container('busybox', ['true'], host_config=api.create_host_config(cpu_rt_period=1000, cpu_rt_runtime=2000))")),
    ).toEqual({ status: 400, explanation: 'cpu-rt-runtime cannot be higher than cpu-rt-period' });
  });

  it('an unknown log driver gets docker\'s text', async () => {
    expect(
      await pythonSdk(d, apiCall("api.create_container('busybox', ['true'], host_config=api.create_host_config(log_config=docker.types.LogConfig(type='nosuchdriver')))")),
    ).toEqual({ status: 400, explanation: "logger: no log driver named 'nosuchdriver' is registered" });
  });
});

describe('bind propagation', () => {
  it('an rshared bind whose source mount is not shared fails to start with docker\'s message', async () => {
    const src = path.join(scratchDir('rshared'), 'src');
    fs.mkdirSync(src, { recursive: true });
    const mp = ok(await exec('findmnt', ['-n', '-o', 'TARGET,PROPAGATION', '-T', src])).stdout.trim().split(/\s+/);
    if (mp[1] === 'shared') throw new Error(`the scratch dir's mount ${mp[0]} is shared here: this test needs a private one`);
    const r = (await pythonSdk(d, apiCall(`client.containers.run('busybox', ['true'], name='rsh', volumes={${JSON.stringify(src)}: {'bind': '/m', 'mode': 'rshared'}}).decode()`))) as {
      status: number;
      explanation: string;
    };
    expect(r).toEqual({ status: 500, explanation: `path ${src} is mounted on ${mp[0]} but it is not a shared mount` });
    ok(await clientsFor(d).docker(['rm', '-f', 'rsh']));
  });

  it('an rshared bind of a shared mount: a mount made on the host appears in the container, and one made in the container on the host', async () => {
    const x = path.join(scratchDir('rshared-pos'), 'shared');
    fs.mkdirSync(x, { recursive: true });
    const mounted: string[] = [];
    try {
      ok(await exec('mount', ['--bind', x, x]));
      mounted.push(x);
      ok(await exec('mount', ['--make-shared', x]));
      const { docker } = clientsFor(d);
      // privileged: the container mounts inside the bind (CAP_SYS_ADMIN, no seccomp filter)
      await pythonSdk(d, `client.containers.run('busybox', ['sleep', '60'], name='rshpos', detach=True, privileged=True, volumes={${JSON.stringify(x)}: {'bind': '/m', 'mode': 'rshared'}})
out(True)`);
      // host -> container
      fs.mkdirSync(path.join(x, 'fromhost'));
      ok(await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'berth-e2e-rsh', path.join(x, 'fromhost')]));
      mounted.push(path.join(x, 'fromhost'));
      fs.writeFileSync(path.join(x, 'fromhost', 'hello'), 'from the host\n');
      expect(ok(await docker(['exec', 'rshpos', 'cat', '/m/fromhost/hello'])).stdout).toBe('from the host\n');
      // container -> host
      ok(await docker(['exec', 'rshpos', 'sh', '-c', 'mkdir /m/fromctr && mount -t tmpfs -o size=1m berth-e2e-rsc /m/fromctr && echo from the container > /m/fromctr/hi']));
      mounted.push(path.join(x, 'fromctr'));
      expect(ok(await exec('findmnt', ['-n', '-o', 'SOURCE', path.join(x, 'fromctr')])).stdout.trim()).toBe('berth-e2e-rsc');
      expect(fs.readFileSync(path.join(x, 'fromctr', 'hi'), 'utf8')).toBe('from the container\n');
      expect(ok(await docker(['inspect', '-f', '{{range .Mounts}}{{.Propagation}}{{end}}', 'rshpos'])).stdout.trim()).toBe('rshared');
      ok(await docker(['rm', '-f', 'rshpos']));
    } finally {
      await clientsFor(d).docker(['rm', '-f', 'rshpos']);
      for (const m of mounted.reverse()) await exec('umount', ['-l', m]);
    }
  });
});

