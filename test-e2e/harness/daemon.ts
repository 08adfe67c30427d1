import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeTreeSync } from '@berth/fs';
import { rawRequest } from './http';
import { cleanUpLeaks, findLeaks, hasLeaks, Leaks } from './leaks';
import type { NetNs } from './netns';
import { berthdBin } from './paths';

export interface DaemonOptions {
  /** Extra `-H` hosts besides the unix socket (e.g. tcp://127.0.0.1:PORT). */
  extraHosts?: string[];
  /** More berthd arguments (TLS flags, --runtime, ...). */
  args?: string[];
  /** The unix socket's path; default `berthd.sock` in the daemon's temp dir. */
  socketPath?: string;
  /** The data root; default `root` in the daemon's temp dir (e.g. a dir on a small tmpfs the test mounted). */
  dataRoot?: string;
  /** How long start may take before it counts as a failure. */
  startTimeoutMs?: number;
  /**
   * Run berthd inside this network namespace (`nsenter --net=…`): required for every test that
   * gives containers a network (BRIEF: network safety). The test deletes it after dispose().
   */
  netns?: NetNs;
  /** Serve the CRI at `cri.sock` in the daemon's temp dir (default: no CRI endpoint, never berthd's /run/berth/cri.sock). */
  cri?: boolean;
  /**
   * berthd's `--config-file` (a daemon.json); default '' (none): a test daemon never reads the
   * machine's /etc/berth/daemon.json.
   */
  configFile?: string;
  /** Environment added to berthd's (e.g. `TZ`, the zone of the times it writes in local time). */
  env?: NodeJS.ProcessEnv;
}

let counter = 0;

/**
 * A real berthd child process on its own unix socket and data root, in a temp dir of its own.
 *
 *   const d = await BerthDaemon.start();
 *   ... d.host (unix://...), d.socketPath, d.dataRoot ...
 *   await d.dispose();   // force-removes containers, SIGTERM, asserts nothing leaked, deletes the dir
 */
export class BerthDaemon {
  /** The temp dir holding the data root, the log and (by default) the socket. */
  readonly dir: string;
  readonly dataRoot: string;
  readonly socketPath: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private readonly opts: DaemonOptions;

