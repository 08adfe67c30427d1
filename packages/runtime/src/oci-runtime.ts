import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  CancelledError,
  ConflictError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@berth/errdefs';
import type { RuntimeSpec } from '@berth/oci';
import { silentLogger } from '@berth/log';
import type { CreateOptions, ExecOptions, ExitStatus, Logger, ResourceLimits, RuntimeConfig, RuntimeState } from './types';
import { resources as ociResources } from './build-spec';
import type { Task } from './task';
import { ShimTask, connectUnix } from './shim-task';
import { readExitFile, nowRfc3339Nano } from './exit-file';
import { shimSocketPath } from './shim-files';
import { run } from './exec-file';
import { parseSignal } from './signals';
import { runtimeErrorText, startError } from './start-error';
import { isMountPoint } from './mount';
import { runtimeNative } from './native-addon';
import { SeccompBpfCache } from './seccomp-bpf';
import { runtimeVersion, takesCompiledSeccomp, type RuntimeVersion } from './runtime-version';

/** Where `npm run build:native` puts the shim binary. */
export const DEFAULT_SHIM_PATH = path.resolve(__dirname, '..', 'shim', 'build', 'berth-shim');

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;


async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].map(
        (d) => path.join(d, name),
      );
  for (const c of candidates) {
    try {
      await fs.access(c, constants.X_OK);
      return path.resolve(c);
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The cgroup file whose `oom_kill N` counter tells whether the OOM killer struck. */
async function oomFileFor(spec: RuntimeSpec, memoryV1: () => Promise<boolean>): Promise<string | undefined> {
  const cgroupsPath = spec.linux?.cgroupsPath;
  if (!cgroupsPath || cgroupsPath.includes(':')) return undefined;
  const rel = cgroupsPath.replace(/^\/+/, '');
  if (await memoryV1()) return path.join('/sys/fs/cgroup/memory', rel, 'memory.oom_control');
  return path.join('/sys/fs/cgroup', rel, 'memory.events');
}

/** True when a live shim listens on <dir>/shim.sock (its state dir: the bundle, an exec's dir). */
export async function shimAnswers(bundle: string): Promise<boolean> {
  const sock = shimSocketPath(bundle);
  try {
    await fs.lstat(sock);
  } catch {
    return false;
  }
  try {
    const s = await connectUnix(sock);
    s.destroy();
    return true;
  } catch {
    return false;
  }
}

/**
 * A previous run's shim reports the exit, then deletes the runtime's container and exits; its
 * socket answers until then. A start right after a stop (a quick `restart`) waits for it (up to
 * 3 s) instead of failing; a shim still there after that is a real conflict.
 */
async function shimGone(bundle: string, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    if (!(await shimAnswers(bundle))) return true;
  }
  return false;
}

function checkId(id: string): void {
  if (!ID_RE.test(id)) throw new InvalidArgumentError(`container "${id}": invalid id`);
}

async function tail(file: string, max = 2048): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.slice(-max).trim();
  } catch {
    return '';
  }
}

/**
 * Drives an OCI runtime (runc or crun) through one berth-shim per container.
 *
 * Life of a container: `create()` spawns the shim, which runs `runtime create`; subscribe to the
 * returned Task's output, then `task.start()`. The shim logs output, reaps the process, deletes the
 * runtime's container and writes `exit.json` (in the bundle, or CreateOptions.stateDir). After a daemon restart, `reconnect()` gives
 * the live Task back, or the recorded exit status.
 *
 * crun on hybrid cgroups: the shim is started with --private-cgroupns-fix, so crun runs in a private
 * mount namespace without /sys/fs/cgroup/unified (crun 1.8 refuses hybrid mode otherwise).
 */
export class OciRuntime {
  readonly name: 'runc' | 'crun';
  private readonly logger: Logger;
  private readonly tasks = new Map<string, ShimTask>();
  private binaryPath?: string;
  private hybrid?: boolean;
  /** crun: the seccomp filter compiled once per profile, not at every start (seccomp-bpf.ts). */
  private readonly seccompBpf?: SeccompBpfCache;

