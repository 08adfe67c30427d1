import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { status as Status } from '@grpc/grpc-js';
import type { ContainerInspect, ContainerSummary } from '@berth/api';
import { InvalidArgumentError, NotFoundError, codeOf, isNotFound, messageOf } from '@berth/errdefs';
import type { Logger } from '@berth/log';
import { NO_APPARMOR, apparmorSecurityOpt, type CriAppArmor } from './apparmor-opt';
import type { CniNetwork, CniPortMapping } from './cni-network';
import type { CriContainerEvent } from './container-events';
import { CriLogWriter } from './cri-log-writer';
import { networkUsageOf } from './network-usage';
import {
  CRI_NAMESPACE,
  KIND_LABEL,
  META_LABEL,
  NAMESPACE_LABEL,
  SANDBOX_LABEL,
  criContainerName,
  matchesSelector,
  type ContainerMeta,
  type SandboxMeta,
} from './cri-labels';
import type { CriContainerBackend, CriImageBackend, PodResolvConf } from './deps';
import { GrpcStatusError } from './grpc-errors';
import type { Message, UnaryHandler } from './grpc-handlers';
import type { StreamingServer } from './streaming/streaming-server';

/** CRI NamespaceMode. */
const POD = 0;
const NODE = 2;
/** CRI ContainerState. */
const CREATED = 0;
const RUNNING = 1;
const EXITED = 2;
const UNKNOWN = 3;
/** CRI PodSandboxState. */
const SANDBOX_READY = 0;
const SANDBOX_NOTREADY = 1;

/** CRI MountPropagation → a bind's propagation mode (PRIVATE, HOST_TO_CONTAINER, BIDIRECTIONAL). */
const PROPAGATION: Record<number, string> = { 0: ',rprivate', 1: ',rslave', 2: ',rshared' };

/** ExecSync's cap per stream (the CRI's 16 MiB, CVE-2022-1708). */
const EXEC_OUTPUT_CAP = 16 * 1024 * 1024;

interface SandboxNetState {
  netns: string;
  ips: string[];
  result: Record<string, unknown>;
  /** CNI DEL done (StopPodSandbox). */
  tornDown?: boolean;
}

export interface PodManagerOptions {
  containers: CriContainerBackend;
  images: CriImageBackend;
  cni: CniNetwork;
  stateDir: string;
  /** The content of a pod's resolv.conf from its DNSConfig (@berth/network's, through the daemon). */
  podResolvConf: PodResolvConf;
  podInfraImage: string;
  logger: Logger;
  /** Serves the URLs Exec/Attach/PortForward answer (those RPCs are Unimplemented without it). */
  streaming?: StreamingServer;
  /** The host's AppArmor (berthd's); none: no AppArmor. */
  apparmor?: CriAppArmor;
}

const nsOf = (iso: string): number => {
  if (!iso || iso.startsWith('0001-01-01')) return 0;
  const ms = Date.parse(iso);
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const subMs = Number((frac + '000000000').slice(3, 9));
  return Math.floor(ms / 1000) * 1e9 + (ms % 1000) * 1e6 + (Number.isFinite(subMs) ? subMs : 0);
};

