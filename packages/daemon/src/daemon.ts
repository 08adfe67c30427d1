import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { RequestHandler } from 'express';
import { Database } from '@berth/sqlite';
import { openImageStore, packDirectory, type ImageStore, type ImageInUseCheck } from '@berth/image-store';
import { AppArmor, OciRuntime, checkHost, systemAppArmorHost } from '@berth/runtime';
import { messageOf } from '@berth/errdefs';
import { removeTree } from '@berth/fs';
import type { Digest } from '@berth/oci';
import { DataRoot, DEFAULT_DATA_ROOT, defaultExecRoot } from './layout';
import { claimExecRoot } from './exec-root-owner';
import { pruneExecRoot } from './exec-root-prune';
import { silentLogger, type Logger } from '@berth/log';
import { ApiServer, checkListenAllowed, checkUnixSocketFree, prepareUnixSocket, type TlsConfig } from './server/api-server';
import { lockDataRoot } from './data-root-lock';
import { createApiApp } from './server/app';
import { ConnectionTracker } from './server/connection-tracker';
import { DEFAULT_HOST, parseListenAddress } from './server/listen-address';
import { EventLog } from './events/event-log';
import { imageTagger } from './images/image-tagger';
import { SystemInfo } from './system/system-info';
import { hostSecurity } from './system/host-security';
import { checkRegistryLogin } from './system/registry-login';
import { parseRegistryMirrors } from './images/registry-mirrors';
import { systemRouter } from './routes/system';
import { imagesRouter } from './routes/images';
import { imageSummary } from './images/image-views';
import { ImagePuller } from './images/image-puller';
import { inspectDistribution } from './images/distribution-inspect';
import { searchImages } from './images/image-search';
import { ImagePusher } from './images/image-pusher';
import { CompressedLayers, compressedLayerMigrations } from './images/compressed-layers';
import { StartupError, loadEngineId, writePidFile } from './startup-checks';
import { unmountLeftovers } from './unmount-leftovers';
import { VolumeStore } from './volumes/volume-store';
import { diskUsage } from './system/disk-usage';
import { volumeMigrations } from './volumes/migrations';
import { volumesRouter } from './routes/volumes';
import { networksRouter } from './routes/networks';
import { swarmRouter } from './routes/swarm';
import { pluginsRouter, sessionRouter } from './routes/plugins';
import { dialInNetns, openNetworkManager, podResolvConf, type AddressPool, type NetworkManager } from '@berth/network';
import { containerMigrations, containersRouter, createContainerService, extractIntoDirectory, type ContainerEvent, type ContainerService } from './containers';
import { buildRouter } from './routes/build';
import { BuildService } from './build/build-service';
import { DaemonBuildBackend } from './build/daemon-build-backend';
import { BuildContainers } from './build/build-containers';
import { criImageBackend } from './cri/cri-image-backend';
import { criImageVolumes } from './cri/cri-image-volumes';

/** berthd's version (the Engine API's `Version`, the CRI's runtime_version). */
export const BERTH_VERSION = '0.1.0';

export type RuntimeName = 'runc' | 'crun';

