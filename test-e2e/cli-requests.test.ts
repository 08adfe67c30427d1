/**
 * `berth` and the docker CLI 28, given the same arguments, send the same requests (method, path,
 * query, JSON body) and print the same errors with the same exit codes. Both talk to a
 * RecordingDaemon (a fake that records and answers 500 `recorded`), so this compares the clients,
 * not a daemon. Every flag `docker run`, `create` and `exec` list in their help appears in a case
 * below (or in NOT_COMPARED, with the reason).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RecordedRequest, RecordingDaemon, berthCli, dockerCli, scratchDir } from './harness';

let docker: RecordingDaemon;
let berth: RecordingDaemon;
let dir: string;

beforeAll(async () => {
  docker = new RecordingDaemon();
  berth = new RecordingDaemon();
  await Promise.all([docker.start(), berth.start()]);
  dir = scratchDir('cli-requests');
  fs.writeFileSync(path.join(dir, 'env'), 'A=1\n# comment\nB=two words\n');
  fs.writeFileSync(path.join(dir, 'labels'), 'l1=x\nl2\n');
});

afterAll(async () => {
  await Promise.all([docker?.stop(), berth?.stop()]);
});

/** What one CLI did: its requests (container inspects left out: berth's exec does not make one) and its output. */
interface Seen {
  requests: RecordedRequest[];
  code: number | null;
  stdout: string;
  stderr: string;
}

async function both(args: string[]): Promise<{ d: Seen; b: Seen }> {
  const a = args.map((x) => x.replace('$DIR', dir));
  const [dr, br] = await Promise.all([dockerCli(docker.host, a), berthCli(berth.host, a)]);
  const clean = (r: RecordedRequest[]) => r.filter((q) => !(q.method === 'GET' && /^\/containers\/[^/]+\/json$/.test(q.url)));
  const d = { requests: clean(docker.take()), code: dr.code, stdout: dr.stdout, stderr: dr.stderr };
  const b = { requests: clean(berth.take()), code: br.code, stdout: br.stdout, stderr: br.stderr.replace(/berth/g, 'docker') };
  return { d, b };
}