function parseMeta<T>(labels: Record<string, string> | null | undefined): T | undefined {
  const raw = labels?.[META_LABEL];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** The user's labels: every label but berth's own bookkeeping. */
function criLabels(meta: { labels: Record<string, string> } | undefined): Record<string, string> {
  return { ...(meta?.labels ?? {}) };
}

/**
 * Pod sandboxes and their containers on top of the container service.
 *
 * A sandbox is a holder container run from the pod-infra (pause) image: it owns the pod's network,
 * IPC and UTS namespaces (its own network namespace with only loopback, `NetworkMode: none`,
 * into which CNI plugs the pod's interface), and the pod's containers join them
 * (`container:<sandbox>` modes). A pause container, not berth's shim, holds them because the
 * container service already knows how to run, join, stop and restore containers, kubelet and
 * critest expect the configured sandbox image to be pulled and used, and the holder is then
 * visible and accounted for like any container (cgroup, stats, `berth ps`).
 */
export class PodManager {
  private readonly c: CriContainerBackend;
  private readonly logWriters = new Map<string, CriLogWriter>();
  private readonly sandboxLocks = new Map<string, Promise<unknown>>();
  /** The last CPU sample of each container and pod, for usage_nano_cores. */
  private readonly cpuSamples = new Map<string, { at: number; usage: number }>();
  /** The last writable-layer usage of each container (refreshed every 10 s). */
  private readonly layerUsage = new Map<string, { at: number; mountpoint: string; usedBytes: number; inodesUsed: number }>();

  constructor(private readonly o: PodManagerOptions) {
    this.c = o.containers;
  }

  private netStatePath(id: string): string {
    return path.join(this.o.stateDir, 'sandboxes', `${id}.json`);
  }

  /** The pod's own files (resolv.conf, hostname), bind-mounted into each of its containers. */
  private podFilesDir(id: string): string {
    return path.join(this.o.stateDir, 'sandboxes', id);
  }

  /**
   * resolv.conf from the sandbox's DNSConfig (the host's when it has none, as containerd does) and
   * the pod's hostname: written once per pod, mounted into every container of it.
   */
  private async writePodFiles(id: string, cfg: Message, hostNet: boolean): Promise<void> {
    const dir = this.podFilesDir(id);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'resolv.conf'), await this.o.podResolvConf(cfg.dns_config ?? undefined));
    const hostname = hostNet || !cfg.hostname ? (await fs.readFile('/proc/sys/kernel/hostname', 'utf8')).trim() : String(cfg.hostname);
    await fs.writeFile(path.join(dir, 'hostname'), `${hostname}\n`);
  }

  private async readNetState(id: string): Promise<SandboxNetState | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.netStatePath(id), 'utf8')) as SandboxNetState;
    } catch {
      return undefined;
    }
  }

  private async writeNetState(id: string, s: SandboxNetState): Promise<void> {
    const p = this.netStatePath(id);
    await fs.mkdir(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(s));
    await fs.rename(tmp, p);
  }

  /** Serialises the operations on one sandbox (kubelet may stop and remove concurrently). */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.sandboxLocks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.sandboxLocks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.sandboxLocks.get(id) === next) this.sandboxLocks.delete(id);
    }
  }

  private async criList(kind: 'sandbox' | 'container', extra: string[] = []): Promise<ContainerSummary[]> {
    return this.c.list({ all: true, filters: new Map([['label', [`${NAMESPACE_LABEL}=${CRI_NAMESPACE}`, `${KIND_LABEL}=${kind}`, ...extra]]]) });
  }

  /** The full ID of a CRI object of `kind` from an ID or unique prefix; undefined when absent. */
  private async find(kind: 'sandbox' | 'container', ref: string): Promise<ContainerInspect | undefined> {
    if (!ref) throw new InvalidArgumentError('id: empty');
    try {
      const i = await this.c.inspect(ref);
      if (i.Config.Labels?.[KIND_LABEL] !== kind || i.Config.Labels?.[NAMESPACE_LABEL] !== CRI_NAMESPACE) return undefined;
      return i;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async mustFind(kind: 'sandbox' | 'container', ref: string): Promise<ContainerInspect> {
    const i = await this.find(kind, ref);
    if (!i) throw new NotFoundError(`${kind === 'sandbox' ? 'pod sandbox' : 'container'} "${ref}": not found`);
    return i;
  }

  // ---- sandboxes ----

  private async ensureImage(ref: string): Promise<string> {
    const hit = await this.o.images.find(ref);
    if (hit) return hit.id;
    return (await this.o.images.pull(ref, {})).imageId;
  }

  async runPodSandbox(req: Message): Promise<Message> {
    const cfg = req.config;
    if (!cfg?.metadata?.name) throw new InvalidArgumentError('sandbox config: metadata.name is required');
    const md = cfg.metadata;
    const nsOpts = cfg.linux?.security_context?.namespace_options ?? {};
    const meta: SandboxMeta = {
      metadata: { name: md.name, uid: md.uid ?? '', namespace: md.namespace ?? '', attempt: md.attempt ?? 0 },
      labels: cfg.labels ?? {},
      annotations: cfg.annotations ?? {},
      logDirectory: cfg.log_directory ?? '',
      namespaces: { network: nsOpts.network ?? POD, pid: nsOpts.pid ?? POD, ipc: nsOpts.ipc ?? POD },
      portMappings: (cfg.port_mappings ?? []).map((p: Message) => ({ protocol: p.protocol ?? 0, container_port: p.container_port, host_port: p.host_port, host_ip: p.host_ip ?? '' })),
      createdAt: Date.now() * 1e6,
      cgroupParent: String(cfg.linux?.cgroup_parent ?? ''),
    };
    const imageId = await this.ensureImage(this.o.podInfraImage);
    const hostNet = meta.namespaces.network === NODE;
    const sc = cfg.linux?.security_context ?? {};
    const dns = cfg.dns_config;
    const body = {
      Image: imageId,
      Hostname: hostNet ? '' : (cfg.hostname ?? ''),
      Labels: { ...meta.labels, [NAMESPACE_LABEL]: CRI_NAMESPACE, [KIND_LABEL]: 'sandbox', [META_LABEL]: JSON.stringify(meta) },
      HostConfig: {
        NetworkMode: hostNet ? 'host' : 'none',
        IpcMode: meta.namespaces.ipc === NODE ? 'host' : 'shareable',
        PidMode: meta.namespaces.pid === NODE ? 'host' : '',
        Dns: dns?.servers ?? [],
        DnsSearch: dns?.searches ?? [],
        DnsOptions: dns?.options ?? [],
        ReadonlyRootfs: Boolean(sc.readonly_rootfs),
        Privileged: Boolean(sc.privileged),
        OomScoreAdj: 0,
        ...(meta.cgroupParent ? { CgroupParent: meta.cgroupParent } : {}),
        // the pod's sysctls belong to the namespaces the pause container holds for the whole pod
        ...(cfg.linux?.sysctls && Object.keys(cfg.linux.sysctls).length ? { Sysctls: cfg.linux.sysctls } : {}),
        Annotations: sandboxAnnotations(meta, this.o.podInfraImage, cfg.linux?.resources),
      },
      ...(sc.run_as_user ? { User: `${sc.run_as_user.value}${sc.run_as_group ? `:${sc.run_as_group.value}` : ''}` } : {}),
    };
    const name = criContainerName('POD', meta.metadata, meta.metadata.attempt);
    const { Id: id } = await this.c.create(body, { name });
    try {
      await this.writePodFiles(id, cfg, hostNet);
      await this.c.start(id);
      if (!hostNet) {
        const info = await this.c.inspect(id);
        const netns = `/proc/${info.State.Pid}/ns/net`;
        const net = await this.o.cni.add({ id, netns, podName: meta.metadata.name, podNamespace: meta.metadata.namespace, podUid: meta.metadata.uid, portMappings: portMappingsOf(meta) });
        await this.writeNetState(id, { netns, ips: net.ips, result: net.raw });
      }
    } catch (e) {
      await this.c.remove(id, { force: true }).catch(() => undefined);
      await fs.rm(this.netStatePath(id), { force: true });
      await fs.rm(this.podFilesDir(id), { recursive: true, force: true });
      throw e;
    }
    return { pod_sandbox_id: id };
  }

  private async sandboxContainers(sandboxId: string): Promise<ContainerSummary[]> {
    return this.criList('container', [`${SANDBOX_LABEL}=${sandboxId}`]);
  }

  async stopPodSandbox(req: Message): Promise<Message> {
    const sb = await this.find('sandbox', req.pod_sandbox_id);
    if (!sb) return {};
    return this.locked(sb.Id, async () => {
      for (const c of await this.sandboxContainers(sb.Id)) await this.stopContainerById(c.Id, 0);
      await this.teardownNetwork(sb);
      await this.stopContainerById(sb.Id, 0);
      return {};
    });
  }

  private async teardownNetwork(sb: ContainerInspect): Promise<void> {
    const st = await this.readNetState(sb.Id);
    if (!st || st.tornDown) return;
    const meta = parseMeta<SandboxMeta>(sb.Config.Labels);
    const netns = sb.State.Running ? `/proc/${sb.State.Pid}/ns/net` : '';
    await this.o.cni.del(
      { id: sb.Id, netns, podName: meta?.metadata.name ?? '', podNamespace: meta?.metadata.namespace ?? '', podUid: meta?.metadata.uid ?? '', ...(meta ? { portMappings: portMappingsOf(meta) } : {}) },
      st.result,
    );
    await this.writeNetState(sb.Id, { ...st, tornDown: true });
  }

  async removePodSandbox(req: Message): Promise<Message> {
    const sb = await this.find('sandbox', req.pod_sandbox_id);
    if (!sb) return {};
    return this.locked(sb.Id, async () => {
      for (const c of await this.sandboxContainers(sb.Id)) await this.removeContainerById(c.Id);
      await this.teardownNetwork(sb).catch((e: unknown) => this.o.logger.warn({ id: sb.Id, err: messageOf(e) }, 'cri: network teardown at removal failed'));
      await this.c.remove(sb.Id, { force: true }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      await fs.rm(this.netStatePath(sb.Id), { force: true });
      await fs.rm(this.podFilesDir(sb.Id), { recursive: true, force: true });
      this.cpuSamples.delete(sb.Id);
      this.cpuSamples.delete(`pod:${sb.Id}`);
      return {};
    });
  }

  private async sandboxView(i: ContainerInspect): Promise<{ meta: SandboxMeta | undefined; state: number }> {
    return { meta: parseMeta<SandboxMeta>(i.Config.Labels), state: i.State.Running ? SANDBOX_READY : SANDBOX_NOTREADY };
  }

  async podSandboxStatus(req: Message): Promise<Message> {
    const sb = await this.mustFind('sandbox', req.pod_sandbox_id);
    const { meta, state } = await this.sandboxView(sb);
    const net = await this.readNetState(sb.Id);
    const ips = state === SANDBOX_READY && net && !net.tornDown ? net.ips : [];
    const status = {
      id: sb.Id,
      metadata: meta?.metadata ?? null,
      state,
      created_at: meta?.createdAt ?? nsOf(sb.Created),
      network: { ip: ips[0] ?? '', additional_ips: ips.slice(1).map((ip) => ({ ip })) },
      linux: { namespaces: { options: { network: meta?.namespaces.network ?? POD, pid: meta?.namespaces.pid ?? POD, ipc: meta?.namespaces.ipc ?? POD } } },
      labels: criLabels(meta),
      annotations: meta?.annotations ?? {},
      runtime_handler: '',
    };
    const info: Record<string, string> = {};
    if (req.verbose) info['info'] = JSON.stringify({ pid: sb.State.Pid, image: this.o.podInfraImage, netns: net?.netns ?? '', cni: net?.result ?? null });
    return { status, info, containers_statuses: [], timestamp: Date.now() * 1e6 };
  }

  async listPodSandbox(req: Message): Promise<Message> {
    const f = req.filter;
    const out: Message[] = [];
    for (const s of await this.criList('sandbox')) {
      if (f?.id && !s.Id.startsWith(f.id)) continue;
      const meta = parseMeta<SandboxMeta>(s.Labels);
      const state = s.State === 'running' ? SANDBOX_READY : SANDBOX_NOTREADY;
      if (f?.state && f.state.state !== state) continue;
      if (!matchesSelector(criLabels(meta), f?.label_selector)) continue;
      out.push({ id: s.Id, metadata: meta?.metadata ?? null, state, created_at: meta?.createdAt ?? s.Created * 1e9, labels: criLabels(meta), annotations: meta?.annotations ?? {}, runtime_handler: '' });
    }
    return { items: out };
  }

  // ---- containers ----

  async createContainer(req: Message): Promise<Message> {
    const cfg = req.config;
    if (!cfg?.metadata?.name) throw new InvalidArgumentError('container config: metadata.name is required');
    const sb = await this.find('sandbox', req.pod_sandbox_id);
    if (!sb) throw new NotFoundError(`pod sandbox "${req.pod_sandbox_id}": not found`);
    const sbMeta = parseMeta<SandboxMeta>(sb.Config.Labels);
    if (!sbMeta) throw new InvalidArgumentError(`pod sandbox "${sb.Id}": no CRI metadata`);
    const imageRef = cfg.image?.image as string | undefined;
    if (!imageRef) throw new InvalidArgumentError('container config: image is required');
    const img = await this.o.images.find(imageRef);
    if (!img) throw new NotFoundError(`image "${imageRef}": not found`);
    const logPath = cfg.log_path && sbMeta.logDirectory ? path.join(sbMeta.logDirectory, cfg.log_path) : '';
    const meta: ContainerMeta = {
      metadata: { name: cfg.metadata.name, attempt: cfg.metadata.attempt ?? 0 },
      labels: cfg.labels ?? {},
      annotations: cfg.annotations ?? {},
      image: imageRef,
      logPath,
      mounts: [],
      createdAt: Date.now() * 1e6,
    };
    const volumeKeys: string[] = [];
    try {
      for (const m of cfg.mounts ?? []) meta.mounts.push(await this.criMount(m, volumeKeys));
      return await this.createContainerWith(req, cfg, sb, sbMeta, img, meta);
    } catch (e) {
      for (const k of volumeKeys) await this.o.images.unmountImage?.(k).catch(() => undefined);
      throw e;
    }
  }

  /**
   * A CRI Mount as the container's meta keeps it. An image volume (Mount.image, as containerd 2.1
   * does it): the image (already pulled) mounted read-only, its `image_sub_path` (inside the image,
   * existing) bound at the container path; read-write is refused, as the CRI asks.
   */
  private async criMount(m: Message, volumeKeys: string[]): Promise<ContainerMeta['mounts'][number]> {
    const base = { container_path: String(m.container_path ?? ''), host_path: String(m.host_path ?? ''), readonly: Boolean(m.readonly), propagation: m.propagation ?? 0 };
    const ref = m.image?.image as string | undefined;
    if (!ref) return base;
    const where = `image volume at "${base.container_path}"`;
    if (!base.readonly) throw new InvalidArgumentError(`${where}: must be read-only`);
    if (!this.o.images.mountImage) throw new GrpcStatusError(Status.UNIMPLEMENTED, `${where}: image volumes are not supported`);
    const img = await this.o.images.find(ref);
    if (!img) throw new NotFoundError(`${where}: image "${ref}": not found`);
    const sub = String(m.image_sub_path ?? '');
    if (sub && (path.posix.isAbsolute(sub) || sub.split('/').includes('..'))) throw new InvalidArgumentError(`${where}: sub path "${sub}": must be relative, without ".."`);
    const key = randomBytes(16).toString('hex');
    const root = await this.o.images.mountImage(key, img.id);
    volumeKeys.push(key);
    const hostPath = await subPathIn(root, sub);
    if (hostPath === undefined) throw new InvalidArgumentError(`${where}: sub path "${sub}": not found in image "${ref}"`);
    return { ...base, host_path: hostPath, propagation: 0, image: { image: ref, image_ref: img.id }, ...(sub ? { image_sub_path: sub } : {}), volume_key: key };
  }

  private async createContainerWith(req: Message, cfg: Message, sb: ContainerInspect, sbMeta: SandboxMeta, img: { id: string }, meta: ContainerMeta): Promise<Message> {
    const lx = cfg.linux ?? {};
    const sc = lx.security_context ?? {};
    const res = lx.resources ?? {};
    const ns = sc.namespace_options ?? {};
    const hostNet = sbMeta.namespaces.network === NODE;
    const sbRef = `container:${sb.Id}`;
    if (sc.run_as_group && !sc.run_as_user && !sc.run_as_username) throw new InvalidArgumentError('security context: run_as_group needs run_as_user or run_as_username');
    const user = sc.run_as_username
      ? String(sc.run_as_username)
      : sc.run_as_user
        ? `${sc.run_as_user.value}${sc.run_as_group ? `:${sc.run_as_group.value}` : ''}`
        : undefined;
    const envs = (cfg.envs ?? []).map((kv: Message) => `${kv.key}=${Buffer.isBuffer(kv.value) ? kv.value.toString() : (kv.value ?? '')}`);
    const command: string[] = cfg.command ?? [];
    const args: string[] = cfg.args ?? [];
    const body: Record<string, unknown> = {
      Image: img.id,
      ...(command.length ? { Entrypoint: command } : {}),
      ...(args.length ? { Cmd: args } : command.length ? { Cmd: [] } : {}),
      Env: envs,
      WorkingDir: cfg.working_dir ?? '',
      Tty: Boolean(cfg.tty),
      OpenStdin: Boolean(cfg.stdin),
      StdinOnce: Boolean(cfg.stdin_once),
      AttachStdin: Boolean(cfg.stdin),
      ...(user !== undefined ? { User: user } : {}),
      Labels: { ...meta.labels, [NAMESPACE_LABEL]: CRI_NAMESPACE, [KIND_LABEL]: 'container', [SANDBOX_LABEL]: sb.Id, [META_LABEL]: JSON.stringify(meta) },
      HostConfig: {
        Binds: [...podFileBinds(this.podFilesDir(sb.Id), meta.mounts), ...meta.mounts.map((m) => `${m.host_path}:${m.container_path}:${m.readonly ? 'ro' : 'rw'}${PROPAGATION[m.propagation] ?? ''}`)],
        NetworkMode: hostNet ? 'host' : sbRef,
        IpcMode: sbMeta.namespaces.ipc === NODE ? 'host' : sbRef,
        PidMode: sbMeta.namespaces.pid === NODE || ns.pid === NODE ? 'host' : (ns.pid ?? POD) === POD ? sbRef : '',
        Privileged: Boolean(sc.privileged),
        ReadonlyRootfs: Boolean(sc.readonly_rootfs),
        // every container of the pod in kubelet's pod cgroup, as the pause container
        ...(sbMeta.cgroupParent ? { CgroupParent: sbMeta.cgroupParent } : {}),
        CapAdd: sc.capabilities?.add_capabilities ?? [],
        CapDrop: sc.capabilities?.drop_capabilities ?? [],
        GroupAdd: (sc.supplemental_groups ?? []).map(String),
        SecurityOpt: [...(sc.no_new_privs ? ['no-new-privileges'] : []), ...(await seccompOpt(sc)), ...(await apparmorSecurityOpt(sc, this.o.apparmor ?? NO_APPARMOR))],
        ...(sc.masked_paths?.length ? { MaskedPaths: sc.masked_paths } : {}),
        ...(sc.readonly_paths?.length ? { ReadonlyPaths: sc.readonly_paths } : {}),
        ...resourcesBody(res),
        Annotations: {
          ...podAnnotations(sbMeta),
          [CRI_ANNOTATIONS.sandboxId]: sb.Id,
          [CRI_ANNOTATIONS.containerName]: meta.metadata.name,
          [CRI_ANNOTATIONS.imageName]: meta.image,
          [CRI_ANNOTATIONS.containerType]: 'container',
        },
      },
    };
    const name = criContainerName(meta.metadata.name, sbMeta.metadata, meta.metadata.attempt);
    const { Id } = await this.c.create(body as never, { name });
    return { container_id: Id };
  }

  async startContainer(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    const meta = parseMeta<ContainerMeta>(i.Config.Labels);
    // image volumes are mounted at create; again here when a restart lost them (idempotent)
    for (const m of meta?.mounts ?? []) if (m.volume_key && m.image) await this.o.images.mountImage?.(m.volume_key, m.image.image_ref);
    const w = meta?.logPath ? await CriLogWriter.open(meta.logPath, this.o.logger) : undefined;
    try {
      await this.c.start(i.Id);
    } catch (e) {
      await w?.close();
      throw e;
    }
    if (w) this.followLogs(i.Id, w, undefined);
    return {};
  }

  private followLogs(id: string, w: CriLogWriter, since: string | undefined): void {
    this.logWriters.get(id)?.stop();
    w.follow((signal) => this.c.logs(id, { stdout: true, stderr: true, follow: true, timestamps: true, signal, ...(since !== undefined ? { since } : {}) }), since);
    this.logWriters.set(id, w);
    void w.done.then(() => {
      if (this.logWriters.get(id) === w) this.logWriters.delete(id);
    });
  }

  /** An exited container's log is complete before its status says so (kubelet and critest read it then). */
  private async logFlushed(id: string): Promise<void> {
    const w = this.logWriters.get(id);
    if (!w) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([w.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
  }

  private async stopContainerById(id: string, timeout: number): Promise<void> {
    try {
      await this.c.stop(id, { timeout });
    } catch (e) {
      const code = codeOf(e);
      if (code === 'NOT_FOUND' || code === 'NOT_MODIFIED') return;
      throw e;
    }
  }

  async stopContainer(req: Message): Promise<Message> {
    const i = await this.find('container', req.container_id);
    if (!i) return {};
    await this.stopContainerById(i.Id, Number(req.timeout ?? 0));
    await this.logWriters.get(i.Id)?.done;
    return {};
  }

  private async removeContainerById(id: string): Promise<void> {
    this.logWriters.get(id)?.stop();
    this.cpuSamples.delete(id);
    this.layerUsage.delete(id);
    const meta = await this.c.inspect(id).then(
      (i) => parseMeta<ContainerMeta>(i.Config.Labels),
      () => undefined,
    );
    await this.c.remove(id, { force: true, volumes: true }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    for (const m of meta?.mounts ?? []) if (m.volume_key) await this.o.images.unmountImage?.(m.volume_key);
  }

  async removeContainer(req: Message): Promise<Message> {
    const i = await this.find('container', req.container_id);
    if (!i) return {};
    await this.removeContainerById(i.Id);
    return {};
  }

  private containerState(i: { State: ContainerInspect['State'] | string }): number {
    const s = typeof i.State === 'string' ? i.State : i.State.Status;
    if (s === 'created') return CREATED;
    if (s === 'running' || s === 'paused' || s === 'restarting') return RUNNING;
    if (s === 'exited' || s === 'dead') return EXITED;
    return UNKNOWN;
  }

  async listContainers(req: Message): Promise<Message> {
    const f = req.filter;
    const out: Message[] = [];
    for (const c of await this.criList('container', f?.pod_sandbox_id ? [] : [])) {
      if (f?.id && !c.Id.startsWith(f.id)) continue;
      const sandboxId = c.Labels[SANDBOX_LABEL] ?? '';
      if (f?.pod_sandbox_id && !sandboxId.startsWith(f.pod_sandbox_id)) continue;
      const state = this.containerState(c);
      if (f?.state && f.state.state !== state) continue;
      const meta = parseMeta<ContainerMeta>(c.Labels);
      if (!matchesSelector(criLabels(meta), f?.label_selector)) continue;
      out.push({
        id: c.Id,
        pod_sandbox_id: sandboxId,
        metadata: meta?.metadata ?? null,
        image: { image: meta?.image ?? c.Image, annotations: {} },
        image_ref: c.ImageID,
        image_id: c.ImageID,
        state,
        created_at: meta?.createdAt ?? c.Created * 1e9,
        labels: criLabels(meta),
        annotations: meta?.annotations ?? {},
      });
    }
    return { containers: out };
  }

  async containerStatus(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    const meta = parseMeta<ContainerMeta>(i.Config.Labels);
    const state = this.containerState(i);
    if (state === EXITED) await this.logFlushed(i.Id);
    const startedAt = nsOf(i.State.StartedAt);
    // a process that exits at once can have its exit recorded a few µs before its start was
    let reason = '';
    if (state === EXITED) reason = i.State.OOMKilled ? 'OOMKilled' : i.State.ExitCode === 0 ? 'Completed' : 'Error';
    const status = {
      id: i.Id,
      metadata: meta?.metadata ?? null,
      state,
      created_at: meta?.createdAt ?? nsOf(i.Created),
      started_at: startedAt,
      finished_at: state === EXITED ? Math.max(nsOf(i.State.FinishedAt), startedAt) : 0,
      exit_code: i.State.ExitCode,
      image: { image: meta?.image ?? i.Config.Image, annotations: {} },
      image_ref: i.Image,
      image_id: i.Image,
      reason,
      message: i.State.Error ?? '',
      labels: criLabels(meta),
      annotations: meta?.annotations ?? {},
      mounts: (meta?.mounts ?? []).map((m) =>
        m.image
          ? { container_path: m.container_path, host_path: '', readonly: m.readonly, propagation: m.propagation, image: { image: m.image.image, image_ref: m.image.image_ref }, image_sub_path: m.image_sub_path ?? '' }
          : { container_path: m.container_path, host_path: m.host_path, readonly: m.readonly, propagation: m.propagation },
      ),
      log_path: meta?.logPath ?? '',
    };
    const info: Record<string, string> = {};
    if (req.verbose) info['info'] = JSON.stringify({ pid: i.State.Pid, sandboxID: i.Config.Labels?.[SANDBOX_LABEL] ?? '' });
    return { status, info };
  }

  async updateContainerResources(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    const body = resourcesBody(req.linux ?? {});
    delete body['OomScoreAdj'];
    await this.c.update(i.Id, body);
    return {};
  }

  async reopenContainerLog(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    if (!i.State.Running) throw new GrpcStatusError(Status.FAILED_PRECONDITION, `container "${i.Id}": not running`);
    const w = this.logWriters.get(i.Id);
    if (w) await w.reopen();
    return {};
  }

  async execSync(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    const cmd: string[] = req.cmd ?? [];
    if (cmd.length === 0) throw new InvalidArgumentError('cmd: empty');
    const { Id: execId } = await this.c.execCreate(i.Id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
    const att = await this.c.execStart(execId, {});
    if (!att) throw new Error('exec: no attachment');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let pending: Buffer = Buffer.alloc(0);
    const conn = new Duplex({
      read() {
        /* no stdin */
      },
      write(chunk: Buffer, _enc, cb) {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= 8) {
          const size = pending.readUInt32BE(4);
          if (pending.length < 8 + size) break;
          const payload = pending.subarray(8, 8 + size);
          if (pending[0] === 2) {
            if (errLen < EXEC_OUTPUT_CAP) err.push(payload.subarray(0, EXEC_OUTPUT_CAP - errLen));
            errLen += payload.length;
          } else {
            if (outLen < EXEC_OUTPUT_CAP) out.push(payload.subarray(0, EXEC_OUTPUT_CAP - outLen));
            outLen += payload.length;
          }
          pending = pending.subarray(8 + size);
        }
        cb();
      },
    });
    conn.push(null);
    const run = att.connect(conn);
    const timeoutS = Number(req.timeout ?? 0);
    if (timeoutS > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        run.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutS * 1000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        const pid = (await this.c.execInspect(execId).catch(() => undefined))?.Pid;
        if (pid) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        conn.destroy();
        throw new GrpcStatusError(Status.DEADLINE_EXCEEDED, `command ${JSON.stringify(cmd.join(' '))} timed out after ${timeoutS}s`);
      }
    } else {
      await run;
    }
    const ins = await this.c.execInspect(execId);
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: ins.ExitCode ?? -1 };
  }

  // ---- streaming (Exec, Attach, PortForward: a URL on the streaming server) ----

  private async runningContainer(id: string): Promise<ContainerInspect> {
    const i = await this.mustFind('container', id);
    if (!i.State.Running) throw new GrpcStatusError(Status.FAILED_PRECONDITION, `container "${i.Id}": not running`);
    return i;
  }

  private streamingServer(): StreamingServer {
    if (!this.o.streaming) throw new GrpcStatusError(Status.UNIMPLEMENTED, 'streaming server not configured');
    return this.o.streaming;
  }

  /** kubelet's checks of a streaming request's stdio. */
  private static stdio(req: Message): { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean } {
    const o = { tty: Boolean(req.tty), stdin: Boolean(req.stdin), stdout: Boolean(req.stdout), stderr: Boolean(req.stderr) };
    if (o.tty && o.stderr) throw new InvalidArgumentError('tty and stderr cannot both be true');
    if (!o.stdin && !o.stdout && !o.stderr) throw new InvalidArgumentError('one of stdin, stdout, or stderr must be set');
    return o;
  }

  async getExec(req: Message): Promise<Message> {
    const srv = this.streamingServer();
    const cmd: string[] = req.cmd ?? [];
    if (cmd.length === 0) throw new InvalidArgumentError('cmd: empty');
    const io = PodManager.stdio(req);
    const i = await this.runningContainer(req.container_id);
    return { url: srv.url({ kind: 'exec', containerId: i.Id, cmd, ...io }) };
  }

  async getAttach(req: Message): Promise<Message> {
    const srv = this.streamingServer();
    const io = PodManager.stdio(req);
    const i = await this.runningContainer(req.container_id);
    return { url: srv.url({ kind: 'attach', containerId: i.Id, ...io }) };
  }

  async getPortForward(req: Message): Promise<Message> {
    const srv = this.streamingServer();
    const sb = await this.mustFind('sandbox', req.pod_sandbox_id);
    if (!sb.State.Running) throw new GrpcStatusError(Status.FAILED_PRECONDITION, `pod sandbox "${sb.Id}": not ready`);
    return { url: srv.url({ kind: 'portforward', sandboxId: sb.Id, ports: (req.port ?? []).map(Number) }) };
  }

  /** The network namespace of a ready sandbox (its pause process's). */
  async sandboxNetns(id: string): Promise<string> {
    const sb = await this.mustFind('sandbox', id);
    if (!sb.State.Running || !sb.State.Pid) throw new GrpcStatusError(Status.FAILED_PRECONDITION, `pod sandbox "${sb.Id}": not ready`);
    return `/proc/${sb.State.Pid}/ns/net`;
  }

  // ---- events ----

  /**
   * A GetContainerEvents response (container-events.ts): the object's ID, the pod's status and
   * the statuses of the pod's containers now (a deleted pod has none).
   */
  async eventResponse(e: CriContainerEvent, type: number): Promise<Message | undefined> {
    const sandboxId = e.attributes[KIND_LABEL] === 'sandbox' ? e.id : e.attributes[SANDBOX_LABEL];
    if (!sandboxId) return undefined;
    const podStatus = await this.podSandboxStatus({ pod_sandbox_id: sandboxId }).then(
      (r) => r.status as Message,
      () => null,
    );
    const statuses: Message[] = [];
    for (const c of podStatus ? await this.sandboxContainers(sandboxId) : []) {
      const st = await this.containerStatus({ container_id: c.Id }).then(
        (r) => r.status as Message,
        () => undefined,
      );
      if (st) statuses.push(st);
    }
    return { container_id: e.id, container_event_type: type, created_at: Number(e.timeNano), pod_sandbox_status: podStatus, containers_statuses: statuses };
  }

  // ---- stats ----

  private async statsOf(c: { Id: string; Labels: Record<string, string> }): Promise<Message> {
    const meta = parseMeta<ContainerMeta>(c.Labels);
    const now = Date.now() * 1e6;
    let s: Record<string, unknown> = {};
    try {
      const it = await this.c.stats(c.Id, { stream: false, oneShot: true });
      for await (const m of it) {
        s = m;
        break;
      }
    } catch {
      /* a stopped container has no stats */
    }
    const cpu = (s['cpu_stats'] as Message)?.cpu_usage?.total_usage as number | undefined;
    const swap = (s['memory_stats'] as Message | undefined)?.stats?.swap as number | undefined;
    const pids = (s['pids_stats'] as Message | undefined)?.current as number | undefined;
    const mem = (s['memory_stats'] ?? {}) as Message;
    const usage = mem.usage as number | undefined;
    const inactive = (mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? 0) as number;
    const limit = mem.limit as number | undefined;
    const ws = usage !== undefined ? Math.max(0, usage - inactive) : undefined;
    return {
      attributes: { id: c.Id, metadata: meta?.metadata ?? null, labels: criLabels(meta), annotations: meta?.annotations ?? {} },
      cpu: { timestamp: now, usage_core_nano_seconds: cpu !== undefined ? { value: cpu } : null, usage_nano_cores: this.nanoCores(c.Id, now, cpu) },
      memory: {
        timestamp: now,
        working_set_bytes: ws !== undefined ? { value: ws } : null,
        usage_bytes: usage !== undefined ? { value: usage } : null,
        available_bytes: limit !== undefined && ws !== undefined ? { value: Math.max(0, limit - ws) } : null,
        rss_bytes: mem.stats?.rss !== undefined ? { value: mem.stats.rss } : mem.stats?.anon !== undefined ? { value: mem.stats.anon } : null,
        page_faults: mem.stats?.pgfault !== undefined ? { value: mem.stats.pgfault } : null,
        major_page_faults: mem.stats?.pgmajfault !== undefined ? { value: mem.stats.pgmajfault } : null,
      },
      writable_layer: await this.writableLayer(c.Id, now),
      // memory.stat's swap (cgroup v1 with swap accounting); absent otherwise
      ...(swap !== undefined ? { swap: { timestamp: now, swap_usage_bytes: { value: swap }, swap_available_bytes: null } } : {}),
      ...(pids !== undefined ? { processCount: pids } : {}),
    };
  }

  /**
   * ContainerStats.writable_layer: the container's snapshot usage (its upper dir), walked at most
   * every 10 s per container (containerd refreshes its snapshot usage on a 10 s loop too).
   */
  private async writableLayer(id: string, now: number): Promise<Message> {
    let u = this.layerUsage.get(id);
    if (!u || now - u.at > 10e9) {
      const got = await this.o.images.writableLayerUsage?.(id).catch(() => undefined);
      u = { at: now, mountpoint: got?.mountpoint ?? '', usedBytes: got?.usedBytes ?? 0, inodesUsed: got?.inodesUsed ?? 0 };
      this.layerUsage.set(id, u);
    }
    return { timestamp: u.at, fs_id: { mountpoint: u.mountpoint }, used_bytes: { value: u.usedBytes }, inodes_used: { value: u.inodesUsed } };
  }

  /**
   * CpuUsage.usage_nano_cores: the CPU time used per second since the previous sample of the same
   * object (containerd keeps the last sample the same way); null on the first sample.
   */
  private nanoCores(key: string, now: number, usage: number | undefined): { value: number } | null {
    if (usage === undefined) {
      this.cpuSamples.delete(key);
      return null;
    }
    const prev = this.cpuSamples.get(key);
    this.cpuSamples.set(key, { at: now, usage });
    if (!prev || now <= prev.at || usage < prev.usage) return null;
    return { value: Math.round(((usage - prev.usage) * 1e9) / (now - prev.at)) };
  }

  async containerStats(req: Message): Promise<Message> {
    const i = await this.mustFind('container', req.container_id);
    return { stats: withoutPids(await this.statsOf({ Id: i.Id, Labels: i.Config.Labels ?? {} })) };
  }

  async listContainerStats(req: Message): Promise<Message> {
    const f = req.filter;
    const out: Message[] = [];
    for (const c of await this.criList('container')) {
      if (c.State !== 'running') continue;
      if (f?.id && !c.Id.startsWith(f.id)) continue;
      if (f?.pod_sandbox_id && !(c.Labels[SANDBOX_LABEL] ?? '').startsWith(f.pod_sandbox_id)) continue;
      if (!matchesSelector(criLabels(parseMeta(c.Labels)), f?.label_selector)) continue;
      out.push(withoutPids(await this.statsOf(c)));
    }
    return { stats: out };
  }

  private async sandboxStats(s: { Id: string; Labels: Record<string, string> }): Promise<Message> {
    const meta = parseMeta<SandboxMeta>(s.Labels);
    const own = await this.statsOf(s);
    const containers: Message[] = [];
    for (const c of await this.sandboxContainers(s.Id)) if (c.State === 'running') containers.push(await this.statsOf(c));
    const sum = (pick: (m: Message) => number | undefined): number => [own, ...containers].reduce((a, m) => a + (pick(m) ?? 0), 0);
    const now = Date.now() * 1e6;
    const cpu = sum((m) => m.cpu.usage_core_nano_seconds?.value);
    // the pod's network: its pause process's namespace (none of its own on the host's network)
    const pid = meta?.namespaces.network === NODE ? 0 : await this.c.inspect(s.Id).then((i) => i.State.Pid, () => 0);
    const network = await networkUsageOf(pid, 'eth0', now);
    const processCount = sum((m) => m.processCount as number | undefined);
    return {
      attributes: { id: s.Id, metadata: meta?.metadata ?? null, labels: criLabels(meta), annotations: meta?.annotations ?? {} },
      linux: {
        cpu: { timestamp: now, usage_core_nano_seconds: { value: cpu }, usage_nano_cores: this.nanoCores(`pod:${s.Id}`, now, cpu) },
        memory: {
          timestamp: now,
          working_set_bytes: { value: sum((m) => m.memory.working_set_bytes?.value) },
          usage_bytes: { value: sum((m) => m.memory.usage_bytes?.value) },
          rss_bytes: { value: sum((m) => m.memory.rss_bytes?.value) },
          page_faults: { value: sum((m) => m.memory.page_faults?.value) },
          major_page_faults: { value: sum((m) => m.memory.major_page_faults?.value) },
        },
        ...(network ? { network } : {}),
        process: { timestamp: now, process_count: { value: processCount } },
        containers: containers.map(withoutPids),
      },
    };
  }

  async podSandboxStats(req: Message): Promise<Message> {
    const sb = await this.mustFind('sandbox', req.pod_sandbox_id);
    return { stats: await this.sandboxStats({ Id: sb.Id, Labels: sb.Config.Labels ?? {} }) };
  }

  async listPodSandboxStats(req: Message): Promise<Message> {
    const f = req.filter;
    const out: Message[] = [];
    for (const s of await this.criList('sandbox')) {
      if (s.State !== 'running') continue;
      if (f?.id && !s.Id.startsWith(f.id)) continue;
      if (!matchesSelector(criLabels(parseMeta(s.Labels)), f?.label_selector)) continue;
      out.push(await this.sandboxStats(s));
    }
    return { stats: out };
  }

  /** After a daemon restart: follow the logs of running CRI containers again (new output only). */
  async restore(): Promise<void> {
    for (const c of await this.criList('container').catch(() => [] as ContainerSummary[])) {
      if (c.State !== 'running') continue;
      const meta = parseMeta<ContainerMeta>(c.Labels);
      if (!meta?.logPath) continue;
      // resume after the file's last line: what the container wrote while berthd was down is copied too
      const w = await CriLogWriter.open(meta.logPath, this.o.logger).catch(() => undefined);
      if (w) this.followLogs(c.Id, w, (await w.lastTime().catch(() => undefined)) ?? new Date().toISOString());
    }
  }

  close(): void {
    for (const w of this.logWriters.values()) w.stop();
    this.logWriters.clear();
  }

  handlers(): Record<string, UnaryHandler> {
    return {
      RunPodSandbox: (r) => this.runPodSandbox(r),
      StopPodSandbox: (r) => this.stopPodSandbox(r),
      RemovePodSandbox: (r) => this.removePodSandbox(r),
      PodSandboxStatus: (r) => this.podSandboxStatus(r),
      ListPodSandbox: (r) => this.listPodSandbox(r),
      CreateContainer: (r) => this.createContainer(r),
      StartContainer: (r) => this.startContainer(r),
      StopContainer: (r) => this.stopContainer(r),
      RemoveContainer: (r) => this.removeContainer(r),
      ListContainers: (r) => this.listContainers(r),
      ContainerStatus: (r) => this.containerStatus(r),
      UpdateContainerResources: (r) => this.updateContainerResources(r),
      ReopenContainerLog: (r) => this.reopenContainerLog(r),
      ExecSync: (r) => this.execSync(r),
      Exec: (r) => this.getExec(r),
      Attach: (r) => this.getAttach(r),
      PortForward: (r) => this.getPortForward(r),
      ContainerStats: (r) => this.containerStats(r),
      ListContainerStats: (r) => this.listContainerStats(r),
      PodSandboxStats: (r) => this.podSandboxStats(r),
      ListPodSandboxStats: (r) => this.listPodSandboxStats(r),
    };
  }
}

/**
 * The CRI's seccomp choice → berth's `--security-opt seccomp=…`: no profile given means
 * unconfined (the CRI's rule; kubelet sends RuntimeDefault when the pod asks for it), RuntimeDefault
 * is berth's default profile, Localhost the JSON profile file named (its content is passed).
 */
async function seccompOpt(sc: Message): Promise<string[]> {
  const p = sc.seccomp as { profile_type?: number; localhost_ref?: string } | null | undefined;
  const legacy = String(sc.seccomp_profile_path ?? '');
  let kind: 'default' | 'unconfined' | 'localhost' = 'unconfined';
  let file = '';
  if (p) {
    kind = p.profile_type === 0 ? 'default' : p.profile_type === 2 ? 'localhost' : 'unconfined';
    file = p.localhost_ref ?? '';
  } else if (legacy === 'runtime/default' || legacy === 'docker/default') {
    kind = 'default';
  } else if (legacy.startsWith('localhost/')) {
    kind = 'localhost';
    file = legacy.slice('localhost/'.length);
  }
  if (kind === 'default') return [];
  if (kind === 'unconfined') return ['seccomp=unconfined'];
  let json: string;
  try {
    json = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`seccomp profile ${JSON.stringify(file)}: ${messageOf(e)}`);
  }
  return [`seccomp=${json}`];
}

/** The OCI annotations containerd's CRI puts on every sandbox and container spec (VM runtimes and hooks read them). */
const CRI_ANNOTATIONS = {
  containerType: 'io.kubernetes.cri.container-type',
  sandboxId: 'io.kubernetes.cri.sandbox-id',
  sandboxName: 'io.kubernetes.cri.sandbox-name',
  sandboxNamespace: 'io.kubernetes.cri.sandbox-namespace',
  sandboxUid: 'io.kubernetes.cri.sandbox-uid',
  sandboxLogDir: 'io.kubernetes.cri.sandbox-log-directory',
  sandboxImageName: 'io.kubernetes.cri.podsandbox.image-name',
  containerName: 'io.kubernetes.cri.container-name',
  imageName: 'io.kubernetes.cri.image-name',
  sandboxCpuPeriod: 'io.kubernetes.cri.sandbox-cpu-period',
  sandboxCpuQuota: 'io.kubernetes.cri.sandbox-cpu-quota',
  sandboxCpuShares: 'io.kubernetes.cri.sandbox-cpu-shares',
  sandboxMemory: 'io.kubernetes.cri.sandbox-memory',
} as const;

function podAnnotations(meta: SandboxMeta): Record<string, string> {
  return {
    [CRI_ANNOTATIONS.sandboxName]: meta.metadata.name,
    [CRI_ANNOTATIONS.sandboxNamespace]: meta.metadata.namespace,
    [CRI_ANNOTATIONS.sandboxUid]: meta.metadata.uid,
  };
}

/**
 * The pause container's annotations, as containerd's: the pod's identity, log directory and image,
 * and the pod-level resources kubelet sends (LinuxPodSandboxConfig.resources: the pod's containers'
 * sum plus its overhead) as the sandbox-cpu/memory annotations. Like containerd, berth does not
 * write them into the pod cgroup: kubelet owns the pod cgroup (`linux.cgroup_parent`) and sets
 * its limits itself; every container of the pod runs under it. (The sandbox's own ID is not
 * among them: the container service gives it at create.)
 */
function sandboxAnnotations(meta: SandboxMeta, image: string, res: Message | undefined): Record<string, string> {
  return {
    ...podAnnotations(meta),
    [CRI_ANNOTATIONS.sandboxLogDir]: meta.logDirectory,
    [CRI_ANNOTATIONS.sandboxImageName]: image,
    ...(res
      ? {
          [CRI_ANNOTATIONS.sandboxCpuPeriod]: String(res.cpu_period ?? 0),
          [CRI_ANNOTATIONS.sandboxCpuQuota]: String(res.cpu_quota ?? 0),
          [CRI_ANNOTATIONS.sandboxCpuShares]: String(res.cpu_shares ?? 0),
          [CRI_ANNOTATIONS.sandboxMemory]: String(res.memory_limit_in_bytes ?? 0),
        }
      : {}),
    [CRI_ANNOTATIONS.containerType]: 'sandbox',
  };
}

/** A container's stats as the CRI shows them (statsOf keeps its process count beside, for the pod's). */
function withoutPids(m: Message): Message {
  const { processCount: _count, ...rest } = m;
  return rest;
}

/**
 * `sub` inside the image volume mounted at `root`, resolved on the host and kept inside `root`
 * (a symlink out of the image is refused as missing); undefined when it does not exist.
 */
async function subPathIn(root: string, sub: string): Promise<string | undefined> {
  if (!sub) return root;
  const real = await fs.realpath(path.join(root, sub)).catch(() => undefined);
  if (real === undefined) return undefined;
  const top = await fs.realpath(root);
  return real === top || real.startsWith(`${top}/`) ? real : undefined;
}

/** The pod's resolv.conf and hostname over the container's own (unless kubelet mounts its own there). */
function podFileBinds(dir: string, mounts: ContainerMeta['mounts']): string[] {
  const taken = new Set(mounts.map((m) => path.posix.normalize(m.container_path)));
  return ['resolv.conf', 'hostname'].filter((f) => !taken.has(`/etc/${f}`)).map((f) => `${path.join(dir, f)}:/etc/${f}:rw`);
}

function portMappingsOf(meta: SandboxMeta): CniPortMapping[] {
  const proto = ['tcp', 'udp', 'sctp'] as const;
  return meta.portMappings
    .filter((p) => p.host_port > 0)
    .map((p) => ({ hostPort: p.host_port, containerPort: p.container_port, protocol: proto[p.protocol] ?? 'tcp', ...(p.host_ip ? { hostIP: p.host_ip } : {}) }));
}

/** The process's own oom_score_adj: the floor a process without CAP_SYS_RESOURCE can set. */
let oomFloor: number | undefined;
function oomScoreFloor(): number {
  if (oomFloor === undefined) {
    try {
      oomFloor = Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim()) || 0;
    } catch {
      oomFloor = 0;
    }
  }
  return oomFloor;
}

/**
 * LinuxContainerResources → HostConfig fields. A negative oom_score_adj below berthd's own is
 * clamped to it (containerd's restrict_oom_score_adj): without CAP_SYS_RESOURCE the kernel refuses
 * to lower it, and kubelet asks -997/-998 for critical pods.
 */
export function resourcesBody(r: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.cpu_period) out['CpuPeriod'] = Number(r.cpu_period);
  if (r.cpu_quota) out['CpuQuota'] = Number(r.cpu_quota);
  if (r.cpu_shares) out['CpuShares'] = Number(r.cpu_shares);
  if (r.memory_limit_in_bytes) out['Memory'] = Number(r.memory_limit_in_bytes);
  if (r.memory_swap_limit_in_bytes) out['MemorySwap'] = Number(r.memory_swap_limit_in_bytes);
  if (r.cpuset_cpus) out['CpusetCpus'] = r.cpuset_cpus;
  if (r.cpuset_mems) out['CpusetMems'] = r.cpuset_mems;
  if (r.oom_score_adj !== undefined && r.oom_score_adj !== null) out['OomScoreAdj'] = Math.max(Number(r.oom_score_adj), oomScoreFloor());
  return out;
}
