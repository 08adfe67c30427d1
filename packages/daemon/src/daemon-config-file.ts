import { promises as fs } from 'node:fs';
import { InvalidArgumentError, messageOf } from '@berth/errdefs';

/** Where berthd reads its configuration file when `--config-file` is not given (dockerd's /etc/docker/daemon.json). */
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

type Kind = 'string' | 'bool' | 'strings' | 'pools';

/**
 * The keys of daemon.json, each with the berthd flag it stands for and its JSON type. Named as
 * dockerd's where dockerd has the option (a list flag's key is its plural: `hosts` for `--host`,
 * `insecure-registries` for `--insecure-registry`, `registry-mirrors`, `default-address-pools`
 * as objects {base, size}); berthd's own (the CRI's) are named as their flags.
 */
/** The values berthd's --default-runtime and --log-level take (the flags and daemon.json's keys alike). */
export const RUNTIME_CHOICES = ['runc', 'crun'] as const;
export const LOG_LEVEL_CHOICES = ['debug', 'info', 'warn', 'error', 'fatal'] as const;

export const DAEMON_CONFIG_KEYS: Readonly<Record<string, { flag: string; kind: Kind; choices?: readonly string[] }>> = {
  'data-root': { flag: 'data-root', kind: 'string' },
  'exec-root': { flag: 'exec-root', kind: 'string' },
  hosts: { flag: 'host', kind: 'strings' },
  'default-runtime': { flag: 'default-runtime', kind: 'string', choices: RUNTIME_CHOICES },
  'log-level': { flag: 'log-level', kind: 'string', choices: LOG_LEVEL_CHOICES },
  debug: { flag: 'debug', kind: 'bool' },
  tls: { flag: 'tls', kind: 'bool' },
  tlsverify: { flag: 'tlsverify', kind: 'bool' },
  tlscacert: { flag: 'tlscacert', kind: 'string' },
  tlscert: { flag: 'tlscert', kind: 'string' },
  tlskey: { flag: 'tlskey', kind: 'string' },
  'insecure-registries': { flag: 'insecure-registry', kind: 'strings' },
  'registry-mirrors': { flag: 'registry-mirror', kind: 'strings' },
  group: { flag: 'group', kind: 'string' },
  pidfile: { flag: 'pidfile', kind: 'string' },
  bridge: { flag: 'bridge', kind: 'string' },
  bip: { flag: 'bip', kind: 'string' },
  'default-address-pools': { flag: 'default-address-pool', kind: 'pools' },
  'cri-socket': { flag: 'cri-socket', kind: 'string' },
  'cni-conf-dir': { flag: 'cni-conf-dir', kind: 'string' },
  'cni-bin-dir': { flag: 'cni-bin-dir', kind: 'strings' },
  'cri-stream-address': { flag: 'cri-stream-address', kind: 'string' },
  'pod-infra-image': { flag: 'pod-infra-image', kind: 'string' },
};

/**
 * Flag names that are not keys (a list flag's key is its plural), and `config-file`: dockerd
 * finds them among its flags, so they are not "unknown", but its decoder has no field of that
 * name: they are ignored (`"host": [...]` does nothing; `"hosts"` is the key).
 */
const IGNORED_KEYS: ReadonlySet<string> = new Set(['config-file', ...Object.entries(DAEMON_CONFIG_KEYS).filter(([k, v]) => k !== v.flag).map(([, v]) => v.flag)]);

/** dockerd's (pflag's) rendering of a flag's value in a conflict: a list as `[a b]`, pools as `base size, ...`. */
function flagText(kind: Kind, v: unknown): string {
  if (kind === 'pools') return (v as string[]).map((p) => { const kv = Object.fromEntries(p.split(',').map((s) => s.split('=').map((x) => x.trim()))); return `${kv['base']} ${kv['size']}`; }).join(', ');
  if (Array.isArray(v)) return `[${v.join(' ')}]`;
  return String(v);
}