  private constructor(opts: DaemonOptions) {
    this.opts = opts;
    // short path: a unix socket path must stay under 108 bytes
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `be2e-${process.pid}-${++counter}-`));
    this.dataRoot = opts.dataRoot ?? path.join(this.dir, 'root');
    this.socketPath = opts.socketPath ?? path.join(this.dir, 'berthd.sock');
    this.logPath = path.join(this.dir, 'berthd.log');
  }

  /** Starts berthd and waits until `GET /_ping` answers 200. */
  static async start(opts: DaemonOptions = {}): Promise<BerthDaemon> {
    const d = new BerthDaemon(opts);
    try {
      await d.startProcess();
    } catch (e) {
      await d.kill9().catch(() => undefined);
      cleanUpLeaks(d.roots, d.runtimeStateDir);
      d.removeExecRoot();
      removeTreeSync(d.dir);
      throw e;
    }
    return d;
  }

  /** `unix:///.../berthd.sock`, for DOCKER_HOST and BERTH_HOST. */
  get host(): string {
    return `unix://${this.socketPath}`;
  }

  /** `unix:///.../cri.sock`: the CRI endpoint when started with `cri: true`. */
  get criAddress(): string {
    return `unix://${path.join(this.dir, 'cri.sock')}`;
  }

  private execRootSeen?: string;
  /**
   * berthd's exec root (runtime state off the data root: the runtimes' --root, shims' files, exec
   * dirs), as its `berthd started` line says (a default derived from the data root, or
   * `--exec-root` in args); undefined before a start logged it.
   */
  get execRoot(): string | undefined {
    if (this.execRootSeen === undefined) {
      const m = /"execRoot":("(?:[^"\\]|\\.)*")/.exec(this.log());
      if (m) this.execRootSeen = JSON.parse(m[1]!) as string;
    }
    return this.execRootSeen;
  }

  /** The data root and the exec root: where a leak check looks for processes and mounts. */
  get roots(): string[] {
    return this.execRoot ? [this.dataRoot, this.execRoot] : [this.dataRoot];
  }

  /** The OCI runtimes' state dir, on the exec root: `runtime/<runc|crun>` are their `--root`s (see leaks.ts). */
  get runtimeStateDir(): string {
    return path.join(this.execRoot ?? path.join(this.dataRoot, 'no-exec-root-yet'), 'runtime');
  }

  /** The exec root goes with the temp dir (a daemon stopped with running containers keeps it). */
  private removeExecRoot(): void {
    if (this.execRoot) removeTreeSync(this.execRoot);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The daemon's own output (stdout and stderr), for failure messages. */
  log(): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(lines = 40): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }

  /** The command-line arguments berthd is started with. */
  args(): string[] {
    const hosts = [this.host, ...(this.opts.extraHosts ?? [])];
    return [
      '--data-root',
      this.dataRoot,
      ...hosts.flatMap((h) => ['-H', h]),
      '--config-file',
      this.opts.configFile ?? '',
      '--log-level',
      'debug',
      '--cri-socket',
      this.opts.cri ? this.criAddress : '',
      // network safety: outside a namespace of the test's own, no default bridge (dockerd -b none)
      ...(this.opts.netns ? [] : ['--bridge', 'none']),
      ...(this.opts.args ?? []),
    ];
  }

  private async startProcess(): Promise<void> {
    const log = fs.openSync(this.logPath, 'a');
    fs.writeSync(log, `--- berthd ${this.args().join(' ')} at ${new Date().toISOString()}\n`);
    // nsenter execs node in place: the child's pid is berthd's
    const [cmd, ...argv] = [...(this.opts.netns?.prefix ?? []), process.execPath, berthdBin, ...this.args()] as [string, ...string[]];
    const child = spawn(cmd, argv, {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.opts.env },
    });
    fs.closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.on('error', () => undefined);
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    for (;;) {
      if (!this.running) {
        const { code, signal } = await this.exited;
        throw new Error(`berthd exited at start (${code ?? signal}):\n${this.logTail()}`);
      }
      // the socket answers before berthd logs its `berthd started` line (execRoot reads it)
      if (await this.ping()) {
        while (!this.log().includes('"msg":"berthd started"') && this.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return;
      }
      if (Date.now() > deadline) throw new Error(`berthd did not answer /_ping in time:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** True when `GET /_ping` on the unix socket answers 200 `OK`. */
  async ping(): Promise<boolean> {
    try {
      const res = await rawRequest(this.socketPath, { path: '/_ping', timeoutMs: 2000 });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** SIGTERM, and wait for the exit (SIGKILL after timeoutMs, which then throws). */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.child || !this.exited) throw new Error('berthd was not started');
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const res = await Promise.race([this.exited, timer]);
    if (res === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`berthd did not exit within ${timeoutMs} ms of SIGTERM:\n${this.logTail()}`);
    }
    return res;
  }

  /** `kill -9` the daemon (a crash): shims and containers are left to fend for themselves. */
  async kill9(): Promise<void> {
    if (!this.child || !this.exited || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Starts berthd again on the same data root and socket. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.startProcess();
  }

  /** What is left behind under the data root right now. */
  leaks(): Leaks {
    return findLeaks(this.roots, this.runtimeStateDir);
  }

  /** Removes every container (force) through the API, while the daemon runs: berth's own and the CRI's (namespaced) ones. */
  async removeAllContainers(): Promise<void> {
    if (!this.running) return;
    const namespaced = encodeURIComponent(JSON.stringify({ label: ['io.berth.namespace'] }));
    const all: { Id: string }[] = [];
    for (const p of ['/containers/json?all=1', `/containers/json?all=1&filters=${namespaced}`]) {
      const res = await rawRequest(this.socketPath, { path: p });
      if (res.status === 200 && Array.isArray(res.json)) all.push(...(res.json as { Id: string }[]));
    }
    for (const c of all) {
      await rawRequest(this.socketPath, { method: 'DELETE', path: `/containers/${c.Id}?force=1&v=1` }).catch(
        () => undefined,
      );
    }
  }

  /**
   * End of a test file: force-remove all containers, SIGTERM, then check that no mount, runtime
   * container or process is left under the data root. Cleans up whatever leaked (so the machine
   * stays usable) and then throws, listing it; removes the temp dir.
   */
  async dispose(): Promise<void> {
    const problems: string[] = [];
    let logTail = '';
    try {
      await this.removeAllContainers();
      if (this.child) {
        const res = await this.stop();
        if (res.code !== 0) problems.push(`berthd exited with ${res.code ?? res.signal} on SIGTERM`);
      }
      // the runtime may need a moment to reap after the daemon is gone
      let leaks = this.leaks();
      for (let i = 0; i < 20 && hasLeaks(leaks); i++) {
        await new Promise((r) => setTimeout(r, 100));
        leaks = this.leaks();
      }
      if (hasLeaks(leaks)) problems.push(`left behind after SIGTERM: ${JSON.stringify(leaks, null, 1)}`);
    } catch (e) {
      problems.push(String(e));
    } finally {
      await this.kill9().catch(() => undefined);
      if (problems.length) logTail = this.logTail(); // before the dir (and the log in it) goes
      cleanUpLeaks(this.roots, this.runtimeStateDir);
      this.removeExecRoot();
      removeTreeSync(this.dir); // a container's tree can go past PATH_MAX (node's rmSync: ENAMETOOLONG)
    }
    if (problems.length) throw new Error(`${problems.join('\n')}\n--- berthd log tail\n${logTail}`);
  }
}