/** Everything berthd is configured with; main.ts builds it from flags, tests build it directly. */
export interface DaemonConfig {
  /** `--data-root` (default /var/lib/berth). */
  dataRoot: string;
  /**
   * `--exec-root`: runtime state off the data root (the runtimes' --root, shims' sockets, exec
   * dirs); default defaultExecRoot(dataRoot): /run/berth, or /run/berth-roots/<hash of the data root>.
   */
  execRoot?: string;
  /** `-H` values: `unix:///path`, `tcp://host:port` (default unix:///run/berth.sock). */
  hosts?: string[];
  /**
   * `--default-runtime` / `--runtime` (default: crun when it is installed, runc otherwise; see
   * `defaultRuntime`).
   */
  runtime?: RuntimeName;
  /** `--tlsverify --tlscacert --tlscert --tlskey` (file paths). */
  tls?: { verify: boolean; caFile?: string; certFile?: string; keyFile?: string };
  pidFile?: string;
  /** `-G/--group`: group owning the unix sockets (default `docker`, if it exists). */
  socketGroup?: string;
  /** `--insecure-registry`: registries spoken to over http or unverified https (loopback always is). */
  insecureRegistries?: string[];
  /** `--registry-mirror`: pull mirrors, `URL` for docker.io or `REGISTRY=URL` for any registry (see images/registry-mirrors.ts). */
  registryMirrors?: string[];
  logger?: Logger;
  debug?: boolean;
  /** `-b/--bridge`: the default bridge's Linux name (default berth0); `none`: no default bridge (dockerd -b none). */
  bridge?: string;
  /** `--bip`: the default bridge's gateway/prefix, e.g. 172.17.0.1/16. */
  bip?: string;
  /** `--default-address-pool base=CIDR,size=N`: where new networks' subnets come from. */
  defaultAddressPools?: AddressPool[];
  /** Tests of the API alone: skip the root/overlayfs/cgroups/runtime checks. */
  skipHostChecks?: boolean;
  /** Tests of the API alone: do not construct the container service (no container routes). */
  withoutContainers?: boolean;
  /** The CRI endpoint (`--cri-socket`, `--cni-conf-dir`, `--cni-bin-dir`, `--pod-infra-image`); absent: no CRI server. */
  cri?: CriConfig;
}

/** berthd's CRI v1 server (see @berth/cri). */
export interface CriConfig {
  /** `unix:///path` (berthd's default unix:///run/berth/cri.sock). */
  socket: string;
  /** CNI network configurations (default /etc/cni/net.d). */
  cniConfDir?: string;
  /** CNI plugin directories, searched in order (default /opt/cni/bin, /usr/lib/cni). */
  cniBinDirs?: string[];
  /** The pod sandbox (pause) image (default registry.k8s.io/pause:3.9). */
  podInfraImage?: string;
  /** The streaming server's listen address HOST:PORT (`--cri-stream-address`; default 127.0.0.1:0). */
  streamAddress?: string;
}

export { DEFAULT_DATA_ROOT };
/**
 * berthd's pid file with the default data root (dockerd's is /var/run/docker.pid). A daemon on
 * another data root writes none unless `-p` names one, so that several can run side by side;
 * each holds its data root's lock, `berthd.lock`, which records its pid too.
 */
export const DEFAULT_PID_FILE = '/var/run/berthd.pid';

/** A running daemon. */
export interface Daemon {
  readonly addresses: string[];
  /** The CRI endpoint (`unix:///path`) when one is served. */
  readonly criAddress?: string;
  /** The default OCI runtime (configured, or chosen by `defaultRuntime`). */
  readonly runtime: RuntimeName;
  readonly layout: DataRoot;
  readonly events: EventLog;
  readonly imageStore: ImageStore;
  readonly containers?: ContainerService;
  /** Stops accepting, ends hijacked connections, detaches from containers (they keep running), closes the db. */
  close(): Promise<void>;
}

