import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerCreateRequest, EndpointSettings, HostConfig, Int64, Mount, PortBinding } from '@berth/api';
import { goInt64Of, goInt64OfFloat, int64Value, ramInBytes } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import { parseGoDuration } from './format/timestamp';
import { goPathError } from './go-path-error';
import { parseGoRat } from './go-big-rat';
import { ownSet } from './own-set';
import { type GoIntType, parseGoInt } from './go-parse-int';
import { goQuote } from './format/go-text';

/**
 * A flag's value that the docker CLI's flag parser itself refuses
 * (`invalid argument "x" for "--stop-timeout" flag: ...`): printed with the command's usage.
 */
export class FlagValueError extends InvalidArgumentError {}

/** The `create`/`run` flags, as yargs parses them (camelCase; repeatable flags as arrays). */
export interface RunFlags {
  addHost?: string[];
  annotation?: string[];
  attach?: string[];
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  capAdd?: string[];
  capDrop?: string[];
  cgroupParent?: string;
  cgroupns?: string;
  cidfile?: string;
  cpuCount?: string;
  cpuPercent?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpuShares?: string | number;
  cpus?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  detach?: boolean;
  detachKeys?: string;
  device?: string[];
  deviceCgroupRule?: string[];
  deviceReadBps?: string[];
  deviceReadIops?: string[];
  deviceWriteBps?: string[];
  deviceWriteIops?: string[];
  dns?: string[];
  dnsOption?: string[];
  dnsSearch?: string[];
  domainname?: string;
  entrypoint?: string;
  env?: string[];
  envFile?: string[];
  expose?: string[];
  gpus?: string[];
  groupAdd?: string[];
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: string;
  healthStartInterval?: string;
  healthStartPeriod?: string;
  healthTimeout?: string;
  hostname?: string;
  init?: boolean;
  interactive?: boolean;
  ioMaxbandwidth?: string;
  ioMaxiops?: string;
  ip?: string;
  ip6?: string;
  ipc?: string;
  isolation?: string;
  kernelMemory?: string;
  label?: string[];
  labelFile?: string[];
  link?: string[];
  linkLocalIp?: string[];
  logDriver?: string;
  logOpt?: string[];
  macAddress?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  memorySwappiness?: string | number;
  mount?: string[];
  name?: string;
  network?: string | string[];
  networkAlias?: string[];
  noHealthcheck?: boolean;
  oomKillDisable?: boolean;
  oomScoreAdj?: string;
  pid?: string;
  pidsLimit?: string | number;
  platform?: string;
  privileged?: boolean;
  publish?: string[];
  publishAll?: boolean;
  pull?: string;
  quiet?: boolean;
  readOnly?: boolean;
  restart?: string;
  rm?: boolean;
  runtime?: string;
  securityOpt?: string[];
  shmSize?: string;
  sigProxy?: boolean;
  stopSignal?: string;
  stopTimeout?: string | number;
  storageOpt?: string[];
  sysctl?: string[];
  tmpfs?: string[];
  tty?: boolean;
  ulimit?: string[];
  user?: string;
  userns?: string;
  uts?: string;
  volume?: string[];
  volumeDriver?: string;
  volumesFrom?: string[];
  workdir?: string;
}

const SHORTS: Record<string, string> = { attach: 'a', 'cpu-shares': 'c', env: 'e', hostname: 'h', label: 'l', memory: 'm', publish: 'p', user: 'u', volume: 'v', workdir: 'w' };
const flagError = (value: string, flag: string, why: string) =>
  new FlagValueError(`invalid argument ${goQuote(value)} for "${SHORTS[flag] ? `-${SHORTS[flag]}, ` : ''}--${flag}" flag: ${why}`);

/** A size flag (`--memory 64m`); docker's MemBytes (a FlagValueError: pflag's usage error). */
export function bytesFlag(v: string | undefined, flag: string, swap = false): Int64 {
  if (v === undefined || v === '') return 0;
  if (swap && v === '-1') return -1;
  try {
    // go-units computes in float64 and converts with int64(): past 2^53 the double's exact value, past 2^63 -2^63
    return goInt64OfFloat(ramInBytes(v));
  } catch (e) {
    throw flagError(v, flag, (e as Error).message);
  }
}

/** The Go types of docker's int flags of run/create (container/opts.go) where not int64. */
const INT_FLAG_TYPES: Record<string, GoIntType> = { 'health-retries': 'int', 'oom-score-adj': 'int', 'stop-timeout': 'int', 'blkio-weight': 'uint16', 'io-maxiops': 'uint64' };

/**
 * An integer flag as pflag parses it (strconv, base 0: `0x10`, `0o17`, `1_000`): undefined when not
 * given, else its value, or a FlagValueError with pflag's wording (a list's last value wins).
 */
