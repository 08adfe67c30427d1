import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, messageOf } from '@berth/errdefs';
import { silentLogger, type Logger } from '@berth/log';
import { loadCriServices } from './cri-proto';
import type { CriContainerBackend, CriImageBackend, PodResolvConf } from './deps';
import { unaryHandlers, type UnaryHandler } from './grpc-handlers';
import { imageServiceHandlers } from './image-service';
import { CniNetwork } from './cni-network';
import { containerEventsHandler, type SubscribeContainerEvents } from './container-events';
import { PodManager } from './pod-manager';
import type { CriAppArmor } from './apparmor-opt';
import { StreamingServer } from './streaming/streaming-server';
import { containerStreamingBackend } from './streaming/container-streaming-backend';

export const DEFAULT_CRI_SOCKET = 'unix:///run/berth/cri.sock';
export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_CNI_BIN_DIRS = ['/opt/cni/bin', '/usr/lib/cni'];
export const DEFAULT_POD_INFRA_IMAGE = 'registry.k8s.io/pause:3.9';

/** CRI CgroupDriver. */
const CGROUPFS = 1;

export interface CriServerOptions {
  /** `unix:///path` (the only transport kubelet uses for a local runtime). */
  socket: string;
  images: CriImageBackend;
  containers?: CriContainerBackend;
  /** The content of a pod's resolv.conf (needed with `containers`). */
  podResolvConf: PodResolvConf;
  /** berth's version (VersionResponse.runtime_version). */
  version: string;
  /** Directory for the CRI's own state (sandbox network results). */
  stateDir: string;
  cniConfDir?: string;
  cniBinDirs?: string[];
  podInfraImage?: string;
  logger?: Logger;
  /**
   * `host:port` of the streaming server (Exec/Attach/PortForward URLs; `--cri-stream-address`);
   * default 127.0.0.1:0. Given explicitly, failing to listen on it is fatal.
   */
  streamAddress?: string;
  /** Connects to localhost:port inside a network namespace (CRI port-forward). */
  dialInNetns?: (netnsPath: string, port: number) => Duplex;
  /** The daemon's container events, for GetContainerEvents (Unimplemented without). */
  containerEvents?: SubscribeContainerEvents;
  /** The host's AppArmor (berthd's): CRI AppArmor choices are refused without, a Localhost profile checked at create. */
  apparmor?: CriAppArmor;
  /** Paths no client may see in an error (berthd's data root): cut as the Engine API does (errdefs `publicMessage`). */
  hostPaths?: readonly string[];
}

/** The unix socket path of a `unix:///path` address. */
export function criSocketPath(address: string): string {
  if (!address.startsWith('unix://')) throw new InvalidArgumentError(`--cri-socket ${address}: only unix:///PATH is supported`);
  const p = address.slice('unix://'.length);
  if (!path.isAbsolute(p)) throw new InvalidArgumentError(`--cri-socket ${address}: the path must be absolute`);
  return p;
}

/**
 * The CRI v1 gRPC server (RuntimeService + ImageService on one unix socket). RPCs berth does not
 * serve answer `Unimplemented`, as grpc-js does for any method without a handler (containerd
 * answers the same for the optional ones: checkpoint, events, metrics).
 */