  constructor(readonly config: RuntimeConfig) {
    this.name = config.name ?? 'runc';
    this.logger = config.logger ?? silentLogger;
    if (this.name === 'crun') this.seccompBpf = new SeccompBpfCache(config.seccompCacheDir, this.logger);
    if (!path.isAbsolute(config.stateRoot)) throw new InvalidArgumentError(`runtime state root "${config.stateRoot}": must be absolute`);
    if (!runtimeNative()) {
      this.logger.warn({}, 'runtime addon not built: rootfs mounts exec mount(8)/umount(8) (slower): build it: npm run build:native -w @berth/runtime');
    }
  }

  /** The runtime binary's absolute path; FailedPreconditionError naming the fix when missing. */
  async binary(): Promise<string> {
    if (this.binaryPath) return this.binaryPath;
    const found = await findExecutable(this.config.binary ?? this.name);
    if (!found) {
      throw new FailedPreconditionError(
        `OCI runtime "${this.config.binary ?? this.name}": not found: install it: apt-get install -y ${this.name}`,
      );
    }
    this.binaryPath = found;
    return found;
  }

  /**
   * The binary's `--version` (name, version, commit), asked once per binary path; null when the
   * runtime is missing or says nothing readable. What `docker version` and `docker info` show.
   */
  async version(): Promise<RuntimeVersion | null> {
    return runtimeVersion(await this.binary()).catch(() => null);
  }

  /** Checked once found (a missing shim is a FailedPrecondition naming the fix). */
  private shimFound = false;
  private stateRootReady = false;
  private memoryV1?: boolean;

  private async checkShim(): Promise<void> {
    if (this.shimFound) return;
    try {
      await fs.access(this.shimPath, constants.X_OK);
    } catch {
      throw new FailedPreconditionError(`berth-shim: not found at ${this.shimPath}: build it: npm run build:native -w @berth/runtime`);
    }
    this.shimFound = true;
  }

  private get shimPath(): string {
    return this.config.shimPath ?? DEFAULT_SHIM_PATH;
  }

  private async isHybridCgroups(): Promise<boolean> {
    if (this.hybrid === undefined) this.hybrid = await isMountPoint('/sys/fs/cgroup/unified').catch(() => false);
    return this.hybrid;
  }

  private async runtime(args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
    const bin = await this.binary();
    return run(bin, ['--root', this.config.stateRoot, ...args], { signal });
  }

  private oomFile(spec: RuntimeSpec): Promise<string | undefined> {
    return oomFileFor(spec, async () => {
      if (this.memoryV1 === undefined) this.memoryV1 = await fs.access('/sys/fs/cgroup/memory').then(() => true, () => false);
      return this.memoryV1;
    });
  }

  private async readSpec(bundle: string, id: string): Promise<RuntimeSpec> {
    try {
      return JSON.parse(await fs.readFile(path.join(bundle, 'config.json'), 'utf8')) as RuntimeSpec;
    } catch (e) {
      throw new FailedPreconditionError(`container ${id}: bundle ${bundle} has no readable config.json: ${(e as Error).message}`);
    }
  }