/** Go's `%v` of a decoded JSON value (the file's side of a conflict): `[a b]`, `map[k:v]` (keys sorted). */
function goText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goText).join(' ')}]`;
  if (v !== null && typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goText((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  if (v === null) return '<nil>';
  return String(v);
}

/** Go's JSON type names, for the type error dockerd's decoder gives. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** One value of the file, checked against its key's type; as the flag's value (pools as `base=..,size=..`). */
function flagValue(key: string, v: unknown): unknown {
  const spec = DAEMON_CONFIG_KEYS[key]!;
  const bad = (want: string): never => {
    throw new InvalidArgumentError(`json: cannot unmarshal ${jsonType(v)} into Go struct field Config.${key} of type ${want}`);
  };
  switch (spec.kind) {
    case 'string':
      if (typeof v !== 'string') bad('string');
      if (spec.choices && !spec.choices.includes(v as string)) throw new InvalidArgumentError(`invalid ${key} "${String(v)}": must be one of ${spec.choices.join(', ')}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') bad('bool');
      return v;
    case 'strings':
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) bad('[]string');
      return v;
    case 'pools':
      if (!Array.isArray(v) || v.some((p) => p === null || typeof p !== 'object' || Array.isArray(p))) bad('[]*types.NetworkToSplit');
      return (v as Array<Record<string, unknown>>).map((p) => `base=${String(p['base'] ?? '')},size=${String(p['size'] ?? '')}`);
  }
}

/**
 * dockerd's merge of the configuration file with the flags (moby daemon/config
 * MergeDaemonConfigurations, findConfigurationConflicts): keys it does not know are refused,
 * then keys also given as a flag (on the command line: `given` holds only those, by long flag
 * name); otherwise the file's values, as flag values by long flag name, under the flags'.
 * Nested objects are flattened one level (dockerd's configValuesSet), so `{"tls": ...}` in an
 * object counts as `tls`. Errors are InvalidArgumentError with dockerd's texts.
 */
export function mergeDaemonConfig(file: Record<string, unknown>, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(set, v);
    else set[k] = v;
  }
  for (const k of Object.keys(set)) if (IGNORED_KEYS.has(k)) delete set[k];
  const unknown = Object.keys(set).filter((k) => !Object.prototype.hasOwnProperty.call(DAEMON_CONFIG_KEYS, k));
  if (unknown.length) throw new InvalidArgumentError(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const conflicts = Object.keys(set)
    .filter((k) => given[DAEMON_CONFIG_KEYS[k]!.flag] !== undefined)
    .map((k) => `${k}: (from flag: ${flagText(DAEMON_CONFIG_KEYS[k]!.kind, given[DAEMON_CONFIG_KEYS[k]!.flag])}, from file: ${goText(set[k])})`);
  if (conflicts.length) throw new InvalidArgumentError(`the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(set)) out[DAEMON_CONFIG_KEYS[k]!.flag] = flagValue(k, v);
  return { ...out, ...given };
}

/**
 * Reads the configuration file and merges it with the flags given (`mergeDaemonConfig`). A
 * missing file is no error when it is the default one (`explicit` false): the flags alone then.
 * Every error reads `unable to configure the Docker daemon with file <file>: <reason>` (dockerd's text).
 */
export async function loadDaemonConfig(file: string, explicit: boolean, given: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const fail = (reason: string): never => {
    throw new InvalidArgumentError(`unable to configure the Docker daemon with file ${file}: ${reason}`);
  };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { ...given };
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? `open ${file}: no such file or directory` : code === 'EACCES' ? `open ${file}: permission denied` : messageOf(e));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(messageOf(e));
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail(`json: cannot unmarshal ${jsonType(json)} into Go value of type map[string]interface {}`);
  try {
    return mergeDaemonConfig(json as Record<string, unknown>, given);
  } catch (e) {
    return fail(messageOf(e));
  }
}