export function pflagInt(v: string | number | (string | number)[] | undefined, flag: string, type: GoIntType = INT_FLAG_TYPES[flag] ?? 'int64'): Int64 | undefined {
  if (v === undefined) return undefined;
  const t = String(Array.isArray(v) ? v[v.length - 1] : v);
  try {
    return parseGoInt(t, type);
  } catch (e) {
    throw flagError(t, flag, (e as Error).message);
  }
}

function intFlag(v: string | number | undefined, flag: string, def = 0): Int64 {
  return pflagInt(v, flag) ?? def;
}

function durationFlag(v: string | undefined, flag: string): number {
  if (v === undefined || v === '') return 0;
  const neg = v.startsWith('-');
  const ms = v === '0' ? 0 : parseGoDuration(neg ? v.slice(1) : v);
  if (ms === undefined) throw flagError(v, flag, `time: invalid duration "${v}"`);
  return Math.round(ms * 1e6) * (neg ? -1 : 1);
}

/**
 * `0.5` → 500000000 NanoCpus, as docker's opts.NanoCPUs: a big.Rat (`1.5`, `3/2`, `1e-3`, `0x1p-2`)
 * times 1e9 must be an integer, taken as big.Int's Int64 (wrapping, as docker's); a usage error
 * (pflag's) when it is no rational number or finer than 1e-9. A bigint beyond 2^53.
 */
export function parseCpus(s: string): Int64 {
  const r = parseGoRat(s);
  if (!r) throw flagError(s, 'cpus', `failed to parse ${s} as a rational number`);
  const nano = r.num * 1_000_000_000n;
  if (nano % r.den !== 0n) throw flagError(s, 'cpus', 'value is too precise');
  return int64Value(goInt64Of(nano / r.den));
}

/** `-e` values (docker's ValidateEnv): `K=V` as is, `K` alone takes the value from the environment (or is dropped); no name is pflag's usage error. */
export function envValues(list: string[], env: NodeJS.ProcessEnv, keepUnset = false): string[] {
  const out: string[] = [];
  for (const e of list) {
    if (e === '' || e.startsWith('=')) throw flagError(e, 'env', `invalid environment variable: ${e}`);
    if (e.includes('=')) {
      out.push(e);
    } else if (env[e] !== undefined) out.push(`${e}=${env[e]}`);
    else if (keepUnset) out.push(e);
  }
  return out;
}

function readLines(file: string, what: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Go opens, then reads: a directory opens and fails at the read
    throw new InvalidArgumentError(`${what}${goPathError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', file, e)}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** `--env-file`: one variable a line, `#` comments and blank lines skipped. */
export function readEnvFile(file: string, env: NodeJS.ProcessEnv): string[] {
  return envValues(readLines(file, ''), env);
}

/** `k=v` items as a map (the last one of a key wins); own keys (fromEntries): `--label __proto__=x` is a label, not the map's prototype. */
function kvMap(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
  }));
}

/** A map that Go's `omitempty` leaves out when empty. */
const orOmit = <T extends object>(m: T): T | undefined => (Object.keys(m).length ? m : undefined);
/** A list flag as Go's ListOpts.GetSlice gives it: null when never given. */
const orNull = (l: string[] | undefined): string[] | null => (l && l.length ? l : null);

function portNumber(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new InvalidArgumentError(`invalid ${what}: ${s}`);
  const a = Number(m[1]);
  const z = m[2] !== undefined ? Number(m[2]) : a;
  if (a > 65535 || z > 65535 || z < a) throw new InvalidArgumentError(`invalid ${what}: ${s}`);
  return [a, z];
}

/** `-p` (nat.ParsePortSpecs after convertToStandardNotation): exposed ports and their bindings. */
function parsePublish(list: string[], exposed: Record<string, object>): Record<string, PortBinding[]> {
  const bindings: Record<string, PortBinding[]> = {};
  for (const raw of list) {
    let p = raw;
    if (p.includes('=')) {
      // a Map: a key such as `__proto__` or `constructor` is a key, never the prototype's
      const params = new Map<string, string>([['protocol', 'tcp']]);
      for (const param of p.split(',')) {
        const i = param.indexOf('=');
        if (i <= 0) throw new InvalidArgumentError(`invalid publish opts format (should be name=value but got '${param}')`);
        params.set(param.slice(0, i), param.slice(i + 1));
      }
      p = `${params.get('published') ?? ''}:${params.get('target') ?? ''}/${params.get('protocol')}`;
    }
    let proto = 'tcp';
    const slash = p.lastIndexOf('/');
    if (slash >= 0) {
      proto = p.slice(slash + 1).toLowerCase();
      p = p.slice(0, slash);
    }
    let ip = '';
    let host = '';
    let container: string;
    const v6 = /^\[([^\]]*)\]:(.*)$/.exec(p);
    if (v6) {
      ip = v6[1]!;
      const rest = v6[2]!.split(':');
      container = rest.pop()!;
      host = rest.join(':');
    } else {
      const parts = p.split(':');
      container = parts.pop()!;
      if (parts.length) host = parts.pop()!;
      if (parts.length) ip = parts.join(':');
    }
    if (container === '') throw new InvalidArgumentError(`no port specified: ${raw}<empty>`);
    const [c0, c1] = portNumber(container, 'containerPort');
    let h0 = 0;
    let h1 = 0;
    if (host !== '') [h0, h1] = portNumber(host, 'hostPort');
    if (host !== '' && c1 - c0 !== h1 - h0 && c0 !== c1) throw new InvalidArgumentError(`invalid ranges specified for container and host Ports: ${container} and ${host}`);
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new InvalidArgumentError(`invalid proto: ${proto}`);
    for (let c = c0; c <= c1; c++) {
      const key = `${c}/${proto}`;
      exposed[key] = {};
      let hp = host;
      if (host !== '' && c1 > c0) hp = String(h0 + (c - c0));
      else if (host !== '' && c0 === c1 && h1 > h0) hp = `${h0}-${h1}`;
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hp });
    }
  }
  return bindings;
}

