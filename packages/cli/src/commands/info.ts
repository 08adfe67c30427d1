import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { bytesSize } from '@berth/api';
import { type GlobalFlags, currentContextOf } from '../config';
import { BERTH_VERSION, printFormatted } from './version';

type Obj = Record<string, unknown>;

/** docker 28's system.Info (api/types/system): field order, Go names, omitempty. */
const INFO_FIELDS = [
  'ID:s', 'Containers:n', 'ContainersRunning:n', 'ContainersPaused:n', 'ContainersStopped:n', 'Images:n', 'Driver:s', 'DriverStatus:z', 'SystemStatus?:z',
  'Plugins:z', 'MemoryLimit:b', 'SwapLimit:b', 'KernelMemory?:b', 'KernelMemoryTCP?:b', 'CPUCfsPeriod>CpuCfsPeriod:b', 'CPUCfsQuota>CpuCfsQuota:b', 'CPUShares:b',
  'CPUSet:b', 'PidsLimit:b', 'IPv4Forwarding:b', 'Debug:b', 'NFd:n', 'OomKillDisable:b', 'NGoroutines:n', 'SystemTime:s', 'LoggingDriver:s', 'CgroupDriver:s',
  'CgroupVersion?:s', 'NEventsListener:n', 'KernelVersion:s', 'OperatingSystem:s', 'OSVersion:s', 'OSType:s', 'Architecture:s', 'IndexServerAddress:s',
  'RegistryConfig:z', 'NCPU:n', 'MemTotal:n', 'GenericResources:z', 'DockerRootDir:s', 'HTTPProxy>HttpProxy:s', 'HTTPSProxy>HttpsProxy:s', 'NoProxy:s', 'Name:s',
  'Labels:z', 'ExperimentalBuild:b', 'ServerVersion:s', 'Runtimes:z', 'DefaultRuntime:s', 'Swarm:z', 'LiveRestoreEnabled:b', 'Isolation:s', 'InitBinary:s',
  'ContainerdCommit:z', 'RuncCommit:z', 'InitCommit:z', 'SecurityOptions:z', 'ProductLicense?:s', 'DefaultAddressPools?:z', 'FirewallBackend?:z', 'CDISpecDirs:z',
  'Containerd?:z', 'Warnings:z',
];
const SWARM_FIELDS = ['NodeID:s', 'NodeAddr:s', 'LocalNodeState:s', 'ControlAvailable:b', 'Error:s', 'RemoteManagers:z', 'Nodes?:n', 'Managers?:n', 'Cluster?:z', 'Warnings?:z'];
const COMMIT_FIELDS = ['ID:s', 'Expected?:s'];
/** docker's clientInfo: Debug, the embedded clientVersion (its ApiVersion empty here), Plugins, Warnings. */
const CLIENT_INFO_FIELDS = ['Debug:b', 'Platform?:z', 'Version?:s', 'APIVersion>ApiVersion?:s', 'DefaultAPIVersion?:s', 'GitCommit?:s', 'GoVersion?:s', 'Os?:s', 'Arch?:s', 'BuildTime?:s', 'Context:s', 'Plugins:z', 'Warnings:z'];