export class CriServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  private readonly logger: Logger;
  private readonly pods?: PodManager;
  private readonly streaming?: StreamingServer;
  readonly cni: CniNetwork;
  private socketPath = '';

  constructor(private readonly opts: CriServerOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.cni = new CniNetwork({
      confDir: opts.cniConfDir ?? DEFAULT_CNI_CONF_DIR,
      binDirs: opts.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS,
      logger: this.logger,
    });
    if (opts.containers) {
      const containers = opts.containers;
      this.streaming = new StreamingServer({
        ...(opts.streamAddress ? { address: opts.streamAddress } : {}),
        backend: containerStreamingBackend(containers, (id) => this.pods!.sandboxNetns(id), opts.dialInNetns),
        ...(opts.hostPaths ? { hostPaths: opts.hostPaths } : {}),
        logger: this.logger,
      });
      this.pods = new PodManager({
        streaming: this.streaming,
        containers: opts.containers,
        images: opts.images,
        cni: this.cni,
        stateDir: opts.stateDir,
        podResolvConf: opts.podResolvConf,
        podInfraImage: opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE,
        logger: this.logger,
        ...(opts.apparmor ? { apparmor: opts.apparmor } : {}),
      });
    }
    const services = loadCriServices();
    const runtime = unaryHandlers('RuntimeService', this.runtimeHandlers(), this.logger, opts.hostPaths);
    if (this.pods && opts.containerEvents) runtime['GetContainerEvents'] = containerEventsHandler(opts.containerEvents, this.pods, this.logger);
    this.server.addService(services.RuntimeService.service, runtime);
    this.server.addService(services.ImageService.service, unaryHandlers('ImageService', imageServiceHandlers(opts.images, [opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE]), this.logger, opts.hostPaths));
  }

  private runtimeHandlers(): Record<string, UnaryHandler> {
    const base: Record<string, UnaryHandler> = {
      Version: async () => ({ version: '0.1.0', runtime_name: 'berth', runtime_version: this.opts.version, runtime_api_version: 'v1' }),
      Status: async (req) => {
        const net = await this.cni.status();
        const conditions = [
          { type: 'RuntimeReady', status: true, reason: '', message: '' },
          net.ready
            ? { type: 'NetworkReady', status: true, reason: '', message: '' }
            : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: `Network plugin returns error: ${net.message}` },
        ];
        const info: Record<string, string> = {};
        if (req.verbose) info['config'] = JSON.stringify({ cniConfDir: this.cni.confDir, cniBinDirs: this.cni.binDirs, podInfraImage: this.opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE });
        return { status: { conditions }, info, runtime_handlers: [{ name: '', features: { recursive_read_only_mounts: false, user_namespaces: false } }] };
      },
      // kubelet asks which cgroup driver to use: berth places cgroups by path (cgroupfs), not through systemd
      RuntimeConfig: async () => ({ linux: { cgroup_driver: CGROUPFS } }),
      // kubelet sends the node's pod CIDR; CNI plugins get it from their own config (as with containerd's default template-less setup)
      UpdateRuntimeConfig: async (req) => {
        const cidr = req.runtime_config?.network_config?.pod_cidr as string | undefined;
        if (cidr) this.logger.info({ podCidr: cidr }, 'cri: pod CIDR from kubelet');
        return {};
      },
    };
    return this.pods ? { ...base, ...this.pods.handlers() } : base;
  }

  /** Binds the socket (a stale socket file is replaced; its directory is made). */
  async listen(): Promise<string> {
    const p = criSocketPath(this.opts.socket);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.rm(p, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.bindAsync(`unix://${p}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cri: cannot listen on ${p}: ${messageOf(err)}`)) : resolve()));
    });
    await fs.chmod(p, 0o660).catch(() => undefined);
    this.socketPath = p;
    if (this.streaming) {
      // on the default address not fatal: pods and containers work without it (Exec/Attach/
      // PortForward then fail UNAVAILABLE); an address the user chose must work
      await this.streaming.listen().then(
        (url) => this.logger.info({ url }, 'cri: streaming server listening'),
        (e) => {
          if (this.opts.streamAddress) throw e;
          this.logger.warn({ err: messageOf(e) }, 'cri: the streaming server cannot listen: Exec, Attach and PortForward are unavailable');
        },
      );
    }
    await this.pods?.restore();
    return `unix://${p}`;
  }

  async close(): Promise<void> {
    this.pods?.close();
    await this.streaming?.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.socketPath) await fs.rm(this.socketPath, { force: true });
  }
}