function restartPolicy(s: string | undefined): { Name: string; MaximumRetryCount: number } {
  if (!s) return { Name: '', MaximumRetryCount: 0 };
  const i = s.indexOf(':');
  const name = i < 0 ? s : s.slice(0, i);
  const count = i < 0 ? '' : s.slice(i + 1);
  if (i >= 0 && name === '') throw new InvalidArgumentError('invalid restart policy format: no policy provided before colon');
  let n = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new InvalidArgumentError('invalid restart policy format: maximum retry count must be an integer');
    n = Number(count);
  }
  return { Name: name, MaximumRetryCount: n };
}

/** docker's NormalizeCapability. */
function capability(c: string): string {
  const u = c.trim().toUpperCase();
  return u === 'ALL' || u === 'RESET' || u.startsWith('CAP_') ? u : `CAP_${u}`;
}

function ipFlag(v: string | undefined, flag: string): string {
  if (!v) return '';
  const t = v.trim();
  if (!isIp(t)) throw flagError(v, flag, `invalid string being converted to IP address: ${v}`);
  return t;
}

function isIp(s: string): boolean {
  return (require('node:net') as typeof import('node:net')).isIP(s) !== 0;
}

function validDeviceMode(m: string): boolean {
  return m !== '' && /^[rwm]+$/.test(m) && new Set(m).size === m.length;
}

function parseDevice(d: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  if ((d.match(/:/g) ?? []).length > 2 || d.split(':')[0] === '') throw new InvalidArgumentError(`bad format for path: ${d}`);
  const arr = d.split(':');
  let src = arr[0]!;
  let dst = '';
  let perm = 'rwm';
  if (arr.length === 3) {
    if (!validDeviceMode(arr[2]!)) throw new InvalidArgumentError(`bad mode specified: ${arr[2]}`);
    perm = arr[2]!;
    dst = arr[1]!;
  } else if (arr.length === 2) {
    if (validDeviceMode(arr[1]!)) perm = arr[1]!;
    else dst = arr[1]!;
  }
  const checked = dst || src;
  if (!checked.startsWith('/')) throw new InvalidArgumentError(`${checked} is not an absolute path`);
  src = arr.length === 1 || (arr.length === 2 && !dst) ? path.posix.normalize(src) : src;
  if (dst && arr.length === 2) dst = path.posix.normalize(dst);
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: perm };
}

