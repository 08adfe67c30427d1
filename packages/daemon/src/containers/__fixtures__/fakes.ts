/**
 * In-memory stand-ins for the image store, the snapshotter and the runtime, for unit tests of
 * the container service that need neither root nor runc. A fake task "runs" a tiny program
 * chosen by its argv: `echo ...`, `out-err` (out/err, exit 7), `exit N`, `sleep`, `cat` (echoes
 * stdin until EOF), `nope` (start fails like a missing binary).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import type { ImageConfig, RuntimeSpec } from '@berth/oci';
import type { CreateOptions, ExecOptions, ExitStatus, LogEntry, OutputChunk, ReadLogsOptions, ResourceLimits, Task } from '@berth/runtime';
import type { ContainerImages, ContainerRuntime, ContainerSnapshots } from '../deps';
import type { ServiceHooks } from '../service-hooks';
import { rfc3339Nano } from '../timestamps';

export const BUSYBOX_ID = `sha256:${'a'.repeat(64)}` as const;

export function fakeImages(): ContainerImages {
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: ['sh'], Labels: { from: 'image' } },
    rootfs: { type: 'layers', diff_ids: [] },
  };
  const rec = {
    id: BUSYBOX_ID,
    config,
    configSize: 1,
    created: new Date(),
    size: 1000,
    repoTags: ['busybox:latest'],
    repoDigests: [],
    layers: [],
    labels: {},
  };
  return {
    async get(name: string) {
      if (name === 'busybox' || name === 'busybox:latest' || name === BUSYBOX_ID) return rec;
      throw new NotFoundError(`No such image: ${name}:latest`);
    },
  };
}

export class FakeSnapshots implements ContainerSnapshots {
  readonly dirs = new Map<string, string>();
  async prepare(key: string, _imageId: string, dir: string) {
    await fs.mkdir(path.join(dir, 'upper'), { recursive: true });
    await fs.mkdir(path.join(dir, 'work'), { recursive: true });
    this.dirs.set(key, dir);
    return this.mounts(key);
  }
  async mounts(key: string) {
    const dir = this.dirs.get(key);
    if (!dir) throw new NotFoundError(`snapshot ${key}: not found`);
    return [
      {
        type: 'overlay' as const,
        source: 'overlay',
        options: ['lowerdir=/layers/l1', `upperdir=${dir}/upper`, `workdir=${dir}/work`],
      },
    ];
  }
  async remove(key: string) {
    this.dirs.delete(key);
  }
  async upperDir(key: string) {
    return path.join(this.dirs.get(key) ?? '/nonexistent', 'upper');
  }
  async usage(_key: string) {
    return { size: 42, inodes: 1 };
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class FakeTask implements Task {
  static nextPid = 1000;
  readonly pid = FakeTask.nextPid++;
  readonly shimPid = this.pid + 1;
  status: 'created' | 'running' | 'exited' = 'created';
  private readonly listeners = new Set<(c: OutputChunk) => void>();
  private readonly exit = deferred<ExitStatus>();
  readonly signals: number[] = [];
  detached = false;

  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly argv: string[],
    private readonly logs: LogEntry[],
    readonly ignoreTerm = false,
  ) {}

  async start(): Promise<void> {
    if (this.argv[0] === 'nope') throw new InvalidArgumentError('OCI runtime create failed: exec: "nope": executable file not found in $PATH');
    this.status = 'running';
    const prog = this.argv[0];
    setImmediate(() => {
      if (prog === 'echo') {
        this.emit('stdout', `${this.argv.slice(1).join(' ')}\n`);
        this.finish(0);
      } else if (prog === 'out-err') {
        this.emit('stdout', 'out\n');
        this.emit('stderr', 'err\n');
        this.finish(7);
      } else if (prog === 'flood') {
        this.emit('stdout', 'x'.repeat(5 * 1024 * 1024));
      } else if (prog === 'exit') {
        this.finish(Number(this.argv[1] ?? 0));
      }
    });
  }
  emit(stream: 'stdout' | 'stderr', s: string): void {
    const data = Buffer.from(s);
    this.logs.push({ stream, time: rfc3339Nano(new Date()), line: data });
    for (const l of this.listeners) l({ stream, data });
  }
  finish(code: number): void {
    if (this.status === 'exited') return;
    this.status = 'exited';
    this.exit.resolve({ exitCode: code, finishedAt: rfc3339Nano(new Date()), oomKilled: false });
  }
  subscribe(listener: (c: OutputChunk) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  wait(): Promise<ExitStatus> {
    return this.exit.promise;
  }
  async kill(signal: string | number = 9): Promise<void> {
    const n = typeof signal === 'number' ? signal : signal.replace(/^SIG/, '') === 'KILL' ? 9 : signal.replace(/^SIG/, '') === 'TERM' ? 15 : Number(signal) || 10;
    this.signals.push(n);
    if (this.status === 'exited') throw new Error('process already finished');
    if (n === 15 && this.ignoreTerm) return;
    if (n === 9 || n === 15 || n === 2) setImmediate(() => this.finish(128 + n));
  }
  async writeStdin(data: Buffer): Promise<void> {
    if (this.argv[0] === 'cat') this.emit('stdout', data.toString());
  }
  async closeStdin(): Promise<void> {
    if (this.argv[0] === 'cat') setImmediate(() => this.finish(0));
  }
  detach(): void {
    this.detached = true;
  }
  readonly sizes: [number, number][] = [];
  async resize(rows: number, cols: number): Promise<void> {
    this.sizes.push([rows, cols]);
  }
  readonly flow: string[] = [];
  pauseOutput(): void {
    this.flow.push('pause');
  }
  resumeOutput(): void {
    this.flow.push('resume');
  }
}

export class FakeRuntime implements ContainerRuntime {
  readonly tasks = new Map<string, FakeTask>();
  readonly logs = new Map<string, LogEntry[]>();
  /** What reconnect answers after a simulated daemon restart. */
  readonly survivors = new Map<string, FakeTask | ExitStatus>();
  readonly deleted: string[] = [];

  async create(opts: CreateOptions): Promise<Task> {
    const argv = (opts.spec as RuntimeSpec).process!.args!;
    if (opts.logPath) await fs.writeFile(opts.logPath, '', { flag: 'a' });
    await fs.writeFile(path.join(opts.bundle, 'config.json'), JSON.stringify(opts.spec));
    const key = opts.logPath ?? `nolog:${opts.id}`;
    const logs = this.logs.get(key) ?? [];
    this.logs.set(key, logs);
    const t = new FakeTask(opts.id, opts.bundle, argv, logs, argv.includes('--ignore-term'));
    this.tasks.set(opts.id, t);
    return t;
  }
  async reconnect(id: string, _bundle: string): Promise<Task | ExitStatus> {
    const s = this.survivors.get(id);
    if (!s) throw new NotFoundError(`container ${id}: no shim`);
    return s;
  }
  async delete(id: string): Promise<void> {
    this.deleted.push(id);
  }
  async exec(opts: ExecOptions): Promise<Task> {
    const argv = opts.process.args ?? [];
    if (opts.process.cwd === '/no/such/dir') {
      throw new InternalError('OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/no/such/dir") set in config.json failed: no such file or directory: unknown');
    }
    return new FakeTask(opts.id, opts.dir, argv, []);
  }
  readonly paused = new Set<string>();
  async pause(id: string): Promise<void> {
    this.paused.add(id);
  }
  async resume(id: string): Promise<void> {
    this.paused.delete(id);
  }
  /** Live limits given to `update`, per container. */
  readonly updates = new Map<string, ResourceLimits>();
  async update(id: string, limits: ResourceLimits): Promise<void> {
    this.updates.set(id, limits);
  }
}

/** Hooks without mounts, spec files or log files: everything stays in memory. */
export function fakeHooks(runtime: FakeRuntime): Partial<ServiceHooks> & { mounted: Set<string> } {
  const mounted = new Set<string>();
  return {
    mounted,
    mounter: {
      async mount(_m, target) {
        mounted.add(target);
      },
      async unmount(target) {
        mounted.delete(target);
      },
    },
    async buildSpec(input) {
      return { ociVersion: '1.0.2', process: { args: [...(input.entrypoint ?? []), ...(input.cmd ?? [])], cwd: '/' }, root: { path: input.rootfs } } as RuntimeSpec;
    },
    async writeContainerFiles() {},
    async *readLogs(file: string, opts: ReadLogsOptions = {}) {
      let entries = (runtime.logs.get(file) ?? []).filter(
        (e) => (e.stream === 'stdout' && opts.stdout !== false) || (e.stream === 'stderr' && opts.stderr !== false),
      );
      if (typeof opts.tail === 'number' && opts.tail >= 0) entries = entries.slice(entries.length - opts.tail);
      for (const e of entries) yield e;
    },
  };
}
