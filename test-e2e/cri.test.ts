/**
 * berthd's CRI v1 endpoint (issue 13) driven by a gRPC client built from the repository's proto,
 * the way kubelet drives a node's runtime. Two daemons:
 * - in the root network namespace, no CNI: runtime status, Unimplemented, and images pulled from
 *   a berth-registry on loopback through `--registry-mirror registry.k8s.io=…` (the mirror is the
 *   only route: registry.k8s.io is not reachable here);
 * - inside a network namespace the test made (network safety), with a bridge + host-local CNI
 *   configuration from Debian's containernetworking-plugins: pods, containers, exec, CRI logs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { loadCriServices } from '@berth/cri';
import { BerthDaemon, NetNs, busyboxRootfsTar, clientsFor, criClient, grpcCode, ok, scratchDir, sleep, startCriDaemon, stopCriDaemon, writeBridgeCniConf, type CriClient } from './harness';
import { startBerthRegistry, type RunningRegistry } from './registry-helpers';

const CNI_BIN = '/usr/lib/cni';
const NS_LABEL = 'label=io.berth.namespace=k8s.io';
const MISSING = 'f'.repeat(64);

describe('CRI: runtime and images (root namespace, no pod network)', () => {
  let registry: RunningRegistry;
  let d: BerthDaemon;
  let cri: CriClient;

  beforeAll(async () => {
    registry = await startBerthRegistry();
    d = await BerthDaemon.start({
      cri: true,
      args: ['--registry-mirror', `registry.k8s.io=http://${registry.host}`, '--cni-conf-dir', scratchDir('cri-no-cni'), '--cni-bin-dir', CNI_BIN],
    });
    const c = clientsFor(d);
    const ref = `${registry.host}/e2e/busybox:1`;
    ok(await c.berth(['import', busyboxRootfsTar(), ref]));
    ok(await c.berth(['push', ref], { timeoutMs: 60_000 }));
    ok(await c.berth(['rmi', ref]));
    cri = criClient(d.criAddress);
  }, 120_000);

  afterAll(async () => {
    cri?.close();
    try {
      await d?.dispose();
    } finally {
      await registry?.dispose();
    }
  }, 60_000);

  it('Version and Status: runtime ready; network not ready, with the reason, without a CNI config', async () => {
    const v = await cri.runtime('Version', { version: 'v1' });
    expect(v).toMatchObject({ runtime_name: 'berth', runtime_api_version: 'v1' });
    const s = await cri.runtime('Status', {});
    const cond = Object.fromEntries(s.status.conditions.map((c: { type: string }) => [c.type, c]));
    expect(cond['RuntimeReady']).toMatchObject({ status: true });
    expect(cond['NetworkReady']).toMatchObject({ status: false, reason: 'NetworkPluginNotReady' });
    expect(cond['NetworkReady'].message).toMatch(/no network config found/);
    expect(await cri.runtime('RuntimeConfig', {})).toMatchObject({ linux: { cgroup_driver: 1 } }); // CGROUPFS
    await cri.runtime('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.0.0/24' } } });
  });

  it('an optional RPC berth does not serve answers Unimplemented, as containerd does', async () => {
    expect(await grpcCode(cri.runtime('CheckpointContainer', { container_id: MISSING }))).toBe(grpcStatus.UNIMPLEMENTED);
  });

  it('PullImage through the registry mirror; ListImages, ImageStatus, ImageFsInfo, RemoveImage (twice)', async () => {
    const ref = 'registry.k8s.io/e2e/busybox:1';
    expect(await cri.image('ImageStatus', { image: { image: ref } })).toMatchObject({ image: null });
    const pulled = await cri.image('PullImage', { image: { image: ref } }, 60_000);
    expect(pulled.image_ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    const list = await cri.image('ListImages', {});
    const img = list.images.find((i: { id: string }) => i.id === pulled.image_ref);
    expect(img).toBeDefined();
    expect(img.repo_tags).toEqual([ref]);
    expect(img.repo_digests[0]).toMatch(/^registry\.k8s\.io\/e2e\/busybox@sha256:[0-9a-f]{64}$/);
    expect(Number(img.size)).toBeGreaterThan(0);
    const st = await cri.image('ImageStatus', { image: { image: ref } });
    expect(st.image).toMatchObject({ id: pulled.image_ref, uid: { value: 0 }, pinned: false });
    const fsInfo = await cri.image('ImageFsInfo', {});
    expect(Number(fsInfo.image_filesystems[0].used_bytes.value)).toBeGreaterThan(0);
    expect(fsInfo.image_filesystems[0].fs_id.mountpoint).toContain(d.dataRoot);
    // a missing image is an error, not a hang
    expect(await grpcCode(cri.image('PullImage', { image: { image: 'registry.k8s.io/e2e/absent:1' } }, 60_000))).toBeDefined();
    await cri.image('RemoveImage', { image: { image: ref } });
    await cri.image('RemoveImage', { image: { image: ref } });
    expect(await cri.image('ImageStatus', { image: { image: ref } })).toMatchObject({ image: null });
  }, 90_000);

  it('RunPodSandbox without a CNI config fails and leaves nothing; stop/remove of missing objects succeed, status is NotFound', async () => {
    const c = clientsFor(d);
    const config = { metadata: { name: 'nonet', namespace: 'default', uid: 'u-nonet', attempt: 0 }, linux: {} };
    // the pause image comes through the mirror too, so this fails at the network, not the image
    ok(await c.berth(['import', '-c', 'CMD ["sleep","2147483647"]', busyboxRootfsTar(), 'registry.k8s.io/pause:3.9']));
    // the pod-infra image is pinned (kubelet's image GC keeps it)
    expect((await cri.image('ImageStatus', { image: { image: 'registry.k8s.io/pause:3.9' } })).image).toMatchObject({ pinned: true });
    expect(await grpcCode(cri.runtime('RunPodSandbox', { config }))).toBe(grpcStatus.FAILED_PRECONDITION);
    expect((await cri.runtime('ListPodSandbox', {})).items).toEqual([]);
    expect(ok(await c.berth(['ps', '-aq', '--filter', NS_LABEL])).stdout).toBe('');
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: MISSING });
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: MISSING });
    await cri.runtime('StopContainer', { container_id: MISSING, timeout: 1 });
    await cri.runtime('RemoveContainer', { container_id: MISSING });
    expect(await grpcCode(cri.runtime('PodSandboxStatus', { pod_sandbox_id: MISSING }))).toBe(grpcStatus.NOT_FOUND);
    expect(await grpcCode(cri.runtime('ContainerStatus', { container_id: MISSING }))).toBe(grpcStatus.NOT_FOUND);
  });
});

describe('CRI: pods and containers (berthd in a network namespace of the test, CNI bridge)', () => {
  let ns: NetNs;
  let d: BerthDaemon;
  let cri: CriClient;
  let work: string;
  let logDir: string;

  beforeAll(async () => {
    work = scratchDir('cri-pods');
    const confDir = writeBridgeCniConf(work, 'be2e-pods', '10.89.0.0/24', { portMappings: true });
    logDir = path.join(work, 'logs');
    ns = NetNs.create('cri');
    ({ d, cri } = await startCriDaemon(ns, confDir));
  }, 120_000);

  afterAll(() => stopCriDaemon(cri, d, ns), 60_000);

  const podConfig = (name: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
    hostname: name,
    log_directory: path.join(logDir, name),
    labels: { app: name },
    annotations: { note: 'e2e' },
    linux: {},
    ...extra,
  });

  it('Status: network ready with the CNI config', async () => {
    const s = await cri.runtime('Status', {});
    expect(s.status.conditions.find((c: { type: string }) => c.type === 'NetworkReady')).toMatchObject({ status: true });
  });

  it('a pod gets its address from CNI; status, list and label filters; stop releases it, stop and remove twice succeed', async () => {
    const config = podConfig('web');
    const { pod_sandbox_id: id } = await cri.runtime('RunPodSandbox', { config });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const st = (await cri.runtime('PodSandboxStatus', { pod_sandbox_id: id })).status;
    expect(st).toMatchObject({ id, state: 0, metadata: config.metadata, labels: { app: 'web' }, annotations: { note: 'e2e' } });
    expect(st.network.ip).toMatch(/^10\.89\.0\.\d+$/);
    expect(ns.execSync('ip', ['-4', 'addr', 'show', 'cni0'])).toContain('10.89.0.1/24');
    expect((await cri.runtime('ListPodSandbox', { filter: { label_selector: { app: 'web' } } })).items.map((p: { id: string }) => p.id)).toEqual([id]);
    expect((await cri.runtime('ListPodSandbox', { filter: { label_selector: { app: 'other' } } })).items).toEqual([]);
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: id });
    const stopped = (await cri.runtime('PodSandboxStatus', { pod_sandbox_id: id })).status;
    expect(stopped).toMatchObject({ state: 1, network: { ip: '' } });
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: id });
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: id });
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: id });
    expect(await grpcCode(cri.runtime('PodSandboxStatus', { pod_sandbox_id: id }))).toBe(grpcStatus.NOT_FOUND);
    // host-local gave the address back
    const ipam = fs.readdirSync(path.join(work, 'ipam', 'be2e-pods')).filter((f) => /^\d/.test(f));
    expect(ipam).toEqual([]);
  }, 60_000);

  it('a pod of two containers sharing localhost, the pod hostname and DNS config; a portmap port mapping reaches it', async () => {
    const config = podConfig('duo', {
      hostname: 'duo-host',
      dns_config: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      port_mappings: [{ protocol: 0, container_port: 8080, host_port: 18080, host_ip: '' }],
    });
    const { pod_sandbox_id: pod } = await cri.runtime('RunPodSandbox', { config });
    const create = async (name: string, command: string[]) =>
      (await cri.runtime('CreateContainer', { pod_sandbox_id: pod, sandbox_config: config, config: { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command, log_path: `${name}.log`, linux: {} } }))
        .container_id as string;
    const srv = await create('server', ['sh', '-c', 'mkdir -p /www && echo from-server > /www/index.html && exec httpd -f -p 8080 -h /www']);
    const cli = await create('client', ['sleep', '1000']);
    await cri.runtime('StartContainer', { container_id: srv });
    await cri.runtime('StartContainer', { container_id: cli });
    const sh = async (script: string) => {
      const r = await cri.runtime('ExecSync', { container_id: cli, cmd: ['sh', '-c', script], timeout: 10 });
      return { out: Buffer.from(r.stdout).toString(), code: r.exit_code as number };
    };
    let got = { out: '', code: -1 };
    for (let i = 0; i < 30 && got.code !== 0; i++) {
      got = await sh('timeout 5 wget -qO- http://127.0.0.1:8080/index.html');
      if (got.code !== 0) await sleep(100);
    }
    expect(got).toEqual({ out: 'from-server\n', code: 0 });
    expect((await sh('hostname; cat /etc/hostname')).out).toBe('duo-host\nduo-host\n');
    expect((await sh('cat /etc/resolv.conf')).out).toBe('search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const ip = (await cri.runtime('PodSandboxStatus', { pod_sandbox_id: pod })).status.network.ip as string;
    expect((await sh('ip -4 addr show eth0')).out).toContain(`inet ${ip}/24`);
    // the pod's address from the test's namespace (where berthd runs), and the host port through portmap
    expect((await ns.exec('busybox', ['wget', '-qO-', `http://${ip}:8080/index.html`], { timeoutMs: 10_000 })).stdout).toBe('from-server\n');
    expect((await ns.exec('busybox', ['wget', '-qO-', 'http://10.89.0.1:18080/index.html'], { timeoutMs: 10_000 })).stdout).toBe('from-server\n');
    // pod stats: the pod's eth0 counters (the traffic above), its processes, CPU per second from the second sample on
    const ps1 = (await cri.runtime('PodSandboxStats', { pod_sandbox_id: pod })).stats.linux;
    expect(ps1.network.default_interface).toMatchObject({ name: 'eth0' });
    expect(Number(ps1.network.default_interface.rx_bytes.value)).toBeGreaterThan(0);
    expect(Number(ps1.network.default_interface.tx_bytes.value)).toBeGreaterThan(0);
    expect(ps1.network.interfaces.map((i: { name: string }) => i.name)).not.toContain('lo');
    expect(Number(ps1.process.process_count.value)).toBeGreaterThanOrEqual(3); // pause, httpd, sleep
    expect(ps1.containers).toHaveLength(2);
    await sh('i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'); // some CPU between the samples
    const ps2 = (await cri.runtime('PodSandboxStats', { pod_sandbox_id: pod })).stats.linux;
    expect(Number(ps2.cpu.usage_nano_cores.value)).toBeGreaterThan(0);
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: pod });
    for (const id of [srv, cli]) expect((await cri.runtime('ContainerStatus', { container_id: id })).status.state).toBe(2);
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: pod });
    expect((await cri.runtime('ListContainers', { filter: { pod_sandbox_id: pod } })).containers).toEqual([]);
  }, 90_000);

  it('an image volume: the image read-only at the container path, a sub path, reported in ContainerStatus; read-write and missing or escaping sub paths refused; unmounted with the container', async () => {
    const nsOpts = { network: 2, pid: 1, ipc: 2 };
    const config = podConfig('imgvol', { linux: { security_context: { namespace_options: nsOpts } } });
    const { pod_sandbox_id: pod } = await cri.runtime('RunPodSandbox', { config });
    const imageId = (await cri.image('ImageStatus', { image: { image: 'busybox' } })).image.id as string;
    const volumesDir = path.join(d.dataRoot, 'cri', 'image-volumes');
    const mountedBelow = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(`${volumesDir}/`));
    const create = (name: string, mounts: unknown[]) =>
      cri.runtime('CreateContainer', {
        pod_sandbox_id: pod,
        sandbox_config: config,
        config: { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], mounts, linux: { security_context: { namespace_options: nsOpts } } },
      });
    const { container_id: c } = await create('c', [
      { container_path: '/mnt/image', readonly: true, image: { image: 'busybox' } },
      { container_path: '/mnt/etc', readonly: true, image: { image: 'busybox' }, image_sub_path: 'etc' },
    ]);
    const mounts = (await cri.runtime('ContainerStatus', { container_id: c })).status.mounts as { container_path: string; image: { image: string; image_ref: string }; image_sub_path: string }[];
    expect(mounts.find((m) => m.container_path === '/mnt/image')).toMatchObject({ image: { image: 'busybox', image_ref: imageId } });
    expect(mounts.find((m) => m.container_path === '/mnt/etc')).toMatchObject({ image_sub_path: 'etc', image: { image_ref: imageId } });
    expect(mountedBelow()).toHaveLength(2); // one overlay per image volume
    await cri.runtime('StartContainer', { container_id: c });
    const r = await cri.runtime('ExecSync', {
      container_id: c,
      cmd: ['sh', '-c', '/mnt/image/bin/busybox true && head -1 /mnt/etc/passwd && ls /mnt/etc/passwd && ! ls /mnt/etc/etc 2>/dev/null && touch /mnt/image/x'],
      timeout: 10,
    });
    expect(Buffer.from(r.stdout).toString()).toBe('root:x:0:0:root:/root:/bin/sh\n/mnt/etc/passwd\n');
    expect(Buffer.from(r.stderr).toString()).toMatch(/Read-only file system/);
    expect(r.exit_code).not.toBe(0);

    for (const bad of [
      { container_path: '/mnt/rw', readonly: false, image: { image: 'busybox' } },
      { container_path: '/mnt/nope', readonly: true, image: { image: 'busybox' }, image_sub_path: 'not-existing' },
      { container_path: '/mnt/up', readonly: true, image: { image: 'busybox' }, image_sub_path: '../..' },
    ]) {
      expect(await grpcCode(create('bad', [bad]))).toBe(grpcStatus.INVALID_ARGUMENT);
    }
    expect(mountedBelow()).toHaveLength(2); // the refused ones left nothing mounted
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: pod });
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: pod });
    expect(mountedBelow()).toEqual([]);
    expect(fs.existsSync(volumesDir) ? fs.readdirSync(volumesDir) : []).toEqual([]);
  }, 90_000);

  it('GetContainerEvents streams created, started, stopped and deleted for the pod and its container, with the pod and container statuses; containerd\'s CRI annotations in the OCI specs', async () => {
    const { RuntimeService } = loadCriServices();
    const rt = new RuntimeService(d.criAddress, grpc.credentials.createInsecure());
    const got: { container_id: string; container_event_type: number; created_at: number; pod_sandbox_status: { id: string } | null; containers_statuses: { id: string; state: number }[] }[] = [];
    const stream = rt.GetContainerEvents({});
    stream.on('data', (m: (typeof got)[number]) => got.push(m));
    stream.on('error', () => undefined); // the cancel at the end
    try {
      await sleep(200); // the subscription is made when the call reaches berthd
      const nsOpts = { network: 2, pid: 1, ipc: 2 };
      const resources = { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 64 * 1024 * 1024 };
      const config = podConfig('events', { linux: { security_context: { namespace_options: nsOpts }, resources } });
      const { pod_sandbox_id: pod } = await cri.runtime('RunPodSandbox', { config });
      const { container_id: c } = await cri.runtime('CreateContainer', {
        pod_sandbox_id: pod,
        sandbox_config: config,
        config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: nsOpts } } },
      });
      await cri.runtime('StartContainer', { container_id: c });
      // containerd's CRI annotations in the OCI specs; the pod-level resources on the sandbox's
      const annotations = (id: string) => JSON.parse(fs.readFileSync(path.join(d.dataRoot, 'containers', id, 'config.json'), 'utf8')).annotations as Record<string, string>;
      expect(annotations(pod)).toMatchObject({
        'io.kubernetes.cri.container-type': 'sandbox',
        'io.kubernetes.cri.sandbox-name': 'events',
        'io.kubernetes.cri.sandbox-namespace': 'default',
        'io.kubernetes.cri.sandbox-uid': 'uid-events',
        'io.kubernetes.cri.sandbox-cpu-period': '100000',
        'io.kubernetes.cri.sandbox-cpu-quota': '50000',
        'io.kubernetes.cri.sandbox-cpu-shares': '512',
        'io.kubernetes.cri.sandbox-memory': String(64 * 1024 * 1024),
      });
      expect(annotations(c)).toMatchObject({ 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': pod, 'io.kubernetes.cri.container-name': 'c', 'io.kubernetes.cri.image-name': 'busybox' });
      await cri.runtime('StopContainer', { container_id: c, timeout: 1 });
      await cri.runtime('RemoveContainer', { container_id: c });
      await cri.runtime('StopPodSandbox', { pod_sandbox_id: pod });
      await cri.runtime('RemovePodSandbox', { pod_sandbox_id: pod });
      const want = [
        [pod, 0],
        [pod, 1],
        [c, 0],
        [c, 1],
        [c, 2],
        [c, 3],
        [pod, 2],
        [pod, 3],
      ];
      for (let i = 0; i < 50 && got.length < want.length; i++) await sleep(100);
      expect(got.map((e) => [e.container_id, e.container_event_type])).toEqual(want);
      const cStarted = got[3]!;
      expect(cStarted.pod_sandbox_status?.id).toBe(pod);
      expect(cStarted.containers_statuses.find((s) => s.id === c)?.state).toBe(1);
      expect(got[4]!.containers_statuses.find((s) => s.id === c)?.state).toBe(2); // exited
      expect(got[7]!.pod_sandbox_status).toBeNull(); // the pod is gone
      for (let i = 1; i < got.length; i++) expect(Number(got[i]!.created_at)).toBeGreaterThanOrEqual(Number(got[i - 1]!.created_at));
    } finally {
      stream.cancel();
      rt.close();
    }
  }, 90_000);

  it('a container: ExecSync (exit code, both streams, timeout), CRI-format log file, exit status kept, negative OOM score clamped, hidden from ps', async () => {
    // host network: the pod shares berthd's namespace (the test's own); no container: join needed
    const nsOpts = { network: 2, pid: 1, ipc: 2 };
    const config = podConfig('hostnet', { linux: { security_context: { namespace_options: nsOpts } } });
    const { pod_sandbox_id: pod } = await cri.runtime('RunPodSandbox', { config });
    const create = (name: string, command: string[], extra: Record<string, unknown> = {}) =>
      cri.runtime('CreateContainer', {
        pod_sandbox_id: pod,
        sandbox_config: config,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: 'busybox' },
          command,
          log_path: `${name}.log`,
          labels: { c: name },
          linux: { resources: { oom_score_adj: -998 }, security_context: { namespace_options: nsOpts } },
          ...extra,
        },
      });
    const { container_id: c1 } = await create('main', ['sh', '-c', 'echo out; echo err >&2; exec sleep 1000']);
    expect((await cri.runtime('ContainerStatus', { container_id: c1 })).status).toMatchObject({ state: 0, metadata: { name: 'main' }, labels: { c: 'main' } });
    await cri.runtime('StartContainer', { container_id: c1 });
    const st = (await cri.runtime('ContainerStatus', { container_id: c1 })).status;
    expect(st).toMatchObject({ state: 1, log_path: path.join(logDir, 'hostnet', 'main.log'), image: { image: 'busybox' } });

    const ex = await cri.runtime('ExecSync', { container_id: c1, cmd: ['sh', '-c', 'echo x; echo y >&2; cat /proc/1/oom_score_adj; exit 3'], timeout: 10 });
    expect(Buffer.from(ex.stdout).toString()).toMatch(/^x\n-?\d+\n$/);
    expect(Number(Buffer.from(ex.stdout).toString().split('\n')[1])).toBeGreaterThanOrEqual(0);
    expect(Buffer.from(ex.stderr).toString()).toBe('y\n');
    expect(ex.exit_code).toBe(3);
    const t0 = Date.now();
    expect(await grpcCode(cri.runtime('ExecSync', { container_id: c1, cmd: ['sleep', '30'], timeout: 1 }))).toBe(grpcStatus.DEADLINE_EXCEEDED);
    expect(Date.now() - t0).toBeLessThan(10_000);

    const logFile = path.join(logDir, 'hostnet', 'main.log');
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 2; i++) {
      lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
      if (lines.length < 2) await sleep(100);
    }
    expect(lines.map((l) => l.replace(/^\S+ /, 'TS ')).sort()).toEqual(['TS stderr F err', 'TS stdout F out']);
    for (const l of lines) expect(Number.isNaN(Date.parse(l.split(' ')[0]!))).toBe(false);

    const { container_id: c2 } = await create('fails', ['sh', '-c', 'exit 7']);
    await cri.runtime('StartContainer', { container_id: c2 });
    let s2: { state: number; exit_code: number; reason: string; started_at: number; finished_at: number } | undefined;
    for (let i = 0; i < 100; i++) {
      s2 = (await cri.runtime('ContainerStatus', { container_id: c2 })).status;
      if (s2?.state === 2) break;
      await sleep(100);
    }
    expect(s2).toMatchObject({ state: 2, exit_code: 7, reason: 'Error' });
    expect(Number(s2!.finished_at)).toBeGreaterThanOrEqual(Number(s2!.started_at));

    const listed = await cri.runtime('ListContainers', { filter: { pod_sandbox_id: pod } });
    expect(listed.containers.map((c: { id: string }) => c.id).sort()).toEqual([c1, c2].sort());
    expect((await cri.runtime('ListContainers', { filter: { state: { state: 1 } } })).containers.map((c: { id: string }) => c.id)).toEqual([c1]);
    await cri.runtime('ExecSync', { container_id: c1, cmd: ['dd', 'if=/dev/zero', 'of=/written', 'bs=1024', 'count=64'], timeout: 10 });
    const stats = await cri.runtime('ContainerStats', { container_id: c1 });
    expect(Number(stats.stats.memory.working_set_bytes.value)).toBeGreaterThan(0);
    // the writable layer: what the container wrote (its snapshot's upper dir)
    expect(Number(stats.stats.writable_layer.used_bytes.value)).toBeGreaterThanOrEqual(64 * 1024);
    expect(Number(stats.stats.writable_layer.inodes_used.value)).toBeGreaterThanOrEqual(1);
    expect(stats.stats.writable_layer.fs_id.mountpoint).not.toBe('');

    // CRI containers are kept apart from berth's own
    const c = clientsFor(d);
    expect(ok(await c.berth(['ps', '-aq'])).stdout).toBe('');
    expect(ok(await c.berth(['ps', '-aq', '--no-trunc', '--filter', NS_LABEL])).stdout.trim().split('\n').sort()).toEqual([pod, c1, c2].sort());

    await cri.runtime('StopContainer', { container_id: c1, timeout: 1 });
    expect((await cri.runtime('ContainerStatus', { container_id: c1 })).status).toMatchObject({ state: 2, exit_code: 137 });
    await cri.runtime('StopContainer', { container_id: c1, timeout: 1 });
    await cri.runtime('RemoveContainer', { container_id: c2 });
    await cri.runtime('RemoveContainer', { container_id: c2 });
    await cri.runtime('StopPodSandbox', { pod_sandbox_id: pod });
    await cri.runtime('RemovePodSandbox', { pod_sandbox_id: pod });
    expect((await cri.runtime('ListContainers', {})).containers).toEqual([]);
    expect(ok(await c.berth(['ps', '-aq', '--filter', NS_LABEL])).stdout).toBe('');
  }, 90_000);
});