  /**
   * Spawns the shim, which runs `runtime create`; resolves with a Task in 'created' state.
   * Rejects with the runtime's message (InvalidArgumentError for a missing/non-executable command,
   * InternalError otherwise) when create fails; nothing is left behind then.
   */
  async create(opts: CreateOptions): Promise<Task> {
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const times: Record<string, number> = {};
    checkId(opts.id);
    if (this.tasks.has(opts.id)) throw new FailedPreconditionError(`container ${opts.id}: already has a task`);
    if (opts.signal?.aborted) throw new CancelledError(`container ${opts.id}: create aborted`);
    const bundle = path.resolve(opts.bundle);
    // the shim's own files (shim.sock, init.pid, exit.json, shim.log): the bundle, or a state dir of their own
    const state = path.resolve(opts.stateDir ?? opts.bundle);
    const bin = await this.binary();
    await this.checkShim();
    // independent preparations, all at once (none is left running when one fails)
    const writeSpec = async (): Promise<RuntimeSpec> => {
      if (!opts.spec) return this.readSpec(bundle, opts.id);
      const tmp = path.join(bundle, `config.json.tmp-${process.pid}`);
      let written = opts.spec;
      if (this.seccompBpf) {
        if (takesCompiledSeccomp(await this.version())) written = await this.seccompBpf.annotate(opts.spec);
      }
      await fs.writeFile(tmp, JSON.stringify(written));
      await fs.rename(tmp, path.join(bundle, 'config.json'));
      return opts.spec;
    };
    const [specR, answersR, ...rest] = await Promise.allSettled([
      writeSpec(),
      state === bundle ? shimAnswers(state) : fs.mkdir(state, { recursive: true, mode: 0o700 }).then(() => shimAnswers(state)),
      this.stateRootReady ? Promise.resolve() : fs.mkdir(this.config.stateRoot, { recursive: true, mode: 0o700 }).then(() => {
        this.stateRootReady = true;
      }),
      opts.logPath ? fs.mkdir(path.dirname(path.resolve(opts.logPath)), { recursive: true }) : Promise.resolve(),
    ]);
    for (const r of [specR, answersR, ...rest]) if (r.status === 'rejected') throw r.reason;
    const spec = (specR as PromiseFulfilledResult<RuntimeSpec>).value;
    if ((answersR as PromiseFulfilledResult<boolean>).value && !(await shimGone(state))) {
      throw new ConflictError(`container ${opts.id}: a shim is already running for it`);
    }
    await fs.rm(path.join(state, 'exit.json'), { force: true });
    const args = ['--id', opts.id, '--bundle', bundle, '--runtime', bin, '--root', this.config.stateRoot];
    if (state !== bundle) args.push('--state', state);
    if (opts.logPath) args.push('--log', path.resolve(opts.logPath));
    if (opts.logPath && opts.logMaxSize && opts.logMaxSize > 0) {
      args.push('--log-max-size', String(Math.floor(opts.logMaxSize)), '--log-max-file', String(Math.max(1, Math.floor(opts.logMaxFiles ?? 1))));
    }
    if (opts.openStdin) args.push('--stdin');
    if (spec.process?.terminal) args.push('--tty');
    if (opts.runAtOnce) args.push('--run');
    const oom = opts.oomFile ?? (await this.oomFile(spec));
    if (oom) args.push('--oom-file', oom);
    if (this.name === 'crun' && (await this.isHybridCgroups())) args.push('--private-cgroupns-fix');
    times.prepared = ms();
    await this.spawnShim(opts.id, state, args);
    times.shimReady = ms();
    let task: ShimTask;
    try {
      task = await ShimTask.connect(opts.id, state, this.cleanup, this.logger, opts.signal, Boolean(opts.runAtOnce));
      times.hello = ms();
    } catch (e) {
      // The shim may already have finished (a create failure): exit.json says why.
      const file = await readExitFile(state);
      if (file?.error !== undefined) throw startError(file.error);
      // Otherwise do not leave a created container (and its waiting shim) behind.
      await this.delete(opts.id).catch(() => undefined);
      if (e instanceof CancelledError) throw e;
      throw new UnavailableError(`container ${opts.id}: cannot connect to its shim: ${(e as Error).message}`, { cause: e });
    }
    try {
      await task.waitCreated();
    } catch (e) {
      task.detach();
      if (task.failure === undefined) {
        if (opts.runAtOnce && task.shimPid > 0) {
          // the process may be running: nobody will see it, do not leave it
          try {
            process.kill(task.shimPid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await this.delete(opts.id).catch(() => undefined);
      }
      throw e;
    }
    this.track(task);
    this.logger.debug({ id: opts.id, ...times, created: ms() }, 'runtime create');
    return task;
  }

  private readonly cleanup = { forceDelete: (id: string) => this.delete(id) };

  private track(task: ShimTask): void {
    this.tasks.set(task.id, task);
    task
      .wait()
      .catch(() => undefined)
      .finally(() => {
        if (this.tasks.get(task.id) === task) this.tasks.delete(task.id);
      });
  }

  /** Starts the shim in `dir` (its files' dir, its cwd) and waits for its "ready". */
  private spawnShim(id: string, dir: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.shimPath, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        child.stdout?.removeAllListeners('data');
        child.stdout?.destroy();
        child.unref();
        if (err) reject(err);
        else resolve();
      };
      child.once('error', (e) => done(new InternalError(`container ${id}: cannot start berth-shim: ${e.message}`, { cause: e })));
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready\n')) done();
      });
      child.once('exit', (code) => {
        if (settled) return;
        void tail(path.join(dir, 'shim.log')).then((log) =>
          done(new InternalError(`container ${id}: berth-shim exited with code ${code}${log ? `: ${log}` : ''}`)),
        );
      });
    });
  }

  /**
   * Prepares `docker exec`: a shim of its own supervises one more process in the running container
   * `opts.id`. Resolves with a Task in 'created' state; subscribe, then `task.start()` runs
   * `runtime exec` (rejecting with the runtime's text, e.g. executable file not found). The Task's
   * wait() gives the exec's exit code; nothing of the container is touched when it ends. Output is
   * not logged (as in Docker). The exec's files (process.json, shim.sock, exit.json) live in opts.dir.
   */
  async exec(opts: ExecOptions): Promise<Task> {
    checkId(opts.id);
    if (opts.signal?.aborted) throw new CancelledError(`container ${opts.id}: exec aborted`);
    const dir = path.resolve(opts.dir);
    const bin = await this.binary();
    await this.checkShim();
    await fs.mkdir(dir, { recursive: true });
    const processFile = path.join(dir, 'process.json');
    if (await shimAnswers(dir)) throw new ConflictError(`exec in ${opts.id}: a shim is already running in ${dir}`);
    const [rmR, writeR] = await Promise.allSettled([
      fs.rm(path.join(dir, 'exit.json'), { force: true }),
      fs.writeFile(processFile, JSON.stringify(opts.process)),
    ]);
    for (const r of [rmR, writeR]) if (r.status === 'rejected') throw r.reason;
    const args = ['--id', opts.id, '--bundle', dir, '--runtime', bin, '--root', this.config.stateRoot, '--exec-process', processFile];
    if (opts.openStdin) args.push('--stdin');
    if (opts.process.terminal) args.push('--tty');
    if (opts.runAtOnce) args.push('--run');
    if (this.name === 'crun' && (await this.isHybridCgroups())) args.push('--private-cgroupns-fix');
    await this.spawnShim(opts.id, dir, args);
    // An exec's shim vanishing says nothing about the container: never delete it then.
    const keep = { forceDelete: async (): Promise<void> => undefined };
    let task: ShimTask;
    try {
      task = await ShimTask.connect(opts.id, dir, keep, this.logger, opts.signal, Boolean(opts.runAtOnce));
    } catch (e) {
      const file = await readExitFile(dir);
      if (file?.error !== undefined) throw startError(file.error, 'exec');
      throw e;
    }
    task.verb = 'exec';
    try {
      await task.waitCreated();
    } catch (e) {
      task.detach();
      throw e;
    }
    return task;
  }

  /** create() then task.start(). Subscribe between create and start to see all output. */
  async start(opts: CreateOptions): Promise<Task> {
    const task = await this.create(opts);
    try {
      await task.start(opts.signal);
    } catch (e) {
      await task.kill('KILL').catch(() => undefined);
      throw e;
    }
    return task;
  }

  /** The task this runtime object holds for a container, if any. */
  task(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  /**
   * Sends a signal (name with/without SIG, or number) to the container's init process: through
   * its shim when we hold a task, else with `runtime kill`. ConflictError when not running.
   */
  async kill(id: string, signal?: string | number): Promise<void> {
    checkId(id);
    const n = parseSignal(signal);
    const task = this.tasks.get(id);
    if (task && !task.done) return task.kill(n);
    const r = await this.runtime(['kill', id, String(n)]);
    if (r.code !== 0) {
      const msg = r.stderr.trim();
      if (/does not exist|not running|container not running|not exist/i.test(msg)) {
        throw new ConflictError(`container ${id}: is not running`);
      }
      throw new InternalError(`container ${id}: kill failed: ${msg}`);
    }
  }

  /** Freezes every process of the container (`runtime pause`). */
  async pause(id: string): Promise<void> {
    checkId(id);
    const r = await this.runtime(['pause', id]);
    if (r.code !== 0) throw this.commandError(id, 'pause', r.stderr);
  }

  /** Thaws a paused container (`runtime resume`). */
  async resume(id: string): Promise<void> {
    checkId(id);
    const r = await this.runtime(['resume', id]);
    if (r.code !== 0) throw this.commandError(id, 'resume', r.stderr);
  }

  private commandError(id: string, what: string, stderr: string): Error {
    const msg = runtimeErrorText(stderr);
    if (/does not exist|not found/i.test(msg)) return new NotFoundError(`container ${id}: not found in ${this.name}`);
    if (/not running|not paused|is paused|stopped/i.test(msg)) return new ConflictError(`container ${id}: ${msg}`);
    return new InternalError(`container ${id}: ${this.name} ${what}: ${msg}`);
  }

  /**
   * Changes a running container's resource limits (docker update) with `runtime update -r`.
   * Only the limits given are changed.
   */
  async update(id: string, limits: ResourceLimits): Promise<void> {
    checkId(id);
    const r = ociResources({ resources: limits });
    delete r.devices;
    const file = path.join(this.config.stateRoot, `update-${id}-${process.pid}-${Date.now()}.json`);
    await fs.mkdir(this.config.stateRoot, { recursive: true, mode: 0o700 });
    await fs.writeFile(file, JSON.stringify(r));
    try {
      const res = await this.runtime(['update', '-r', file, id]);
      if (res.code !== 0) throw this.commandError(id, 'update', res.stderr);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** PIDs (host namespace) of every process in the container (docker top): `runtime ps`. */
  async pids(id: string): Promise<number[]> {
    checkId(id);
    const r = await this.runtime(['ps', '--format', 'json', id]);
    if (r.code !== 0) throw this.commandError(id, 'ps', r.stderr);
    const out = r.stdout.trim();
    return out && out !== 'null' ? (JSON.parse(out) as number[]) : [];
  }

  /** The runtime's view of a container; NotFoundError when it does not know it. */
  async state(id: string): Promise<RuntimeState> {
    checkId(id);
    const r = await this.runtime(['state', id]);
    if (r.code !== 0) {
      const msg = r.stderr.trim();
      if (/does not exist|not found|No such file/i.test(msg)) throw new NotFoundError(`container ${id}: not found in ${this.name}`);
      throw new InternalError(`container ${id}: ${this.name} state: ${msg}`);
    }
    const s = JSON.parse(r.stdout) as { id: string; status: string; pid: number; bundle: string };
    return { id: s.id, status: s.status, pid: s.pid, bundle: s.bundle };
  }

  /** Containers the runtime knows under its state root. */
  async list(): Promise<RuntimeState[]> {
    const r = await this.runtime(['list', '--format', 'json']);
    if (r.code !== 0) {
      if (/no such file/i.test(r.stderr)) return [];
      throw new InternalError(`${this.name} list: ${r.stderr.trim()}`);
    }
    const out = r.stdout.trim();
    if (!out || out === 'null') return [];
    return (JSON.parse(out) as { id: string; status: string; pid: number; bundle: string }[]).map((s) => ({
      id: s.id,
      status: s.status,
      pid: s.pid,
      bundle: s.bundle,
    }));
  }

  /** Removes the runtime's container (`delete --force`, killing what is left); no error when absent. */
  async delete(id: string): Promise<void> {
    checkId(id);
    const r = await this.runtime(['delete', '--force', id]);
    if (r.code !== 0 && !/does not exist|not found|No such file/i.test(r.stderr)) {
      throw new InternalError(`container ${id}: ${this.name} delete: ${r.stderr.trim()}`);
    }
  }

  /**
   * After a daemon restart: connects to the container's live shim and returns its Task; when the
   * shim is gone, returns the exit status from exit.json; when there is neither (a reboot emptied
   * the state dir), makes sure the runtime holds no container any more (`delete --force`) and
   * reports exit code 255. `stateDir`: where create() had the shim's files (CreateOptions.stateDir,
   * else the bundle).
   */
  async reconnect(id: string, stateDir: string, signal?: AbortSignal): Promise<Task | ExitStatus> {
    checkId(id);
    const dir = path.resolve(stateDir);
    const existing = this.tasks.get(id);
    if (existing && !existing.done) return existing;
    let task: ShimTask | undefined;
    try {
      task = await ShimTask.connect(id, dir, this.cleanup, this.logger, signal);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      task = undefined;
    }
    if (task) {
      const state = task.hello?.state;
      if (state === 'created' || state === 'running') {
        this.track(task);
        return task;
      }
      // The shim is finishing (exited/failed): its exit message or exit.json follows.
      const status = await Promise.race([
        task.wait().catch(() => undefined),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 6000).unref()),
      ]);
      task.detach();
      if (status) return status;
    }
    const file = await readExitFile(dir);
    if (file) return { exitCode: file.exitCode, finishedAt: file.finishedAt, oomKilled: file.oomKilled };
    this.logger.warn({ id }, 'no shim and no exit status: reporting the container dead');
    await this.delete(id);
    return { exitCode: 255, finishedAt: nowRfc3339Nano(), oomKilled: false };
  }
}