function parseUlimit(u: string): { Name: string; Hard: number; Soft: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
  if (!m) throw flagError(u, 'ulimit', `invalid ulimit argument: ${u}`);
  const soft = Number(m[2]);
  const hard = m[3] !== undefined ? Number(m[3]) : soft;
  if (soft > hard && hard !== -1) throw flagError(u, 'ulimit', `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: m[1]!, Hard: hard, Soft: soft };
}

function parseMount(value: string): Mount {
  const m: Mount & { VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> }; Subpath?: string }; BindOptions?: Record<string, unknown>; TmpfsOptions?: { SizeBytes?: number; Mode?: number } } = { Type: 'volume' };
  const vol = () => {
    m.VolumeOptions ??= { Labels: {} };
    m.VolumeOptions.DriverConfig ??= {};
    return m.VolumeOptions;
  };
  const bind = () => (m.BindOptions ??= {});
  const tmp = () => (m.TmpfsOptions ??= {});
  const bad = (why: string) => flagError(value, 'mount', why);
  const boolOf = (k: string, v: string) => {
    if (/^(1|t|T|true|TRUE|True)$/.test(v)) return true;
    if (/^(0|f|F|false|FALSE|False)$/.test(v)) return false;
    throw bad(`invalid value for ${k}: ${v}`);
  };
  for (const field of value.split(',')) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).toLowerCase();
    const val = i < 0 ? '' : field.slice(i + 1);
    if (i < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') vol().NoCopy = true;
      else if (key === 'bind-nonrecursive') bind().NonRecursive = true;
      else throw bad(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase() as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = !val.startsWith('/') && val.startsWith('.') ? path.resolve(val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolOf(key, val);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bind().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bind().NonRecursive = boolOf(key, val);
        break;
      case 'bind-recursive':
        if (val === 'disabled') bind().NonRecursive = true;
        else if (val === 'writable') bind().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bind().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') throw bad(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-nocopy':
        vol().NoCopy = boolOf('volume-nocopy', val);
        break;
      case 'volume-label': {
        const [k, ...v] = val.split('=');
        if (k) ownSet(vol().Labels!, k, v.join('='));
        break;
      }
      case 'volume-driver':
        vol().DriverConfig!.Name = val;
        break;
      case 'volume-opt': {
        const d = vol().DriverConfig!;
        d.Options ??= {};
        const [k, ...v] = val.split('=');
        if (k) ownSet(d.Options, k, v.join('='));
        break;
      }
      case 'tmpfs-size':
        try {
          tmp().SizeBytes = ramInBytes(val);
        } catch {
          throw bad(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val)) throw bad(`invalid value for ${key}: ${val}`);
        tmp().Mode = parseInt(val, 8);
        break;
      default:
        throw bad(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw bad('type is required');
  if (!m.Target) throw bad('target is required');
  if (m.VolumeOptions && m.Type !== 'volume') throw bad(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw bad(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw bad(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  // Go's field order and omitempty
  const out: Record<string, unknown> = { Type: m.Type, Source: m.Source || undefined, Target: m.Target, ReadOnly: m.ReadOnly || undefined, Consistency: m.Consistency || undefined };
  if (m.BindOptions) {
    const o = m.BindOptions;
    out.BindOptions = { Propagation: o.Propagation || undefined, NonRecursive: o.NonRecursive || undefined, CreateMountpoint: undefined, ReadOnlyNonRecursive: o.ReadOnlyNonRecursive || undefined, ReadOnlyForceRecursive: o.ReadOnlyForceRecursive || undefined };
  }
  if (m.VolumeOptions) {
    const o = m.VolumeOptions;
    const d = o.DriverConfig!;
    out.VolumeOptions = { NoCopy: o.NoCopy || undefined, Labels: orOmit(o.Labels ?? {}), Subpath: o.Subpath || undefined, DriverConfig: { Name: d.Name || undefined, Options: d.Options && orOmit(d.Options) } };
  }
  if (m.TmpfsOptions) out.TmpfsOptions = { SizeBytes: m.TmpfsOptions.SizeBytes || undefined, Mode: m.TmpfsOptions.Mode || undefined };
  return out as Mount;
}

/** `--gpus` (docker's GpuOpts): `all`, a count, or `device=...,capabilities=...,driver=...`. */
function parseGpus(value: string): Record<string, unknown> {
  const req: { Driver: string; Count: number; DeviceIDs: string[] | null; Capabilities: string[][]; Options: Record<string, string> } = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: [], Options: {} };
  const caps: string[] = [];
  const fields = value.includes('device=') ? value.split(/,(?=[a-z]+=)/) : value.split(',');
  for (const f of fields) {
    const i = f.indexOf('=');
    if (i < 0) {
      if (f === 'all') req.Count = -1;
      else if (/^\d+$/.test(f)) req.Count = Number(f);
      else throw flagError(value, 'gpus', `unexpected key '${f}' in '${value}'`);
      continue;
    }
    const k = f.slice(0, i);
    const v = f.slice(i + 1);
    if (k === 'driver') req.Driver = v;
    else if (k === 'count') req.Count = v === 'all' ? -1 : Number(v);
    else if (k === 'device') req.DeviceIDs = v.split(',');
    else if (k === 'capabilities') caps.push(...v.split(','));
    else if (k === 'options') req.Options = { ...req.Options, ...kvMap(v.split(',')) };
    else throw flagError(value, 'gpus', `unexpected key '${k}' in '${f}'`);
  }
  req.Capabilities = [caps.includes('gpu') ? caps : [...caps, 'gpu']];
  return req;
}

function throttle(list: string[] | undefined, flag: string, key: 'Rate' | 'Weight', iops: boolean): { Path: string }[] {
  return (list ?? []).map((v) => {
    const i = v.lastIndexOf(':');
    const p = v.slice(0, i);
    const r = v.slice(i + 1);
    if (i < 0 || !p.startsWith('/dev/')) throw flagError(v, flag, `bad format: ${v}`);
    let n: number;
    if (key === 'Weight') {
      n = Number(r);
      if (!/^\d+$/.test(r) || (n > 0 && (n < 10 || n > 1000))) throw flagError(v, flag, `invalid weight for device: ${v}`);
    } else if (iops) {
      if (!/^\d+$/.test(r)) throw flagError(v, flag, `invalid rate for device: ${v}. The correct format is <device-path>:<number>. Number must be a positive integer`);
      n = Number(r);
    } else {
      try {
        n = ramInBytes(r);
      } catch {
        throw flagError(v, flag, `invalid rate for device: ${v}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
      }
    }
    return { Path: p, [key]: n };
  });
}