const CASES: string[][] = [
  // stop/restart -s (docker sends signal= from API 1.42 only: this daemon is 1.41), update's CPU/cpuset/blkio flags
  ['stop', '-s', 'SIGUSR1', '-t', '3', 'c0'],
  ['restart', '-s', 'KILL', 'c0'],
  ['update', '--cpu-period', '100000', '--cpu-quota', '50000', '--cpu-rt-period', '1000', '--cpu-rt-runtime', '100', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--blkio-weight', '300', 'c0'],
  ['run', '--rm', 'busybox', 'echo', '-n', 'hi'],
  ['run', '-d', '--name', 'web', '-e', 'X=1', '--env-file', '$DIR/env', '-l', 'a=b', '--label-file', '$DIR/labels', '-w', '/w', '-u', '1:2', '-h', 'hn', '--domainname', 'dn', 'busybox'],
  ['run', '-it', '--detach-keys', 'ctrl-a,x', '--sig-proxy=false', 'busybox', 'sh'],
  ['run', '-i', '-a', 'stdin', '-a', 'STDOUT', 'busybox'],
  ['run', '--entrypoint=', '--init', '--privileged', '--read-only', '--stop-signal', 'USR1', '--stop-timeout', '7', 'busybox'],
  ['run', '--entrypoint', '/bin/sh', '--init=false', 'busybox', '-c', 'true'],
  // networking, as docker CLI 28 maps it (the daemon side is another matter)
  ['run', '-p', '8080:80', '-p', '127.0.0.1:53:53/udp', '-p', '[::1]:7:7', '-p', '8000-8001:90-91', '-p', '9000-9001:99', '-p', '70', '--expose', '3000-3001', '--expose', '4000/udp', 'busybox'],
  ['run', '-P', '--network', 'mynet', '--network-alias', 'foo', '--net-alias', 'bar', '--ip', '10.0.0.5', '--ip6', 'fd00::5', '--link', 'x:y', '--link-local-ip', '169.254.1.1', 'busybox'],
  ['run', '--net', 'host', '--dns', '1.1.1.1', '--dns', ' 8.8.8.8', '--dns-search', 'example.com', '--dns-option', 'ndots:2', '--dns-opt', 'debug', '--add-host', 'a:1.2.3.4', '--add-host', 'b=[::1]', '--add-host', 'gw:host-gateway', 'busybox'],
  ['run', '--network', 'none', '--link', 'db', 'busybox'],
  ['run', '--mac-address', '92:d0:c6:0a:29:33', 'busybox'],
  ['run', '--network', 'bridge', '--network-alias', 'x', 'busybox'],
  // storage
  // (one bind a case: docker orders several -v binds by Go map iteration, at random)
  ['run', '-v', '/a:/b:ro', '-v', '/anon', '-v', '/anon2', '--volumes-from', 'c1:ro', '--volume-driver', 'local', '--tmpfs', '/t:size=1m', '--tmpfs', '/u', 'busybox'],
  ['run', '-v', 'named:/data', 'busybox'],
  ['run', '-v', './rel:/data:z', 'busybox'],
  ['run', '--mount', 'type=bind,src=/tmp,dst=/x,readonly,bind-propagation=rslave', '--mount', 'type=volume,dst=/v,volume-opt=a=b,volume-label=l=1,volume-nocopy', '--mount', 'type=tmpfs,dst=/tt,tmpfs-size=1m,tmpfs-mode=1777', 'busybox'],
  ['run', '--storage-opt', 'size=1G', '--shm-size', '64m', 'busybox'],
  // logging, security, namespaces
  ['run', '--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=2', '--cap-add', 'net_admin', '--cap-add', 'ALL', '--cap-drop', 'CAP_CHOWN', '--security-opt', 'no-new-privileges', '--security-opt', 'systempaths=unconfined', 'busybox'],
  ['run', '--userns', 'host', '--uts', 'host', '--pid', 'host', '--ipc', 'shareable', '--cgroupns', 'private', '--cgroup-parent', '/p', '--runtime', 'crun', '--isolation', 'default', '--group-add', '10', '--group-add', 'audio', '--oom-score-adj', '-5', '--sysctl', 'net.ipv4.ip_forward=1', '--cidfile', '$DIR/cid', 'busybox'],
  // resources
  ['run', '-m', '64m', '--memory-swap', '-1', '--memory-reservation', '10m', '--memory-swappiness', '5', '--oom-kill-disable', '--kernel-memory', '1m', '--cpus', '0.5', '-c', '3', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--cpu-period', '1000', '--cpu-quota', '500', '--cpu-rt-period', '10', '--cpu-rt-runtime', '5', '--pids-limit', '5', 'busybox'],
  ['run', '--blkio-weight', '100', '--blkio-weight-device', '/dev/sda:200', '--device-read-bps', '/dev/sda:1mb', '--device-write-bps', '/dev/sda:2mb', '--device-read-iops', '/dev/sda:10', '--device-write-iops', '/dev/sda:20', '--cpu-count', '0', '--cpu-percent', '0', '--io-maxbandwidth', '0', '--io-maxiops', '0', 'busybox'],
  ['run', '--ulimit', 'nofile=10:20', '--ulimit', 'nproc=5', '--device', '/dev/null:/dev/n:rw', '--device', '/dev/zero', '--device-cgroup-rule', 'c 1:3 rwm', '--gpus', 'all', 'busybox'],
  ['run', '--health-cmd', 'true', '--health-interval', '5s', '--health-timeout', '1m30s', '--health-retries', '2', '--health-start-period', '100ms', 'busybox'],
  ['run', '--health-start-interval', '2s', '--annotation', 'a=b', 'busybox'],
  ['create', '--cpu-count', '2', '--io-maxiops', '3', 'busybox'],
  ['run', '--no-healthcheck', '--restart', 'on-failure:3', '--platform', 'linux/amd64', '--pull', 'never', '-q', '--disable-content-trust', 'busybox'],
  ['run', '--restart', 'unless-stopped', '--pull', 'missing', 'busybox'],
  ['create', '--name', 'foo', '-t', '-i', '--rm', '-e', 'A', 'busybox', 'sh'],
  ['container', 'create', '--pull', 'never', 'busybox'],
  ['container', 'run', '--rm', 'busybox'],
  // docker's own errors: usage, flag values, conflicts
  ['run'],
  ['run', '--nosuch', 'busybox'],
  ['run', '-x', 'busybox'],
  ['run', '-dx', 'busybox'],
  ['run', '--name'],
  ['run', '--stop-timeout', 'x', 'busybox'],
  ['run', '--sysctl', 'a.b=1', 'busybox'],
  ['run', '-a', 'stdfoo', 'busybox'],
  ['run', '--dns', 'nope', 'busybox'],
  ['run', '--add-host', 'nocolon', 'busybox'],
  ['run', '--pull', 'sometimes', 'busybox'],
  ['run', '-d', '-a', 'stdout', 'busybox'],
  ['run', '--restart', 'always', '--rm', 'busybox'],
  ['run', '--no-healthcheck', '--health-cmd', 'x', 'busybox'],
  ['run', '--memory-swappiness', '101', 'busybox'],
  ['run', '--pid', 'bogus', 'busybox'],
  ['run', '--mount', 'type=bind', 'busybox'],
  ['run', '--security-opt', 'label', 'busybox'],
  ['run', '-p', '80:http', 'busybox'],
  ['run', '-m', 'lots', 'busybox'],
  ['create'],
  ['create', '--nosuch', 'busybox'],
  // exec
  ['exec', '-d', '-e', 'A=1', '--env-file', '$DIR/env', '-w', '/x', '-u', '1', '--privileged', '--detach-keys', 'ctrl-a,x', 'c', 'sh'],
  ['exec', '-i', 'c', 'cat'],
  ['exec', '-t', 'c', 'sh'],
  ['exec', '-it', 'c', 'sh'],
  ['exec', 'c'],
  ['exec', '--nosuch', 'c', 'sh'],
  ['container', 'exec', 'c', 'ls', '-l'],
  // cp: -a sends copyUIDGID=true; -L and -q change no request here (the stat answers 500)
  ['cp', '-a', '$DIR/env', 'c:/tmp/x'],
  ['cp', '-L', '$DIR/env', 'c:/tmp/x'],
  ['cp', '-aL', 'c:/etc/passwd', '$DIR/out'],
];

/** Flags of docker's help that no case above sends, and why. */
const NOT_COMPARED: Record<string, string> = {
  '--use-api-socket': 'experimental in docker 28; not in berth',
  '--help': 'help text, not a request',
};

describe('berth and docker send the same requests for the same arguments', () => {
  for (const args of CASES) {
    it(args.join(' '), async () => {
      const { d, b } = await both(args);
      expect(b.requests).toEqual(d.requests);
      expect({ code: b.code, stderr: b.stderr, stdout: b.stdout }).toEqual({ code: d.code, stderr: d.stderr, stdout: d.stdout });
    });
  }

  it('build: the same POST /build query for every flag the legacy builder takes', async () => {
    const ctxDir = path.join(dir, 'ctx');
    fs.mkdirSync(ctxDir, { recursive: true });
    fs.writeFileSync(path.join(ctxDir, 'Dockerfile'), 'FROM busybox\n');
    const args = ['build', '-t', 'a:1', '-t', 'b', '--build-arg', 'X=1', '--label', 'l=1', '-q', '--no-cache', '--pull', '--rm=false', '--force-rm', '-f', path.join(ctxDir, 'Dockerfile'),
      '--network', 'host', '--add-host', 'h:1.2.3.4', '--target', 't', '--shm-size', '64m', '-m', '64m', '--memory-swap', '-1', '--cpu-shares', '2', '--cpu-period', '10', '--cpu-quota', '5',
      '--cpuset-cpus', '0', '--cpuset-mems', '0', '--cgroup-parent', 'p', '--ulimit', 'nofile=1:2', '--cache-from', 'c', '--security-opt', 's', '--platform', 'linux/amd64', '--isolation', 'default', ctxDir];
    const [dr, br] = await Promise.all([dockerCli(docker.host, args, { env: { DOCKER_BUILDKIT: '0' } }), berthCli(berth.host, args)]);
    // the context tars differ in their headers; the query is the request
    const urls = (r: RecordedRequest[]) => r.map((q) => `${q.method} ${q.url}`);
    expect(urls(berth.take())).toEqual(urls(docker.take()));
    expect(br.code).toBe(dr.code);
  });

  for (const cmd of ['run', 'create', 'exec']) {
    it(`every flag of docker ${cmd} --help is in berth ${cmd} --help and in a case above`, async () => {
      const flagsOf = (text: string) => [...text.matchAll(/^\s+(?:(-\w), )?(--[\w-]+)/gm)].map((m) => ({ short: m[1], long: m[2]! }));
      const dh = await dockerCli(docker.host, [cmd, '--help']);
      const bh = await berthCli(berth.host, [cmd, '--help']);
      const dockerFlags = flagsOf(dh.stdout);
      expect(dockerFlags.length).toBeGreaterThan(cmd === 'exec' ? 8 : 90);
      const berthFlags = new Set(flagsOf(bh.stdout).map((f) => f.long));
      expect(dockerFlags.map((f) => f.long).filter((f) => !berthFlags.has(f) && !NOT_COMPARED[f])).toEqual([]);
      const used = new Set(CASES.filter((c) => (cmd === 'exec') === c.includes('exec')).flat().map((a) => a.split('=')[0]!));
      const shortUsed = (s: string | undefined) => !!s && CASES.some((c) => (cmd === 'exec') === c.includes('exec') && c.some((a) => /^-\w+$/.test(a) && a.includes(s.slice(1))));
      expect(dockerFlags.filter((f) => !used.has(f.long) && !shortUsed(f.short) && !NOT_COMPARED[f.long]).map((f) => f.long)).toEqual([]);
    });
  }
});
