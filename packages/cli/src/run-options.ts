import * as fs from 'node:fs';
import type { ContainerCreateRequest, HostConfig, PortBinding } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';

/** The `create`/`run` flags berth understands, as parsed. */
export interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  entrypoint?: string;
  user?: string;
  hostname?: string;
  label?: string[];
  stopSignal?: string;
  stopTimeout?: number;
  interactive?: boolean;
  tty?: boolean;
  volume?: string[];
  publish?: string[];
  memory?: string;
  cpus?: string;
  restart?: string;
  network?: string;
  platform?: string;
  init?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
}

/** `64m` → 67108864 (docker's RAMInBytes: binary multiples, optional `b`). */
export function parseMemory(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(s.trim());
  if (!m) throw new InvalidArgumentError(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as '' | 'k'];
  return Math.trunc(Number(m[1]) * mult);
}

/** `0.5` → 500000000 NanoCpus. */
export function parseCpus(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`invalid argument "${s}" for "--cpus" flag`);
  return Math.round(n * 1e9);
}

/** `-e` values: `K=V` as is, `K` alone takes the value from the environment (or is dropped). */
function envValues(list: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of list) {
    if (e.includes('=')) {
      if (e.startsWith('=')) throw new InvalidArgumentError(`invalid environment variable: ${e}`);
      out.push(e);
    } else if (env[e] !== undefined) out.push(`${e}=${env[e]}`);
  }
  return out;
}

/** `--env-file`: one variable a line, `#` comments and blank lines skipped. */
export function readEnvFile(file: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
  return envValues(lines, env);
}

function labelMap(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i < 0) out[l] = '';
    else out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

function parsePublish(list: string[]): { exposed: Record<string, object>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const p of list) {
    let spec = p;
    let proto = 'tcp';
    const slash = spec.lastIndexOf('/');
    if (slash >= 0) {
      proto = spec.slice(slash + 1);
      spec = spec.slice(0, slash);
    }
    const parts = spec.split(':');
    let ip = '';
    let host = '';
    let container: string;
    if (parts.length === 1) container = parts[0]!;
    else if (parts.length === 2) [host, container] = parts as [string, string];
    else {
      container = parts.pop()!;
      host = parts.pop()!;
      ip = parts.join(':').replace(/^\[|\]$/g, '');
    }
    if (!/^\d+$/.test(container)) throw new InvalidArgumentError(`invalid containerPort: ${container}`);
    const key = `${container}/${proto}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: ip, HostPort: host });
  }
  return { exposed, bindings };
}

function restartPolicy(s: string | undefined): { Name: 'no' | 'always' | 'on-failure' | 'unless-stopped'; MaximumRetryCount: number } {
  if (!s || s === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count] = s.split(':');
  if (name !== 'always' && name !== 'on-failure' && name !== 'unless-stopped') throw new InvalidArgumentError(`invalid restart policy: ${s}`);
  if (count !== undefined && name !== 'on-failure') throw new InvalidArgumentError(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
  return { Name: name, MaximumRetryCount: count === undefined ? 0 : Number(count) };
}

/**
 * Builds the `POST /containers/create` body exactly as the docker CLI does for the same flags
 * (field order and defaults from SPEC.md "docker run").
 */
export function buildCreateRequest(
  image: string,
  args: string[],
  f: RunFlags,
  o: { env?: NodeJS.ProcessEnv; consoleSize?: [number, number] } = {},
): ContainerCreateRequest {
  const env = o.env ?? {};
  const envList = [...(f.envFile ?? []).flatMap((file) => readEnvFile(file, env)), ...envValues(f.env ?? [], env)];
  const attach = !f.detach;
  const pub = parsePublish(f.publish ?? []);
  const host: HostConfig = {
    Binds: f.volume?.length ? f.volume : null,
    ContainerIDFile: '',
    LogConfig: { Type: '', Config: {} },
    NetworkMode: f.network || 'default',
    PortBindings: pub.bindings,
    RestartPolicy: restartPolicy(f.restart),
    AutoRemove: !!f.rm,
    VolumeDriver: '',
    VolumesFrom: null,
    ConsoleSize: f.tty ? (o.consoleSize ?? [0, 0]) : [0, 0],
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: '',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: '',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: !!f.privileged,
    PublishAllPorts: false,
    ReadonlyRootfs: !!f.readOnly,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 0,
    Isolation: '',
    CpuShares: 0,
    Memory: f.memory ? parseMemory(f.memory) : 0,
    NanoCpus: f.cpus ? parseCpus(f.cpus) : 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: 0,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
  if (f.init) host.Init = true;
  const body: ContainerCreateRequest = {
    Hostname: f.hostname ?? '',
    Domainname: '',
    User: f.user ?? '',
    AttachStdin: !!f.interactive && attach,
    AttachStdout: attach,
    AttachStderr: attach,
  };
  if (Object.keys(pub.exposed).length) body.ExposedPorts = pub.exposed;
  Object.assign(body, {
    Tty: !!f.tty,
    OpenStdin: !!f.interactive,
    StdinOnce: !!f.interactive && attach,
    Env: envList.length ? envList : null,
    Cmd: args.length ? args : null,
    Image: image,
    Volumes: {},
    WorkingDir: f.workdir ?? '',
    Entrypoint: f.entrypoint !== undefined ? (f.entrypoint === '' ? [''] : [f.entrypoint]) : null,
    OnBuild: null,
    Labels: labelMap(f.label ?? []),
  });
  if (f.stopSignal) body.StopSignal = f.stopSignal;
  if (f.stopTimeout !== undefined) body.StopTimeout = f.stopTimeout;
  body.HostConfig = host;
  body.NetworkingConfig = {
    EndpointsConfig:
      f.network && f.network !== 'default'
        ? {}
        : {
            default: {
              IPAMConfig: null,
              Links: null,
              Aliases: null,
              MacAddress: '',
              DriverOpts: null,
              GwPriority: 0,
              NetworkID: '',
              EndpointID: '',
              Gateway: '',
              IPAddress: '',
              IPPrefixLen: 0,
              IPv6Gateway: '',
              GlobalIPv6Address: '',
              GlobalIPv6PrefixLen: 0,
              DNSNames: null,
            },
          },
  };
  return body;
}
