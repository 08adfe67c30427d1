import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FailedPreconditionError } from '@berth/errdefs';
import { silentLogger, type Logger } from '@berth/log';

/** Docker's profile for every container that names none (and is not privileged). */
export const DEFAULT_APPARMOR_PROFILE = 'docker-default';
export const UNCONFINED_APPARMOR_PROFILE = 'unconfined';

/** What the generation of docker-default depends on (moby profiles/apparmor: profileData). */
export interface AppArmorProfileData {
  /** The profile's name (docker-default). */
  name: string;
  /** The daemon's own profile (from /proc/self/attr/current; "unconfined" when none). */
  daemonProfile: string;
  /** apparmor_parser's version as major*1e5 + minor*1e3 + patch. */
  parserVersion: number;
  /** /etc/apparmor.d/tunables/global exists: included, else @{PROC} is defined inline. */
  tunablesGlobal: boolean;
  /** /etc/apparmor.d/abstractions/base exists: included inside the profile. */
  abstractionsBase: boolean;
}

/**
 * Docker 20.10's docker-default AppArmor profile for this host. The rules are the facts of moby's
 * `profiles/apparmor/template.go` (v20.10.24): network, capabilities, files and umount allowed;
 * mount denied; writes to /proc outside /proc/<pid>/** and /proc/sys/kernel/shm* denied;
 * sysrq-trigger and kcore, /sys (except /sys/fs/cgroup), /sys/firmware and
 * /sys/kernel/security denied; signals from unconfined processes and from the daemon's own
 * profile received, and among the container's processes (parser ≥ 2.8.96); ptrace among the
 * container's processes (parser ≥ 2.8.95).
 */
export function defaultAppArmorProfile(p: AppArmorProfileData): string {
  const lines: string[] = [];
  lines.push(p.tunablesGlobal ? '#include <tunables/global>' : '@{PROC}=/proc/', '');
  lines.push(`profile ${p.name} flags=(attach_disconnected,mediate_deleted) {`);
  if (p.abstractionsBase) lines.push('  #include <abstractions/base>');
  lines.push('', '  network,', '  capability,', '  file,', '  umount,');
  if (p.parserVersion >= 208096) {
    lines.push(
      '  # Host (privileged) processes may send signals to container processes.',
      '  signal (receive) peer=unconfined,',
      '  # the daemon may send signals to container processes (for "docker kill").',
      `  signal (receive) peer=${p.daemonProfile},`,
      '  # Container processes may send signals amongst themselves.',
      `  signal (send,receive) peer=${p.name},`,
    );
  }
  lines.push(
    '',
    '  deny @{PROC}/* w,   # deny write for all files directly in /proc (not in a subdir)',
    '  # deny write to files not in /proc/<number>/** or /proc/sys/**',
    '  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,',
    '  deny @{PROC}/sys/[^k]** w,  # deny /proc/sys except /proc/sys/k* (effectively /proc/sys/kernel)',
    '  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,  # deny everything except shm* in /proc/sys/kernel/',
    '  deny @{PROC}/sysrq-trigger rwklx,',
    '  deny @{PROC}/kcore rwklx,',
    '',
    '  deny mount,',
    '',
    '  deny /sys/[^f]*/** wklx,',
    '  deny /sys/f[^s]*/** wklx,',
    '  deny /sys/fs/[^c]*/** wklx,',
    '  deny /sys/fs/c[^g]*/** wklx,',
    '  deny /sys/fs/cg[^r]*/** wklx,',
    '  deny /sys/firmware/** rwklx,',
    '  deny /sys/kernel/security/** rwklx,',
  );
  if (p.parserVersion >= 208095) {
    lines.push('', "  # suppress ptrace denials when using 'docker ps' or using 'ps' inside a container", `  ptrace (trace,read,tracedby,readby) peer=${p.name},`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

/**
 * `apparmor_parser --version`'s first line ("AppArmor parser version 2.13.6", "…3.0.0-beta1",
 * "…2.10.95~3") as major*1e5 + minor*1e3 + patch; -1 when it is not a version.
 */
export function parseAppArmorParserVersion(output: string): number {
  const words = (output.split('\n', 1)[0] ?? '').trim().split(' ');
  const version = (words[words.length - 1] ?? '').split('-', 1)[0]!.split('~', 1)[0]!;
  const parts = version.split('.');
  if (parts.length === 0 || parts.length > 3 || parts.some((x) => !/^\d+$/.test(x))) return -1;
  const [major = 0, minor = 0, patch = 0] = parts.map(Number);
  return major * 1e5 + minor * 1e3 + patch;
}

/** The host calls AppArmor support makes (faked in unit tests). */
export interface AppArmorHost {
  /** A file's text, or null when it cannot be read. */
  readFile(p: string): Promise<string | null>;
  exists(p: string): Promise<boolean>;
  /** Runs a program; never rejects for a non-zero exit. */
  run(file: string, args: string[]): Promise<{ code: number; output: string }>;
  /** Writes a temporary file with this text; returns its path (removed by the caller). */
  writeTemp(prefix: string, text: string): Promise<string>;
  remove(p: string): Promise<void>;
}

export const systemAppArmorHost: AppArmorHost = {
  readFile: (p) => fs.readFile(p, 'utf8').catch(() => null),
  exists: (p) => fs.access(p).then(() => true, () => false),
  run: (file, args) =>
    new Promise((resolve) => {
      execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      });
    }),
  writeTemp: async (prefix, text) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
    const file = path.join(dir, prefix);
    await fs.writeFile(file, text, { mode: 0o600 });
    return file;
  },
  remove: (p) => fs.rm(path.dirname(p), { recursive: true, force: true }),
};

