import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_API_VERSION, MIN_PATH_API_VERSION, type InfoResponse, type VersionResponse } from '@berth/api';
import { rfc3339Nano } from '@berth/oci';
import type { RuntimeVersion } from '@berth/runtime';
import { ENGINE_VERSION } from '../engine-version';
import { securityOptions, type HostSecurity } from './host-security';

/** What /info and /version need to know that only the composition root has. */
export interface SystemInfoSources {
  dataRoot: string;
  engineId: string;
  /** The OCI runtime in use ('runc' | 'crun') and the others installed. */
  runtime: string;
  runtimes: string[];
  /** The default runtime's `--version` (the runtime package asks it once); null when unreadable. */
  runtimeVersion: () => Promise<RuntimeVersion | null>;
  debug: boolean;
  insecureRegistries?: string[];
  registryMirrors?: string[];
  containerCounts: () => Promise<{ total: number; running: number; paused: number; stopped: number }>;
  imageCount: () => Promise<number>;
  eventListeners: () => number;
  /** The kernel's security features (host-security.ts). */
  security?: HostSecurity;
}

/** Go's names for Node's architectures (what docker prints after `OS/Arch:`). */
export function goArch(arch = os.arch()): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

const BUILD_TIME = new Date().toISOString();

async function osRelease(): Promise<{ pretty: string; version: string }> {
  const text = await fs.readFile('/etc/os-release', 'utf8').catch(() => '');
  const get = (k: string): string => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return m ? m[1]!.replace(/^"|"$/g, '') : '';
  };
  return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
}

/** The filesystem holding `dir`, in docker's words (`extfs` for ext2/3/4). */
async function backingFilesystem(dir: string): Promise<string> {
  const mounts = await fs.readFile('/proc/self/mounts', 'utf8').catch(() => '');
  let best = '';
  let type = 'unknown';
  const target = path.resolve(dir);
  for (const line of mounts.split('\n')) {
    const [, mnt, fstype] = line.split(' ');
    if (!mnt || !fstype) continue;
    const m = mnt.replace(/\\040/g, ' ');
    if ((target === m || target.startsWith(m.endsWith('/') ? m : m + '/')) && m.length >= best.length) {
      best = m;
      type = fstype;
    }
  }
  return /^ext[234]$/.test(type) ? 'extfs' : type;
}

/** `RegistryConfig` of /info: what `docker info` prints as Insecure Registries and Registry Mirrors. */
function registryConfig(insecure: string[], mirrors: string[]): Record<string, unknown> {
  const cidrs = ['127.0.0.0/8', ...insecure.filter((i) => i.includes('/'))];
  const indexConfigs: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: mirrors, Secure: true, Official: true } };
  for (const i of insecure.filter((x) => !x.includes('/'))) indexConfigs[i] = { Name: i, Mirrors: [], Secure: false, Official: false };
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: cidrs,
    IndexConfigs: indexConfigs,
    Mirrors: mirrors,
  };
}

/** `GET /version` and `GET /info`, with the fields the docker CLI prints (SPEC §5). */
export class SystemInfo {
  constructor(private readonly src: SystemInfoSources) {}

  async version(): Promise<VersionResponse> {
    const rv = await this.src.runtimeVersion();
    const common = {
      ApiVersion: MAX_API_VERSION,
      MinAPIVersion: MIN_PATH_API_VERSION,
      GitCommit: 'berth',
      GoVersion: `node${process.version.slice(1)}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      BuildTime: BUILD_TIME,
    };
    return {
      Platform: { Name: 'berth' },
      Components: [
        { Name: 'Engine', Version: ENGINE_VERSION, Details: { ...common, Experimental: 'false' } },
        // Docker 20.10 leaves the runtime out when its --version cannot be read
        ...(rv ? [{ Name: this.src.runtime, Version: rv.version, Details: { GitCommit: rv.commit } }] : []),
      ],
      Version: ENGINE_VERSION,
      ...common,
    };
  }

  async info(): Promise<InfoResponse> {
    const [counts, images, rel, backing, rv, nfd] = await Promise.all([
      this.src.containerCounts(),
      this.src.imageCount(),
      osRelease(),
      backingFilesystem(this.src.dataRoot),
      this.src.runtimeVersion(),
      fs.readdir('/proc/self/fd').then((x) => x.length).catch(() => 0),
    ]);
    const cgroupV2 = await fs.access('/sys/fs/cgroup/cgroup.controllers').then(() => true, () => false);
    const runtimes: Record<string, { path: string }> = {};
    for (const r of this.src.runtimes) runtimes[r] = { path: r };
    return {
      ID: this.src.engineId,
      Containers: counts.total,
      ContainersRunning: counts.running,
      ContainersPaused: counts.paused,
      ContainersStopped: counts.stopped,
      Images: images,
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', backing],
        ['Supports d_type', 'true'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      KernelMemory: false,
      KernelMemoryTCP: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      BridgeNfIptables: false,
      BridgeNfIp6tables: false,
      Debug: this.src.debug,
      NFd: nfd,
      OomKillDisable: true,
      NGoroutines: 0,
      // moby: time.Now().Format(time.RFC3339Nano), the daemon's zone
      SystemTime: rfc3339Nano(new Date(), { local: true }),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cgroupV2 ? '2' : '1',
      NEventsListener: this.src.eventListeners(),
      KernelVersion: os.release(),
      OperatingSystem: rel.pretty,
      OSVersion: rel.version,
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryConfig(this.src.insecureRegistries ?? [], this.src.registryMirrors ?? []),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      GenericResources: null,
      DockerRootDir: this.src.dataRoot,
      HttpProxy: process.env['HTTP_PROXY'] ?? process.env['http_proxy'] ?? '',
      HttpsProxy: process.env['HTTPS_PROXY'] ?? process.env['https_proxy'] ?? '',
      NoProxy: process.env['NO_PROXY'] ?? process.env['no_proxy'] ?? '',
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: runtimes,
      DefaultRuntime: this.src.runtime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: '',
      ContainerdCommit: { ID: '', Expected: '' },
      // the commit, as Docker 20.10 (what `docker info` prints as "runc version"), "N/A" when unread
      RuncCommit: { ID: rv?.commit ?? 'N/A', Expected: rv?.commit ?? 'N/A' },
      InitCommit: { ID: '', Expected: '' },
      SecurityOptions: this.src.security ? securityOptions(this.src.security) : [],
      Warnings: this.src.security?.apparmorNote ? [`WARNING: ${this.src.security.apparmorNote}`] : null,
    };
  }
}