/** The composition root: checks the host, opens the stores, builds the services and routers, listens. */
export async function startDaemon(config: DaemonConfig): Promise<Daemon> {
  const logger = config.logger ?? silentLogger;
  const runtime: RuntimeName = config.runtime ?? (await defaultRuntime());
  const hosts = config.hosts?.length ? config.hosts : [DEFAULT_HOST];
  const useTls = config.tls !== undefined && (config.tls.verify || config.tls.certFile !== undefined);
  const addresses = hosts.map((h) => parseListenAddress(h, useTls));
  for (const a of addresses) checkListenAllowed(a, config.tls?.verify ?? false);

  if (!config.skipHostChecks) {
    const problems = await checkHost({ runtime });
    if (problems.length > 0) {
      for (const p of problems.slice(1)) logger.error({ check: p.key }, p.message);
      throw new StartupError(problems[0]!.message);
    }
  }
  const tls = useTls ? await loadTls(config.tls!) : undefined;
  const apparmor = await AppArmor.detect(systemAppArmorHost, logger);
  const security = await hostSecurity(apparmor);

  const dataRoot = path.resolve(config.dataRoot);
  await fs.mkdir(dataRoot, { recursive: true, mode: 0o711 }); // its real path names its default exec root
  const layout = new DataRoot(dataRoot, config.execRoot ? path.resolve(config.execRoot) : defaultExecRoot(dataRoot));
  // Nothing of a live daemon's may change: its sockets and its data root are checked and
  // locked before anything here is touched (its containers would be "restored" otherwise).
  for (const a of addresses) if (a.kind === 'unix') await checkUnixSocketFree(a.path);
  // loaded only when asked: grpc and the proto cost nothing to a berthd without a CRI endpoint
  const criModule = config.cri?.socket ? await import('@berth/cri') : undefined;
  if (criModule && config.cri) {
    await checkUnixSocketFree(criModule.criSocketPath(config.cri.socket), '--cri-socket');
    if (config.cri.streamAddress !== undefined) criModule.parseStreamAddress(config.cri.streamAddress);
  }
  const lock = await lockDataRoot(layout.root, layout.lockFile);
  const cleanups: (() => Promise<void>)[] = [() => lock.release()];
  // a second data root with the same (explicit) --exec-root would reconnect to this one's shims
  // (`--exec-root` = the data root, the layout before exec roots: the data root's lock is the one)
  if (layout.execRoot !== layout.root) {
    const execLock = await lockDataRoot(layout.execRoot, layout.execRootLockFile, 'exec root').catch(async (e: unknown) => {
      await lock.release();
      throw e;
    });
    cleanups.push(() => execLock.release());
    // nor, after another data root's daemon stopped with containers running, prune their state
    await claimExecRoot(layout).catch(async (e: unknown) => {
      await execLock.release();
      await lock.release();
      throw e;
    });
  }
  // last before the locks go (also when the start fails early): an exec root with nothing a restart uses goes
  cleanups.push(() => pruneExecRoot(layout, async () => true, { removeRoot: true }));
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => logger.warn({ err: messageOf(e) }, 'cleanup failed'));
    cleanups.length = 0;
  };
  try {
    if (config.pidFile) {
      await writePidFile(config.pidFile);
      cleanups.push(() => fs.rm(config.pidFile!, { force: true }));
    }
    await fs.mkdir(layout.root, { recursive: true, mode: 0o711 });
    await unmountLeftovers(layout.tmpDir);
    await removeTree(layout.tmpDir); // bundles a crash left there: a container's tree can go past PATH_MAX
    await fs.mkdir(layout.tmpDir, { recursive: true });
    for (const d of [layout.containersDir, layout.volumesDir]) await fs.mkdir(d, { recursive: true });
    for (const d of [layout.runtimeStateDir, layout.containerStatesDir]) await fs.mkdir(d, { recursive: true, mode: 0o700 });

    if (!config.skipHostChecks) await checkLayerTools(layout.tmpDir);

    const db = await Database.open(layout.database);
    cleanups.push(() => db.close());
    // what a restart uses stays on the exec root: the state of containers whose row says they run
    const rowRuns = async (id: string): Promise<boolean> => {
      const row = await db.get<{ status: string }>('SELECT status FROM containers WHERE id = ?', [id]).catch(() => ({ status: 'running' }));
      return row !== undefined && ['running', 'paused', 'restarting'].includes(row.status);
    };
    cleanups.push(() => pruneExecRoot(layout, rowRuns, { removeRoot: true }));

    const events = new EventLog();
    let containers: ContainerService | undefined;
    const imageInUse: ImageInUseCheck = async (imageId) => {
      if (!containers) return undefined;
      const users = await containers.imageUsers(imageId);
      return users.find((u) => u.running) ?? users[0];
    };
    const imageStore = await openImageStore({ root: layout.imageStoreRoot, db, logger, isImageInUse: imageInUse });
    // the one tag step (and its `image tag` event) of docker tag, build -t and commit repo:tag
    const tagImage = imageTagger({ images: imageStore.images, events });
    const engineId = await loadEngineId(layout.engineIdFile);
    await db.migrate(volumeMigrations);
    const volumeUsers = async (name: string): Promise<string[]> => {
      if (!containers) return [];
      const all = await containers.list({ all: true });
      return all.filter((c) => c.Mounts.some((m) => m.Type === 'volume' && m.Name === name)).map((c) => c.Id);
    };
    const volumes = new VolumeStore(db, layout, volumeUsers);

    const bridgeName = config.bridge ?? (config.withoutContainers ? 'none' : 'berth0');
    // WIRING POINT (networking): the network component; its events are docker's Type "network".
    const network: NetworkManager = await openNetworkManager({
      db,
      stateDir: layout.networkStateDir,
      logger,
      // API-only tests run in the host's namespace: no default bridge there
      defaultBridge: { name: bridgeName, ...(config.bip ? { bip: config.bip } : {}) },
      ...(config.defaultAddressPools?.length ? { defaultAddressPools: config.defaultAddressPools } : {}),
      onEvent: (e) => events.publish('network', e.action, e.networkId, e.attributes),
    });
    cleanups.push(() => network.close());

    const routers: RequestHandler[] = [];
    const ociFor = (name: RuntimeName): OciRuntime => new OciRuntime({ name, stateRoot: path.join(layout.runtimeStateDir, name), seccompCacheDir: layout.seccompCacheDir, logger });
    // also without containers: /version and /info name the default runtime's version
    const oci = ociFor(runtime);
    if (!config.withoutContainers) {
      await db.migrate(containerMigrations);
      await pruneExecRoot(layout, rowRuns, { removeRoot: false }); // what a crash left of execs and stopped containers
      // every installed runtime can be chosen per container (`docker run --runtime crun`)
      const others = (await installedRuntimes(runtime)).filter((n): n is RuntimeName => n !== runtime && (n === 'runc' || n === 'crun'));
      // WIRING POINT (containers helper): ContainerServiceDeps as declared in ./containers/deps.ts.
      const svc: ContainerService = await createContainerService({
        db,
        layout,
        images: imageStore.images,
        snapshots: imageStore.snapshots,
        runtime: oci,
        apparmor,
        packDirectory: (dir, opts) => packDirectory(dir, opts ?? {}),
        committer: imageStore.committer,
        tagImage,
        volumes,
        networks: { catalog: network.catalog, attacher: network.attacher, defaultBridge: bridgeName !== 'none' },
        onEvent: (e: ContainerEvent) => {
          events.publish(e.type ?? 'container', e.action, e.id, e.attributes, e.type === 'volume' ? undefined : e.from);
        },
        logger,
        runtimeName: runtime,
        runtimes: Object.fromEntries(others.map((n) => [n, ociFor(n)])),
      });
      containers = svc;
      await svc.restore();
      cleanups.push(() => svc.shutdown());
    }

    const registry = {
      insecureRegistries: config.insecureRegistries ?? [],
      ...(config.registryMirrors?.length ? { mirrors: parseRegistryMirrors(config.registryMirrors) } : {}),
    };
    const system = new SystemInfo({
      dataRoot: layout.root,
      engineId,
      runtime,
      runtimes: await installedRuntimes(runtime),
      runtimeVersion: () => oci.version(),
      debug: config.debug ?? false,
      insecureRegistries: config.insecureRegistries ?? [],
      registryMirrors: config.registryMirrors ?? [],
      containerCounts: async () => (containers ? containers.counts() : { total: 0, running: 0, paused: 0, stopped: 0 }),
      imageCount: async () => (await imageStore.images.list({ all: true })).length,
      eventListeners: () => events.listenerCount,
      security,
    });
    routers.push(
      systemRouter({
        system,
        events,
        login: (body) => checkRegistryLogin(body, { logger, insecureRegistries: registry.insecureRegistries }),
        diskUsage: () =>
          diskUsage({
            layout,
            images: async () =>
              Promise.all(
                (await imageStore.images.list({ all: true })).map(async (i) => ({
                  ...imageSummary(i, containers ? (await containers.imageUsers(i.id)).length : 0),
                  SharedSize: 0,
                })),
              ),
            containers: async () => (containers ? containers.list({ all: true, size: true }) : []),
            volumes: async () => Promise.all((await volumes.list()).map(async (v) => ({ ...v, refCount: (await volumeUsers(v.Name)).length }))),
          }),
      }),
    );
    const puller = new ImagePuller(imageStore, { logger, registry });
    await db.migrate(compressedLayerMigrations);
    const pusher = new ImagePusher(imageStore, {
      logger,
      registry: { insecureRegistries: registry.insecureRegistries },
      compressed: new CompressedLayers(db, imageStore),
    });
    if (containers) {
      // WIRING POINT (build helper): POST /build over the container service and the image store.
      // the context untarred as moby's remotecontext (chrootarchive.Untar): plain files, `.wh.*` included (a layer's whiteouts mean nothing here)
      const unpackTar = async (input: NodeJS.ReadableStream, dir: string, signal?: AbortSignal): Promise<void> => {
        await extractIntoDirectory(input as Readable, dir, signal ? { signal } : {});
      };
      const buildContainers = new BuildContainers(containers);
      await buildContainers.sweep(logger);
      const backend = new DaemonBuildBackend({
        buildContainers,
        containers,
        imageStore,
        tagImage,
        pull: async (reference, o) => (await puller.pull({ reference, progress: { write: () => undefined }, ...o })).imageId,
        tmpDir: layout.tmpDir,
        logger,
      });
      routers.push(buildRouter(new BuildService({ backend, unpackContext: unpackTar, tmpDir: layout.tmpDir, logger, buildContainers })));
    }
    routers.push(
      imagesRouter({
        images: imageStore.images,
        archives: imageStore.archives,
        imageInUse,
        events,
        tagImage,
        logger,
        pull: (o) => puller.pull(o),
        push: (o) => pusher.push(o),
        inspectDistribution: (o) => inspectDistribution(o, { logger, registry }),
        search: (o) => searchImages(o, { logger, registry }),
        layerDir: (diffId) => imageStore.layers.diffDir(diffId as Digest),
      }),
    );
    routers.push(volumesRouter({ volumes, events }), networksRouter({ catalog: network.catalog, ...(containers ? { containers } : {}) }), swarmRouter(), pluginsRouter(), sessionRouter());
    if (containers) routers.push(containersRouter(containers) as RequestHandler);

    const tracker = new ConnectionTracker();
    const app = createApiApp({ routers, tracker, logger, hostPaths: layout.hostPaths });
    const api = new ApiServer(app, { tracker, logger, socketGroup: config.socketGroup ?? 'docker' });
    cleanups.push(() => api.close());
    cleanups.push(async () => events.close()); // runs first: event streams end before the servers close
    for (const a of addresses) await api.listen(a, a.kind === 'tcp' ? tls : undefined);
    if (!security.seccomp) logger.warn('seccomp is not enabled in this kernel: containers run without the default seccomp profile');
    if (security.apparmorNote) logger.info(security.apparmorNote);

    let criAddress: string | undefined;
    if (criModule && config.cri) {
      const { CriServer, criSocketPath } = criModule;
      const cri = new CriServer({
        socket: config.cri.socket,
        version: BERTH_VERSION,
        stateDir: layout.criStateDir,
        images: { ...criImageBackend(imageStore, (reference, o) => puller.pull({ reference, progress: { write: () => undefined }, ...o }), layout.imageStoreRoot), ...criImageVolumes(imageStore.snapshots, layout.criImageVolumesDir) },
        ...(containers ? { containers } : {}),
        podResolvConf,
        ...(config.cri.cniConfDir ? { cniConfDir: config.cri.cniConfDir } : {}),
        ...(config.cri.cniBinDirs?.length ? { cniBinDirs: config.cri.cniBinDirs } : {}),
        ...(config.cri.podInfraImage ? { podInfraImage: config.cri.podInfraImage } : {}),
        ...(config.cri.streamAddress !== undefined ? { streamAddress: config.cri.streamAddress } : {}),
        dialInNetns,
        // GetContainerEvents: the container events of the daemon's event log (labels in attributes)
        containerEvents: (listener) =>
          events.subscribe((e) => {
            if (e.type === 'container') listener({ action: e.action, id: e.actorId, attributes: e.attributes, timeNano: e.timeNano });
          }),
        logger,
        hostPaths: layout.hostPaths,
        apparmor: { enabled: apparmor.enabled, isLoaded: (name) => apparmor.isLoaded(name) },
      });
      await prepareUnixSocket(criSocketPath(config.cri.socket), '--cri-socket');
      criAddress = await cri.listen();
      cleanups.push(() => cri.close());
    }

    let closing: Promise<void> | undefined;
    return {
      addresses: api.addresses,
      ...(criAddress ? { criAddress } : {}),
      runtime,
      layout,
      events,
      imageStore,
      ...(containers ? { containers } : {}),
      close: () => (closing ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

async function loadTls(t: NonNullable<DaemonConfig['tls']>): Promise<TlsConfig> {
  if (!t.certFile || !t.keyFile) throw new StartupError('TLS needs --tlscert and --tlskey (and --tlscacert with --tlsverify)');
  if (t.verify && !t.caFile) throw new StartupError('--tlsverify needs --tlscacert: the CA that signs client certificates');
  const read = async (f: string, what: string): Promise<Buffer> => {
    try {
      return await fs.readFile(f);
    } catch (e) {
      throw new StartupError(`cannot read ${what} ${f}: ${messageOf(e)}`);
    }
  };
  const out: TlsConfig = { cert: await read(t.certFile, '--tlscert'), key: await read(t.keyFile, '--tlskey'), verify: t.verify };
  if (t.caFile) out.ca = await read(t.caFile, '--tlscacert');
  return out;
}

/** The OCI runtimes berth drives that are on PATH. */
async function runtimesOnPath(): Promise<RuntimeName[]> {
  const out: RuntimeName[] = [];
  const dirs = (process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const name of ['runc', 'crun'] as const) {
    for (const d of dirs) {
      if (await fs.access(path.join(d, name)).then(() => true, () => false)) {
        out.push(name);
        break;
      }
    }
  }
  return out;
}

async function installedRuntimes(current: RuntimeName): Promise<string[]> {
  return [...new Set<string>([current, ...(await runtimesOnPath())])].sort();
}

/**
 * The default runtime when none is configured: crun when it is installed, runc otherwise. berthd
 * hands crun the seccomp filter it compiled once (runc 1.1 compiles it at every start and exec,
 * +17-23 ms CPU each), and crun starts faster; runc stays available as `--runtime runc`.
 */
export async function defaultRuntime(): Promise<RuntimeName> {
  return (await runtimesOnPath()).includes('crun') ? 'crun' : 'runc';
}

/**
 * image-store's layer tar I/O needs its native addon (mknod, xattrs): pack an empty directory
 * once at start so a missing build is one clear line now, not a 500 on the first load.
 */
async function checkLayerTools(tmpDir: string): Promise<void> {
  const dir = await fs.mkdtemp(path.join(tmpDir, 'check-'));
  try {
    for await (const chunk of packDirectory(dir)) void chunk;
  } catch (e) {
    throw new StartupError(messageOf(e));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