const PARSERS = ['/sbin/apparmor_parser', '/usr/sbin/apparmor_parser'];

/** The AppArmor state of a host, as berthd decides on it at start. */
export type AppArmorState =
  /** the kernel confines (runc's IsEnabled: /sys/kernel/security/apparmor exists, …/enabled is Y) and the parser is there */
  | { kind: 'enabled'; parser: string }
  | { kind: 'disabled' }
  /** enabled in the kernel, but no apparmor_parser to load docker-default with */
  | { kind: 'no-parser' };

/**
 * AppArmor as Docker 20.10 applies it: where the host has it enabled, every container gets
 * `docker-default` (generated from the template above and loaded with `apparmor_parser -Kr` the
 * first time it is needed, and again whenever it was unloaded), `unconfined` when privileged, or
 * the profile `--security-opt apparmor=NAME` names (a privileged container stays unconfined).
 * Where it is not enabled, no container has a profile (and `info` says why: `note`).
 */
export class AppArmor {
  private loading?: Promise<void>;

  private constructor(
    readonly state: AppArmorState,
    private readonly host: AppArmorHost,
    private readonly logger: Logger,
  ) {}

  static async detect(host: AppArmorHost = systemAppArmorHost, logger: Logger = silentLogger): Promise<AppArmor> {
    const fsPresent = await host.exists('/sys/kernel/security/apparmor');
    const enabled = fsPresent && ((await host.readFile('/sys/module/apparmor/parameters/enabled')) ?? '').startsWith('Y');
    if (!enabled) return new AppArmor({ kind: 'disabled' }, host, logger);
    for (const p of PARSERS) if (await host.exists(p)) return new AppArmor({ kind: 'enabled', parser: p }, host, logger);
    return new AppArmor({ kind: 'no-parser' }, host, logger);
  }

  /** Containers get AppArmor profiles (`info`: name=apparmor). */
  get enabled(): boolean {
    return this.state.kind === 'enabled';
  }

  /** One line for `info`'s Warnings and the start log when AppArmor confines nothing. */
  get note(): string | undefined {
    if (this.state.kind === 'disabled') return 'AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y): containers run without an AppArmor profile';
    if (this.state.kind === 'no-parser') return 'AppArmor is enabled on this host but apparmor_parser is not installed (apt-get install apparmor): containers run without an AppArmor profile';
    return undefined;
  }

  /**
   * A container's profile (inspect's AppArmorProfile, the spec's process.apparmorProfile): ''
   * when AppArmor is not enabled; `unconfined` when privileged; the `apparmor` security option's
   * value when given (the last one); docker-default otherwise (moby saveApparmorConfig).
   */
  profileFor(opts: { privileged: boolean; apparmorOpt?: string }): string {
    if (!this.enabled) return '';
    if (opts.privileged) return UNCONFINED_APPARMOR_PROFILE;
    return opts.apparmorOpt || DEFAULT_APPARMOR_PROFILE;
  }

  /**
   * Before a start with this profile: docker-default is loaded when /sys/kernel/security/apparmor/profiles
   * does not list it (concurrent starts share one load). Other names are the host's business:
   * the runtime reports one that is not loaded.
   */
  async ensureLoaded(name: string): Promise<void> {
    if (!this.enabled || name !== DEFAULT_APPARMOR_PROFILE) return;
    if (await this.isLoaded(name)) return;
    this.loading ??= this.load(name).finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  /**
   * The kernel lists a profile of this name (`/sys/kernel/security/apparmor/profiles`, one
   * "NAME (mode)" a line, as moby's IsLoaded and containerd's appArmorProfileExists read it);
   * FailedPrecondition when that list cannot be read. What the CRI checks a Localhost profile by.
   */
  async isLoaded(name: string): Promise<boolean> {
    const profiles = await this.host.readFile('/sys/kernel/security/apparmor/profiles');
    if (profiles === null) throw new FailedPreconditionError(`Could not check if ${name} AppArmor profile was loaded: /sys/kernel/security/apparmor/profiles cannot be read`);
    return profiles.split('\n').some((l) => l.startsWith(`${name} `));
  }

  private async load(name: string): Promise<void> {
    const parser = (this.state as { parser: string }).parser;
    const fail = (why: string): never => {
      throw new FailedPreconditionError(`AppArmor enabled on system but the ${name} profile could not be loaded: ${why}`);
    };
    const version = await this.host.run(parser, ['--version']);
    const parserVersion = version.code === 0 ? parseAppArmorParserVersion(version.output) : -1;
    if (parserVersion < 0) fail(`${parser} --version: ${version.output.trim() || `exit ${version.code}`}`);
    const current = (await this.host.readFile('/proc/self/attr/current')) ?? '';
    const daemonProfile = current.replace(/\0/g, '').trim().split(' ', 1)[0] || UNCONFINED_APPARMOR_PROFILE;
    const text = defaultAppArmorProfile({
      name,
      daemonProfile,
      parserVersion,
      tunablesGlobal: await this.host.exists('/etc/apparmor.d/tunables/global'),
      abstractionsBase: await this.host.exists('/etc/apparmor.d/abstractions/base'),
    });
    const file = await this.host.writeTemp(name, text);
    try {
      // -K: no cache write (the cache dir may be read-only), -r: replace
      const r = await this.host.run(parser, ['-Kr', file]);
      if (r.code !== 0) fail(`${parser} -Kr: ${r.output.trim() || `exit ${r.code}`}`);
      this.logger.info({ profile: name }, 'AppArmor profile loaded');
    } finally {
      await this.host.remove(file).catch(() => undefined);
    }
  }
}