/** `berth info`: the client block and the server's `GET /info`, laid out like docker's. */
export async function run(ctx: CliContext, argv: { format?: string } & GlobalFlags = {}): Promise<ExitCode> {
  // taken first: an endpoint that cannot be resolved fails the command before any output, as docker's Client()
  const client = ctx.client('fast');
  const context = currentContextOf({ ...argv, contextFlag: ctx.contextFlag }, ctx.env);
  const out: string[] = ['Client:', ` Version:    ${BERTH_VERSION}`, ` Context:    ${context}`, ' Debug Mode: false', ''];
  let info: Obj;
  if (argv.format) {
    let err: unknown;
    let data: Obj = {};
    try {
      data = (await client.system.info()) as unknown as Obj;
    } catch (e) {
      err = e;
    }
    const { goStruct } = require('../format/go-struct') as typeof import('../format/go-struct');
    const clientInfo = goStruct('*system.clientInfo', CLIENT_INFO_FIELDS, {
      Debug: false,
      Version: BERTH_VERSION,
      DefaultAPIVersion: client.maxApiVersion,
      GoVersion: process.version,
      Os: process.platform,
      Arch: process.arch === 'x64' ? 'amd64' : process.arch,
      Context: context,
      Plugins: [],
      Warnings: null,
    });
    const sub = (type: string, fields: readonly string[], v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? goStruct(type, fields, v as Obj) : v);
    const registry = data.RegistryConfig as Obj | undefined;
    // docker 28's ServiceConfig leaves out the deprecated non-distributable lists when empty
    const registryConfig = registry && Object.fromEntries(Object.entries(registry).filter(([k, v]) => !(k.startsWith('AllowNondistributable') && (v == null || (Array.isArray(v) && v.length === 0)))));
    const shaped = goStruct('system.dockerInfo', [...INFO_FIELDS, 'ClientInfo:z', 'ServerErrors?:z', 'ClientErrors?:z'], {
      ...data,
      RegistryConfig: registryConfig,
      Plugins: sub('system.PluginsInfo', ['Volume:z', 'Network:z', 'Authorization:z', 'Log:z'], data.Plugins),
      Swarm: sub('swarm.Info', SWARM_FIELDS, data.Swarm),
      ContainerdCommit: sub('system.Commit', COMMIT_FIELDS, data.ContainerdCommit),
      RuncCommit: sub('system.Commit', COMMIT_FIELDS, data.RuncCommit),
      InitCommit: sub('system.Commit', COMMIT_FIELDS, data.InitCommit),
      ClientInfo: clientInfo,
    });
    // docker's info template has no name (`template: :1:2: executing "" ...`)
    return printFormatted(ctx, argv.format, '', shaped, err);
  }
  try {
    info = (await client.system.info()) as unknown as Obj;
  } catch (e) {
    ctx.io.stdout.write(out.join('\n') + '\n');
    ctx.io.stderr.write(`Server:\n${describeError(e)}\n`);
    return 1;
  }
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  out.push('Server:');
  out.push(` Containers: ${n(info.Containers)}`);
  out.push(`  Running: ${n(info.ContainersRunning)}`);
  out.push(`  Paused: ${n(info.ContainersPaused)}`);
  out.push(`  Stopped: ${n(info.ContainersStopped)}`);
  out.push(` Images: ${n(info.Images)}`);
  if (info.ServerVersion) out.push(` Server Version: ${s(info.ServerVersion)}`);
  if (info.Driver) {
    out.push(` Storage Driver: ${s(info.Driver)}`);
    for (const [k, v] of (info.DriverStatus as [string, string][] | undefined) ?? []) out.push(`  ${k}: ${v}`);
  }
  if (info.LoggingDriver) out.push(` Logging Driver: ${s(info.LoggingDriver)}`);
  if (info.CgroupDriver) out.push(` Cgroup Driver: ${s(info.CgroupDriver)}`);
  if (info.CgroupVersion) out.push(` Cgroup Version: ${s(info.CgroupVersion)}`);
  const plugins = (info.Plugins as Obj | undefined) ?? {};
  const list = (v: unknown) => (Array.isArray(v) ? v.join(' ') : '');
  out.push(' Plugins:');
  out.push(`  Volume: ${list(plugins.Volume)}`);
  out.push(`  Network: ${list(plugins.Network)}`);
  out.push(`  Log: ${list(plugins.Log)}`);
  out.push(` Swarm: ${s((info.Swarm as Obj | undefined)?.LocalNodeState)}`);
  const runtimes = Object.keys((info.Runtimes as Obj | undefined) ?? {}).sort();
  if (runtimes.length) out.push(` Runtimes: ${runtimes.join(' ')}`);
  if (info.DefaultRuntime) out.push(` Default Runtime: ${s(info.DefaultRuntime)}`);
  if (info.OSType === 'linux') {
    out.push(` Init Binary: ${s(info.InitBinary)}`);
    for (const [name, key] of [['containerd', 'ContainerdCommit'], ['runc', 'RuncCommit'], ['init', 'InitCommit']] as const) {
      const c = (info[key] as { ID?: string; Expected?: string } | undefined) ?? {};
      out.push(` ${name} version: ${s(c.ID)}${(c.ID ?? '') !== (c.Expected ?? '') ? ` (expected: ${s(c.Expected)})` : ''}`);
    }
  }
  const sec = (info.SecurityOptions as string[] | undefined) ?? [];
  if (sec.length) {
    out.push(' Security Options:');
    for (const o of sec) {
      const kv = Object.fromEntries(o.split(',').map((p) => p.split('=') as [string, string]));
      out.push(`  ${kv.name ?? o}`);
      for (const [k, v] of Object.entries(kv)) if (k !== 'name') out.push(`   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`);
    }
  }
  if (info.KernelVersion) out.push(` Kernel Version: ${s(info.KernelVersion)}`);
  if (info.OperatingSystem) out.push(` Operating System: ${s(info.OperatingSystem)}`);
  if (info.OSType) out.push(` OSType: ${s(info.OSType)}`);
  if (info.Architecture) out.push(` Architecture: ${s(info.Architecture)}`);
  out.push(` CPUs: ${n(info.NCPU)}`);
  out.push(` Total Memory: ${bytesSize(n(info.MemTotal))}`);
  if (info.Name) out.push(` Name: ${s(info.Name)}`);
  if (info.ID) out.push(` ID: ${s(info.ID)}`);
  out.push(` Docker Root Dir: ${s(info.DockerRootDir)}`);
  out.push(` Debug Mode: ${info.Debug === true}`);
  out.push(` Experimental: ${info.ExperimentalBuild === true}`);
  const insecure = ((info.RegistryConfig as Obj | undefined)?.InsecureRegistryCIDRs as string[] | undefined) ?? [];
  if (insecure.length) {
    out.push(' Insecure Registries:');
    for (const c of insecure) out.push(`  ${c}`);
  }
  out.push(` Live Restore Enabled: ${info.LiveRestoreEnabled === true}`);
  out.push('');
  ctx.io.stdout.write(out.join('\n') + '\n');
  // As the docker CLI: the daemon's warnings, one a line, on stderr.
  const warnings = (info.Warnings as string[] | null | undefined) ?? [];
  if (warnings.length) ctx.io.stderr.write(warnings.join('\n') + '\n');
  return 0;
}
