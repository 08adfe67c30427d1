import type { Argv } from 'yargs';

/**
 * One flag of a docker command, as the docker CLI 28 declares it: `bool` (no value), `string`
 * (one value, the last wins) or `list` (repeatable). Integers, sizes and durations are declared
 * as strings and parsed by the command, so that bad values get docker's wording.
 */
export interface FlagDef {
  name: string;
  short?: string;
  kind: 'bool' | 'string' | 'list';
  describe: string;
  /** Hidden spellings docker also accepts (`--net` for `--network`). */
  hidden?: string[];
  /** A default other than false / empty, shown in help as docker shows it. */
  default?: boolean | string;
}

const b = (name: string, describe: string, short?: string, def?: boolean): FlagDef => ({ name, short, kind: 'bool', describe, default: def });
const s = (name: string, describe: string, short?: string, def?: string): FlagDef => ({ name, short, kind: 'string', describe, default: def });
const l = (name: string, describe: string, short?: string, hidden?: string[]): FlagDef => ({ name, short, kind: 'list', describe, hidden });

/** The container options shared by `run` and `create` (docker's addFlags in cli/command/container/opts.go). */
export const CONTAINER_FLAGS: FlagDef[] = [
  l('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  l('annotation', 'Add an annotation to the container (passed through to the OCI runtime)'),
  l('attach', 'Attach to STDIN, STDOUT or STDERR', 'a'),
  s('blkio-weight', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)'),
  l('blkio-weight-device', 'Block IO weight (relative device weight)'),
  l('cap-add', 'Add Linux capabilities'),
  l('cap-drop', 'Drop Linux capabilities'),
  s('cgroup-parent', 'Optional parent cgroup for the container'),
  s('cgroupns', 'Cgroup namespace to use (host|private)\n\'host\':    Run the container in the Docker host\'s cgroup namespace\n\'private\': Run the container in its own private cgroup namespace\n\'\':        Use the cgroup namespace as configured by the\n           default-cgroupns-mode option on the daemon (default)'),
  s('cidfile', 'Write the container ID to the file'),
  s('cpu-count', 'CPU count (Windows only)'),
  s('cpu-percent', 'CPU percent (Windows only)'),
  s('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  s('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  s('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  s('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  s('cpu-shares', 'CPU shares (relative weight)', 'c'),
  s('cpus', 'Number of CPUs'),
  s('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  s('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  l('device', 'Add a host device to the container'),
  l('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  l('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  l('device-read-iops', 'Limit read rate (IO per second) from a device'),
  l('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  l('device-write-iops', 'Limit write rate (IO per second) to a device'),
  b('disable-content-trust', 'Skip image verification', undefined, true),
  l('dns', 'Set custom DNS servers'),
  l('dns-option', 'Set DNS options', undefined, ['dns-opt']),
  l('dns-search', 'Set custom DNS search domains'),
  s('domainname', 'Container NIS domain name'),
  s('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  l('env', 'Set environment variables', 'e'),
  l('env-file', 'Read in a file of environment variables'),
  l('expose', 'Expose a port or a range of ports'),
  l('gpus', "GPU devices to add to the container ('all' to pass all GPUs)"),
  l('group-add', 'Add additional groups to join'),
  s('health-cmd', 'Command to run to check health'),
  s('health-interval', 'Time between running the check (ms|s|m|h) (default 0s)'),
  s('health-retries', 'Consecutive failures needed to report unhealthy'),
  s('health-start-interval', 'Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  s('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  s('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  s('hostname', 'Container host name', 'h'),
  b('init', 'Run an init inside the container that forwards signals and reaps processes'),
  b('interactive', 'Keep STDIN open even if not attached', 'i'),
  s('io-maxbandwidth', 'Maximum IO bandwidth limit for the system drive (Windows only)'),
  s('io-maxiops', 'Maximum IOps limit for the system drive (Windows only)'),
  s('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  s('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  s('ipc', 'IPC mode to use'),
  s('isolation', 'Container isolation technology'),
  s('kernel-memory', 'Kernel memory limit'),
  l('label', 'Set meta data on a container', 'l'),
  l('label-file', 'Read in a line delimited file of labels'),
  l('link', 'Add link to another container'),
  l('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  s('log-driver', 'Logging driver for the container'),
  l('log-opt', 'Log driver options'),
  s('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  s('memory', 'Memory limit', 'm'),
  s('memory-reservation', 'Memory soft limit'),
  s('memory-swap', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
  s('memory-swappiness', 'Tune container memory swappiness (0 to 100)', undefined, '-1'),
  l('mount', 'Attach a filesystem mount to the container'),
  s('name', 'Assign a name to the container'),
  l('network', 'Connect a container to a network', undefined, ['net']),
  l('network-alias', 'Add network-scoped alias for the container', undefined, ['net-alias']),
  b('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  b('oom-kill-disable', 'Disable OOM Killer'),
  s('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  s('pid', 'PID namespace to use'),
  s('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  s('platform', 'Set platform if server is multi-platform capable'),
  b('privileged', 'Give extended privileges to this container'),
  l('publish', "Publish a container's port(s) to the host", 'p'),
  b('publish-all', 'Publish all exposed ports to random ports', 'P'),
  s('pull', 'Pull image before running ("always", "missing", "never")', undefined, 'missing'),
  b('quiet', 'Suppress the pull output', 'q'),
  b('read-only', "Mount the container's root filesystem as read only"),
  s('restart', 'Restart policy to apply when a container exits', undefined, 'no'),
  b('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  s('runtime', 'Runtime to use for this container'),
  l('security-opt', 'Security Options'),
  s('shm-size', 'Size of /dev/shm'),
  s('stop-signal', 'Signal to stop the container'),
  s('stop-timeout', 'Timeout (in seconds) to stop a container'),
  l('storage-opt', 'Storage driver options for the container'),
  l('sysctl', 'Sysctl options'),
  l('tmpfs', 'Mount a tmpfs directory'),
  b('tty', 'Allocate a pseudo-TTY', 't'),
  l('ulimit', 'Ulimit options'),
  s('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  s('userns', 'User namespace to use'),
  s('uts', 'UTS namespace to use'),
  l('volume', 'Bind mount a volume', 'v'),
  s('volume-driver', 'Optional volume driver for the container'),
  l('volumes-from', 'Mount volumes from the specified container(s)'),
  s('workdir', 'Working directory inside the container', 'w'),
];

/** `run` has these besides the container options. */
export const RUN_ONLY_FLAGS: FlagDef[] = [
  b('detach', 'Run container in background and print container ID', 'd'),
  s('detach-keys', 'Override the key sequence for detaching a container'),
  b('sig-proxy', 'Proxy received signals to the process', undefined, true),
];

export const RUN_FLAGS: FlagDef[] = [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS].sort((x, y) => x.name.localeCompare(y.name));

export const EXEC_FLAGS: FlagDef[] = [
  b('detach', 'Detached mode: run command in the background', 'd'),
  s('detach-keys', 'Override the key sequence for detaching a container'),
  l('env', 'Set environment variables', 'e'),
  l('env-file', 'Read in a file of environment variables'),
  b('interactive', 'Keep STDIN open even if not attached', 'i'),
  b('privileged', 'Give extended privileges to the command'),
  b('tty', 'Allocate a pseudo-TTY', 't'),
  s('user', 'Username or UID (format: "<name|uid>[:<group|gid>]")', 'u'),
  s('workdir', 'Working directory inside the container', 'w'),
];

/**
 * docker's pflag value types where they are not the kind's (`string`, `list`, none for bool): the
 * word `--help` shows after the flag name (docker CLI 28's run/create/exec help).
 */
export const FLAG_HELP_TYPES: Record<string, string> = {
  annotation: 'map',
  'blkio-weight': 'uint16',
  'cpu-count': 'int',
  'cpu-percent': 'int',
  'cpu-period': 'int',
  'cpu-quota': 'int',
  'cpu-rt-period': 'int',
  'cpu-rt-runtime': 'int',
  'cpu-shares': 'int',
  cpus: 'decimal',
  gpus: 'gpu-request',
  'health-interval': 'duration',
  'health-retries': 'int',
  'health-start-interval': 'duration',
  'health-start-period': 'duration',
  'health-timeout': 'duration',
  'io-maxbandwidth': 'bytes',
  'io-maxiops': 'uint',
  'kernel-memory': 'bytes',
  memory: 'bytes',
  'memory-reservation': 'bytes',
  'memory-swap': 'bytes',
  'memory-swappiness': 'int',
  mount: 'mount',
  network: 'network',
  'oom-score-adj': 'int',
  'pids-limit': 'int',
  'shm-size': 'bytes',
  'stop-timeout': 'int',
  sysctl: 'map',
  ulimit: 'ulimit',
};

/** The `(default X)` docker's help adds (for flags whose description does not carry it). */
export const FLAG_HELP_DEFAULTS: Record<string, string> = {
  annotation: 'map[]',
  'blkio-weight-device': '[]',
  'device-read-bps': '[]',
  'device-read-iops': '[]',
  'device-write-bps': '[]',
  'device-write-iops': '[]',
  'disable-content-trust': 'true',
  'memory-swappiness': '-1',
  pull: '"missing"',
  restart: '"no"',
  'sig-proxy': 'true',
  sysctl: 'map[]',
  ulimit: '[]',
};

/** Flags docker annotates `ostype: windows`: its help leaves them out against a linux daemon. */
export const WINDOWS_ONLY_FLAGS = new Set(['cpu-count', 'cpu-percent', 'io-maxbandwidth', 'io-maxiops']);

/** The global flags that take a value (they may come before the command word). */
export const GLOBAL_VALUE_FLAGS = ['host', 'H', 'tlscacert', 'tlscert', 'tlskey', 'config'];

/** Declares a flag table on a yargs command. */
export function declareFlags(y: Argv, table: FlagDef[]): Argv {
  for (const f of table) {
    const alias = [...(f.short ? [f.short] : []), ...(f.hidden ?? [])];
    y = y.option(f.name, {
      type: f.kind === 'bool' ? 'boolean' : 'string',
      alias: alias.length ? alias : undefined,
      describe: f.describe,
      ...(WINDOWS_ONLY_FLAGS.has(f.name) ? { hidden: true } : {}),
      ...(f.default !== undefined && f.kind === 'bool' ? { default: f.default } : {}),
      // read by command-help's recorder only (yargs ignores keys it does not know)
      ...({ helpType: FLAG_HELP_TYPES[f.name] ?? (f.kind === 'bool' ? '' : f.kind), helpDefault: FLAG_HELP_DEFAULTS[f.name] } as object),
    });
  }
  return y;
}

/** The yargs (camelCase) names of a table's repeatable flags. */
export function listKeys(table: FlagDef[]): string[] {
  return table.filter((f) => f.kind === 'list').map((f) => f.name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

/**
 * How a token names a flag of `table`: the definition, whether it carries its value (`--x=v`,
 * `-xv`), or undefined for an unknown flag. Short clusters (`-it`) are looked up letter by letter.
 */
export function lookUpFlags(table: FlagDef[], token: string): { defs: FlagDef[]; unknown?: string; rest?: string; valueAttached: boolean } {
  const byLong = new Map<string, FlagDef>();
  const byShort = new Map<string, FlagDef>();
  for (const f of table) {
    byLong.set(f.name, f);
    for (const h of f.hidden ?? []) byLong.set(h, f);
    if (f.short) byShort.set(f.short, f);
  }
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const def = byLong.get(name) ?? (name === 'help' ? b('help', 'Print usage') : undefined);
    return def ? { defs: [def], valueAttached: eq >= 0 } : { defs: [], unknown: `--${name}`, valueAttached: eq >= 0 };
  }
  const defs: FlagDef[] = [];
  const letters = token.slice(1);
  for (let i = 0; i < letters.length; i++) {
    const c = letters[i]!;
    const def = byShort.get(c);
    if (!def) return { defs, unknown: `-${c}`, rest: `-${letters.slice(i)}`, valueAttached: false };
    defs.push(def);
    if (def.kind !== 'bool') return { defs, valueAttached: i < letters.length - 1 };
    if (letters[i + 1] === '=') return { defs, valueAttached: true };
  }
  return { defs, valueAttached: false };
}