/** The network flags' endpoint (docker's parseNetworkOpts for the one-network syntax). */
function endpointsConfig(f: RunFlags, networks: string[]): Record<string, EndpointSettings> {
  const userDefined = (n: string) => !['default', 'bridge', 'host', 'none'].includes(n) && !n.startsWith('container:');
  const target = networks[0] ?? 'default';
  const aliases = f.networkAlias ?? [];
  const links = userDefined(target) ? (f.link ?? []) : [];
  const ipv4 = ipFlag(f.ip, 'ip');
  const ipv6 = ipFlag(f.ip6, 'ip6');
  const lla = f.linkLocalIp ?? [];
  if (!userDefined(target)) {
    if (aliases.length) throw new InvalidArgumentError('network-scoped aliases are only supported for user-defined networks');
  }
  const mac = (f.macAddress ?? '').trim();
  const ep: EndpointSettings = {
    IPAMConfig: ipv4 || ipv6 || lla.length ? { IPv4Address: ipv4 || undefined, IPv6Address: ipv6 || undefined, LinkLocalIPs: lla.length ? lla : undefined } : null,
    Links: links.length ? links : null,
    Aliases: aliases.length ? aliases : null,
    MacAddress: mac,
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
  };
  const empty = ep.IPAMConfig === null && ep.Links === null && ep.Aliases === null && !mac;
  const out: Record<string, EndpointSettings> = {};
  if (networks.length === 0) out.default = ep;
  else {
    for (const [i, n] of networks.entries()) {
      if (out[n]) throw new InvalidArgumentError(`network "${n}" is specified multiple times`);
      if (i === 0) {
        if (!(networks.length === 1 && empty)) out[n] = ep;
      } else out[n] = { ...ep, IPAMConfig: null, Links: null, Aliases: null, MacAddress: '' };
    }
    const u = networks.filter(userDefined).length;
    if (u > 0 && u < networks.length) throw new InvalidArgumentError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  return out;
}

/**
 * Builds the `POST /containers/create` body exactly as the docker CLI 28 does for the same flags
 * (cli/command/container/opts.go: field order, defaults, null versus empty, omitted fields).
 */
export function buildCreateRequest(
  image: string,
  args: string[],
  f: RunFlags,
  o: { env?: NodeJS.ProcessEnv; consoleSize?: [number, number] } = {},
): ContainerCreateRequest {
  const env = o.env ?? {};
  // flag-level checks first, as pflag reports them before the command runs
  const attachList = (f.attach ?? []).map((a) => {
    const s = a.toLowerCase();
    if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') throw flagError(a, 'attach', 'valid streams are STDIN, STDOUT and STDERR');
    return s;
  });
  for (const s of f.sysctl ?? []) {
    const k = s.split('=')[0]!;
    const ok = s.includes('=') && k !== '' && (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(k) || k.startsWith('net.') || k.startsWith('fs.mqueue.'));
    if (!ok) throw flagError(s, 'sysctl', `sysctl '${s}' is not allowed`);
  }
  const dns = (f.dns ?? []).map((d) => {
    if (!isIp(d.trim())) throw flagError(d, 'dns', `IP address is not correctly formatted: ${d}`);
    return d.trim();
  });
  const extraHosts = (f.addHost ?? []).map((h) => {
    let i = h.indexOf('=');
    if (i < 0) i = h.indexOf(':');
    const k = i < 0 ? h : h.slice(0, i);
    let v = i < 0 ? '' : h.slice(i + 1);
    if (i < 0 || k === '' || k.includes(':')) throw flagError(h, 'add-host', `bad format for add-host: "${h}"`);
    if (v !== 'host-gateway') {
      if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
      if (!isIp(v.trim())) throw flagError(h, 'add-host', `invalid IP address in add-host: "${v}"`);
    }
    return `${k}:${v}`;
  });
  for (const lk of f.link ?? []) {
    const parts = lk.split(':');
    if (parts.length > 2 || parts[0] === '' || (parts.length === 2 && parts[1] === '')) throw flagError(lk, 'link', `invalid format for link: ${lk}`);
  }
  const ulimits = (f.ulimit ?? []).map(parseUlimit);
  const mounts = (f.mount ?? []).map(parseMount);
  const gpus = (f.gpus ?? []).map(parseGpus);
  const memory = bytesFlag(f.memory, 'memory');
  const memoryReservation = bytesFlag(f.memoryReservation, 'memory-reservation');
  const memorySwap = bytesFlag(f.memorySwap, 'memory-swap', true);
  const shmSize = bytesFlag(f.shmSize, 'shm-size');
  const swappiness = intFlag(f.memorySwappiness, 'memory-swappiness', -1);
  const cpuShares = intFlag(f.cpuShares, 'cpu-shares');
  const stopTimeout = f.stopTimeout !== undefined ? intFlag(f.stopTimeout, 'stop-timeout') : undefined;
  const pidsLimit = intFlag(f.pidsLimit, 'pids-limit');
  const oomScoreAdj = intFlag(f.oomScoreAdj, 'oom-score-adj');
  const blkioWeight = intFlag(f.blkioWeight, 'blkio-weight');
  const nanoCpus = f.cpus ? parseCpus(f.cpus) : 0;
  const health = {
    interval: durationFlag(f.healthInterval, 'health-interval'),
    timeout: durationFlag(f.healthTimeout, 'health-timeout'),
    startPeriod: durationFlag(f.healthStartPeriod, 'health-start-period'),
    startInterval: durationFlag(f.healthStartInterval, 'health-start-interval'),
    retries: intFlag(f.healthRetries, 'health-retries'),
  };
  const networks = f.network === undefined ? [] : Array.isArray(f.network) ? f.network : [f.network];

  // parse()
  if (f.macAddress && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(f.macAddress.trim())) throw new InvalidArgumentError(`${f.macAddress} is not a valid mac address`);
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new InvalidArgumentError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of f.volume ?? []) {
    const parts = v.split(':');
    const hasSource = parts.length >= 2;
    if (!hasSource) {
      ownSet(volumes, v, {});
      continue;
    }
    let host = parts[0]!;
    if (!host.startsWith('/') && host.startsWith('.')) host = path.resolve(host);
    binds.push([host, ...parts.slice(1)].join(':'));
  }
  const tmpfs: Record<string, string> = {};
  for (const t of f.tmpfs ?? []) {
    const i = t.indexOf(':');
    ownSet(tmpfs, i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i + 1));
  }
  const entrypoint = f.entrypoint !== undefined ? [f.entrypoint] : null;
  const exposed: Record<string, object> = {};
  const portBindings = parsePublish(f.publish ?? [], exposed);
  for (const e of f.expose ?? []) {
    let spec = e;
    let proto = 'tcp';
    const slash = spec.indexOf('/');
    if (slash >= 0) {
      proto = spec.slice(slash + 1);
      spec = spec.slice(0, slash);
    }
    let range: [number, number];
    try {
      range = portNumber(spec, 'port');
    } catch {
      throw new InvalidArgumentError(`invalid range format for --expose: ${e}, error: invalid start port '${spec}'`);
    }
    for (let p = range[0]; p <= range[1]; p++) exposed[`${p}/${proto}`] = {};
  }
  const devices = (f.device ?? []).map(parseDevice);
  let envList: string[];
  try {
    envList = [...(f.envFile ?? []).flatMap((file) => readEnvFile(file, env)), ...envValues(f.env ?? [], env, true)];
  } catch (e) {
    if (e instanceof FlagValueError) throw e;
    throw new InvalidArgumentError((e as Error).message);
  }
  const labels = kvMap([...(f.labelFile ?? []).flatMap((file) => readLines(file, '').filter((x) => x.includes('='))), ...(f.label ?? [])]);
  const nsCheck = (v: string | undefined, flag: string, what: string, ok: (v: string) => boolean) => {
    if (v && !ok(v)) throw new InvalidArgumentError(`--${flag}: invalid ${what} mode`);
  };
  nsCheck(f.pid, 'pid', 'PID', (v) => v === 'host' || v.startsWith('container:'));
  nsCheck(f.uts, 'uts', 'UTS', (v) => v === 'host');
  nsCheck(f.userns, 'userns', 'USER', (v) => v === 'host');
  nsCheck(f.cgroupns, 'cgroupns', 'CGROUP', (v) => v === 'host' || v === 'private');
  const restart = restartPolicy(f.restart ?? 'no');
  const logOpts = kvMap(f.logOpt ?? []);
  if (f.logDriver === 'none' && (f.logOpt ?? []).length) throw new InvalidArgumentError(`invalid logging opts for driver ${f.logDriver}`);
  let securityOpt = f.securityOpt ?? [];
  let maskedPaths: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  for (const opt of securityOpt) {
    let i = opt.indexOf('=');
    if (i < 0 && opt !== 'no-new-privileges') i = opt.indexOf(':');
    const k = i < 0 ? opt : opt.slice(0, i);
    const v = i < 0 ? '' : opt.slice(i + 1);
    if ((i < 0 || v === '') && k !== 'no-new-privileges') throw new InvalidArgumentError(`Invalid --security-opt: "${opt}"`);
  }
  securityOpt = securityOpt.map((opt) => {
    const m = /^seccomp[=:](.*)$/.exec(opt);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return opt;
    let text: string;
    try {
      text = fs.readFileSync(m[1]!, 'utf8');
    } catch (e) {
      throw new InvalidArgumentError(`opening seccomp profile (${m[1]}) failed: ${(e as Error).message}`);
    }
    return `seccomp=${JSON.stringify(JSON.parse(text))}`;
  });
  if (securityOpt.includes('systempaths=unconfined')) {
    maskedPaths = [];
    readonlyPaths = [];
    securityOpt = securityOpt.filter((x) => x !== 'systempaths=unconfined');
  }
  const storageOpt: Record<string, string> = {};
  for (const so of f.storageOpt ?? []) {
    const i = so.indexOf('=');
    if (i < 0) throw new InvalidArgumentError('invalid storage option');
    ownSet(storageOpt, so.slice(0, i), so.slice(i + 1));
  }
  let healthcheck: Record<string, unknown> | undefined;
  const haveHealth = !!f.healthCmd || health.interval !== 0 || health.timeout !== 0 || health.startPeriod !== 0 || health.retries !== 0 || health.startInterval !== 0;
  if (f.noHealthcheck) {
    if (haveHealth) throw new InvalidArgumentError('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (haveHealth) {
    for (const [k, v] of [['interval', health.interval], ['timeout', health.timeout], ['retries', health.retries], ['start-period', health.startPeriod], ['start-interval', health.startInterval]] as const) {
      if (v < 0) throw new InvalidArgumentError(`--health-${k} cannot be negative`);
    }
    healthcheck = {
      Test: f.healthCmd ? ['CMD-SHELL', f.healthCmd] : undefined,
      Interval: health.interval || undefined,
      Timeout: health.timeout || undefined,
      StartPeriod: health.startPeriod || undefined,
      StartInterval: health.startInterval || undefined,
      Retries: health.retries || undefined,
    };
  }
  const attachStdin = attachList.includes('stdin') || !!f.interactive;
  const attachStdout = attachList.length === 0 || attachList.includes('stdout');
  const attachStderr = attachList.length === 0 || attachList.includes('stderr');
  const detach = !!f.detach;
  if (f.rm && restart.Name !== '' && restart.Name !== 'no') throw new InvalidArgumentError('conflicting options: cannot specify both --restart and --rm');
  const endpoints = endpointsConfig(f, networks);

  const host: HostConfig = {
    Binds: binds.length ? binds : null,
    ContainerIDFile: f.cidfile ?? '',
    LogConfig: { Type: f.logDriver ?? '', Config: logOpts },
    NetworkMode: networks[0] ?? 'default',
    PortBindings: portBindings,
    RestartPolicy: restart as HostConfig['RestartPolicy'],
    AutoRemove: !!f.rm,
    VolumeDriver: f.volumeDriver ?? '',
    VolumesFrom: orNull(f.volumesFrom),
    ConsoleSize: f.tty ? (o.consoleSize ?? [0, 0]) : [0, 0],
    Annotations: orOmit(kvMap(f.annotation ?? [])),
    CapAdd: f.capAdd?.length ? f.capAdd.map(capability).sort() : null,
    CapDrop: f.capDrop?.length ? f.capDrop.map(capability).sort() : null,
    CgroupnsMode: f.cgroupns ?? '',
    Dns: dns,
    DnsOptions: f.dnsOption ?? [],
    DnsSearch: f.dnsSearch ?? [],
    ExtraHosts: extraHosts.length ? extraHosts : null,
    GroupAdd: orNull(f.groupAdd),
    IpcMode: f.ipc ?? '',
    Cgroup: '',
    Links: orNull(f.link),
    // int64 fields the api types declare as number: a bigint past 2^53 is written exactly (stringifyJson)
    OomScoreAdj: oomScoreAdj as number,
    PidMode: f.pid ?? '',
    Privileged: !!f.privileged,
    PublishAllPorts: !!f.publishAll,
    ReadonlyRootfs: !!f.readOnly,
    SecurityOpt: securityOpt.length ? securityOpt : null,
    StorageOpt: orOmit(storageOpt),
    Tmpfs: orOmit(tmpfs),
    UTSMode: f.uts ?? '',
    UsernsMode: f.userns ?? '',
    ShmSize: shmSize,
    Sysctls: orOmit(kvMap(f.sysctl ?? [])),
    Runtime: f.runtime || undefined,
    Isolation: f.isolation ?? '',
    CpuShares: cpuShares,
    Memory: memory,
    // a bigint past 2^53 (docker sends any int64; the daemon refuses it): the client writes it exactly
    NanoCpus: nanoCpus as number,
    CgroupParent: f.cgroupParent ?? '',
    BlkioWeight: blkioWeight as number,
    BlkioWeightDevice: throttle(f.blkioWeightDevice, 'blkio-weight-device', 'Weight', false),
    BlkioDeviceReadBps: throttle(f.deviceReadBps, 'device-read-bps', 'Rate', false),
    BlkioDeviceWriteBps: throttle(f.deviceWriteBps, 'device-write-bps', 'Rate', false),
    BlkioDeviceReadIOps: throttle(f.deviceReadIops, 'device-read-iops', 'Rate', true),
    BlkioDeviceWriteIOps: throttle(f.deviceWriteIops, 'device-write-iops', 'Rate', true),
    CpuPeriod: intFlag(f.cpuPeriod, 'cpu-period') as number,
    CpuQuota: intFlag(f.cpuQuota, 'cpu-quota'),
    CpuRealtimePeriod: intFlag(f.cpuRtPeriod, 'cpu-rt-period'),
    CpuRealtimeRuntime: intFlag(f.cpuRtRuntime, 'cpu-rt-runtime'),
    CpusetCpus: f.cpusetCpus ?? '',
    CpusetMems: f.cpusetMems ?? '',
    Devices: devices,
    DeviceCgroupRules: orNull(f.deviceCgroupRule),
    DeviceRequests: gpus.length ? gpus : null,
    KernelMemory: bytesFlag(f.kernelMemory, 'kernel-memory') || undefined,
    MemoryReservation: memoryReservation,
    MemorySwap: memorySwap,
    MemorySwappiness: swappiness as number,
    OomKillDisable: !!f.oomKillDisable,
    PidsLimit: pidsLimit,
    Ulimits: ulimits,
    CpuCount: intFlag(f.cpuCount, 'cpu-count'),
    CpuPercent: intFlag(f.cpuPercent, 'cpu-percent'),
    IOMaximumIOps: intFlag(f.ioMaxiops, 'io-maxiops'),
    IOMaximumBandwidth: bytesFlag(f.ioMaxbandwidth, 'io-maxbandwidth'),
    Mounts: mounts.length ? mounts : undefined,
    MaskedPaths: maskedPaths,
    ReadonlyPaths: readonlyPaths,
    Init: f.init === undefined ? undefined : !!f.init,
  };
  const attach = !detach;
  const body: ContainerCreateRequest = {
    Hostname: f.hostname ?? '',
    Domainname: f.domainname ?? '',
    User: f.user ?? '',
    AttachStdin: attachStdin && attach,
    AttachStdout: attachStdout && attach,
    AttachStderr: attachStderr && attach,
    ExposedPorts: orOmit(exposed),
    Tty: !!f.tty,
    OpenStdin: !!f.interactive,
    StdinOnce: !!f.interactive && attachStdin && attach,
    Env: envList.length ? envList : null,
    Cmd: args.length ? args : null,
    Healthcheck: healthcheck,
    Image: image,
    Volumes: volumes,
    WorkingDir: f.workdir ?? '',
    Entrypoint: entrypoint,
    MacAddress: (f.macAddress ?? '').trim() || undefined,
    OnBuild: null,
    Labels: labels,
    StopSignal: f.stopSignal || undefined,
    StopTimeout: stopTimeout,
    HostConfig: host,
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  return body;
}

/** docker refuses flags annotated `ostype: windows` against a linux daemon, before running the command (exit 1). */
export function windowsOnlyFlags(f: RunFlags): string | undefined {
  const given = ([['cpu-count', f.cpuCount], ['cpu-percent', f.cpuPercent], ['io-maxbandwidth', f.ioMaxbandwidth], ['io-maxiops', f.ioMaxiops]] as const).filter(([, v]) => v !== undefined);
  if (!given.length) return undefined;
  return given.map(([n]) => `"--${n}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n`).join('');
}

/** Flags that need a newer API than the daemon's: docker refuses them before the command runs (exit 1). */
export function flagsAboveApi(f: RunFlags, apiVersion: string): string | undefined {
  const newer = (min: string) => {
    const [a, b] = apiVersion.split('.').map(Number);
    const [c, d] = min.split('.').map(Number);
    return a! < c! || (a === c && b! < d!);
  };
  const given = ([['annotation', f.annotation?.length ? f.annotation : undefined, '1.43'], ['health-start-interval', f.healthStartInterval, '1.44']] as const).filter(([, v, min]) => v !== undefined && newer(min));
  if (!given.length) return undefined;
  return given.map(([n, , min]) => `"--${n}" requires API version ${min}, but the Docker daemon API version is ${apiVersion}\n`).join('');
}
