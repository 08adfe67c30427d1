import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CancelledError,
  ConflictError,
  InternalError,
  InvalidArgumentError,
  UnavailableError,
} from '@berth/errdefs';
import type { ExitStatus, Logger, OutputChunk } from './types';
import type { Task } from './task';
import { encodeFrame, FrameDecoder, FrameType, MAX_REQUEST_PAYLOAD, STDIN_WINDOW } from './shim-protocol';
import { parseExitDocument, readExitFile, nowRfc3339Nano } from './exit-file';
import { startError } from './start-error';
import { parseSignal } from './signals';

export interface ShimHello {
  state: 'creating' | 'created' | 'running' | 'exited' | 'failed';
  pid: number;
  shimPid: number;
  /** The shim acknowledges stdin ('i'), so the daemon keeps to STDIN_WINDOW. */
  stdinAck?: boolean;
}

/** What a task needs from its runtime when the shim vanished. */
export interface TaskCleanup {
  forceDelete(id: string): Promise<void>;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): { promise: Promise<T> } & Waiter<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Connects to a unix socket; long paths go through a short symlink (sun_path is 108 bytes). */
export async function connectUnix(socketPath: string, signal?: AbortSignal): Promise<net.Socket> {
  let connectPath = socketPath;
  let linkDir: string | undefined;
  if (Buffer.byteLength(socketPath) > 100) {
    linkDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-sock-'));
    await fs.symlink(path.dirname(socketPath), path.join(linkDir, 'b'));
    connectPath = path.join(linkDir, 'b', path.basename(socketPath));
  }
  try {
    return await new Promise<net.Socket>((resolve, reject) => {
      const sock = net.createConnection(connectPath);
      const onAbort = (): void => {
        sock.destroy();
        reject(new CancelledError('shim connection: aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(sock);
      });
      sock.once('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      });
    });
  } finally {
    if (linkDir) await fs.rm(linkDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A Task backed by a berth-shim connection. */
export class ShimTask implements Task {
  pid = -1;
  shimPid = -1;
  status: 'created' | 'running' | 'exited' = 'created';
  /** The shim's state when we connected (reconnect uses it). */
  hello?: ShimHello;
  failure?: string;
  /** What a failure message is about: the container's create/start, or an exec. */
  verb: 'create' | 'exec' = 'create';

  private readonly listeners = new Set<(c: OutputChunk) => void>();
  private readonly decoder: FrameDecoder;
  private readonly exit = deferred<ExitStatus>();
  /** The process's exit, told before the runtime's delete ('w'); settles with `exit` otherwise. */
  private readonly early = deferred<ExitStatus>();
  private earlyStatus?: ExitStatus;
  private readonly helloWaiter = deferred<ShimHello>();
  private createdWaiter?: Waiter<void>;
  private startWaiter?: Waiter<void>;
  private readonly killWaiters: Waiter<void>[] = [];
  private finalStatus?: ExitStatus;
  private detached = false;
  /** runAtOnce: output held until start() (the process runs before the caller subscribes). */
  private held?: OutputChunk[];
  private displaced = false;
  private closed = false;
  /** Stdin window (shims with stdinAck): bytes sent and not yet acknowledged, and who waits for room. */
  private stdinAck = false;
  private stdinInFlight = 0;
  private stdinRoom: (() => void)[] = [];

  private constructor(
    readonly id: string,
    readonly bundle: string,
    private readonly socket: net.Socket,
    private readonly cleanup: TaskCleanup,
    private readonly logger: Logger,
    holdOutput = false,
  ) {
    if (holdOutput) this.held = [];
    this.exit.promise.catch(() => undefined);
    this.early.promise.catch(() => undefined);
    this.exit.promise.then(
      (st) => this.early.resolve(st),
      (e: unknown) => this.early.reject(e),
    );
    this.helloWaiter.promise.catch(() => undefined);
    this.decoder = new FrameDecoder(
      (t, p) => this.onFrame(t, p),
      (t) => t === FrameType.Stdout || t === FrameType.Stderr,
    );
    socket.on('data', (c: Buffer) => {
      try {
        this.decoder.push(c);
      } catch (e) {
        // A malformed message means we no longer understand the shim: drop the connection.
        this.logger.error({ id, err: (e as Error).message }, 'bad message from the shim');
        socket.destroy();
      }
    });
    socket.on('error', (e) => this.logger.debug({ id, err: e.message }, 'shim socket error'));
    socket.on('close', () => void this.onClose());
  }

  /** Connects to the shim of container `id` and waits for its hello. */
  static async connect(
    id: string,
    bundle: string,
    cleanup: TaskCleanup,
    logger: Logger,
    signal?: AbortSignal,
    holdOutput = false,
  ): Promise<ShimTask> {
    const sock = await connectUnix(path.join(bundle, 'shim.sock'), signal);
    const task = new ShimTask(id, bundle, sock, cleanup, logger, holdOutput);
    sock.write(encodeFrame(FrameType.Attach));
    const hello = await task.helloWaiter.promise;
    task.hello = hello;
    return task;
  }

  /** Resolves once the runtime has created the container; rejects with the runtime's error. */
  waitCreated(): Promise<void> {
    const h = this.hello;
    if (h && h.state !== 'creating' && h.state !== 'failed') return Promise.resolve();
    if (this.failure !== undefined) return Promise.reject(startError(this.failure, this.verb));
    const d = deferred<void>();
    this.createdWaiter = d;
    return d.promise;
  }

  private onFrame(type: number, payload: Buffer): void {
    switch (type) {
      case FrameType.Stdout:
      case FrameType.Stderr: {
        const chunk: OutputChunk = { stream: type === FrameType.Stdout ? 'stdout' : 'stderr', data: payload };
        if (this.held) {
          this.held.push(chunk);
          return;
        }
        this.deliver(chunk);
        return;
      }
      case FrameType.Hello: {
        const h = JSON.parse(payload.toString('utf8')) as ShimHello;
        this.pid = h.pid;
        this.shimPid = h.shimPid;
        if (h.state === 'running') this.status = 'running';
        this.stdinAck = h.stdinAck === true;
        this.helloWaiter.resolve(h);
        return;
      }
      case FrameType.StdinTaken: {
        this.stdinInFlight = Math.max(0, this.stdinInFlight - (Number(payload.toString('utf8')) || 0));
        this.wakeStdinWriters();
        return;
      }
      case FrameType.Created: {
        const c = JSON.parse(payload.toString('utf8')) as { pid: number };
        this.pid = c.pid;
        this.createdWaiter?.resolve();
        this.createdWaiter = undefined;
        return;
      }
      case FrameType.Started:
        this.status = 'running';
        this.startWaiter?.resolve();
        this.startWaiter = undefined;
        return;
      case FrameType.Failed: {
        this.failure = payload.toString('utf8');
        const err = startError(this.failure, this.verb);
        this.createdWaiter?.reject(err);
        this.createdWaiter = undefined;
        this.startWaiter?.reject(err);
        this.startWaiter = undefined;
        return;
      }
      case FrameType.ProcessExited: {
        const doc = parseExitDocument(payload.toString('utf8'));
        if (doc && !this.earlyStatus) {
          this.earlyStatus = { exitCode: doc.exitCode, finishedAt: doc.finishedAt, oomKilled: doc.oomKilled };
          this.status = 'exited';
          this.early.resolve(this.earlyStatus);
        }
        return;
      }
      case FrameType.Exited: {
        const doc = parseExitDocument(payload.toString('utf8'));
        if (doc) this.setExited({ exitCode: doc.exitCode, finishedAt: doc.finishedAt, oomKilled: doc.oomKilled });
        return;
      }
      case FrameType.KillResult: {
        const w = this.killWaiters.shift();
        const errno = Number(payload.toString('utf8'));
        if (!w) return;
        if (errno === 0) w.resolve();
        else if (errno === os.constants.errno.ESRCH) w.reject(new ConflictError(`container ${this.id}: is not running`));
        else if (errno === os.constants.errno.EINVAL) w.reject(new InvalidArgumentError(`container ${this.id}: invalid signal`));
        else w.reject(new InternalError(`container ${this.id}: kill failed: errno ${errno}`));
        return;
      }
      case FrameType.Error: {
        const msg = payload.toString('utf8');
        if (this.startWaiter && msg.startsWith('start:')) {
          this.startWaiter.reject(new ConflictError(`container ${this.id}: ${msg.slice(6).trim()}`));
          this.startWaiter = undefined;
        } else this.logger.warn({ id: this.id, msg }, 'shim reported an error');
        return;
      }
      case FrameType.Displaced:
        // Another connection took the shim over: the container is fine, this task is not ours now.
        this.displaced = true;
        return;
      default:
        this.logger.debug({ id: this.id, type }, 'unknown shim frame');
    }
  }

  private deliver(chunk: OutputChunk): void {
    for (const l of this.listeners) {
      try {
        l(chunk);
      } catch (e) {
        this.logger.warn({ id: this.id, err: (e as Error).message }, 'output listener threw');
      }
    }
  }

  /** runAtOnce: hands the held output to the subscribers and lets the rest through. */
  private releaseHeld(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    for (const c of held) this.deliver(c);
  }

  private setExited(status: ExitStatus): void {
    if (this.finalStatus) return;
    this.finalStatus = status;
    this.status = 'exited';
    this.exit.resolve(status);
  }

  private wakeStdinWriters(): void {
    const room = this.stdinRoom;
    this.stdinRoom = [];
    for (const r of room) r();
  }

  private async onClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeStdinWriters(); // their send() fails now
    const gone = new UnavailableError(`container ${this.id}: shim connection closed`);
    this.helloWaiter.reject(gone);
    for (const w of this.killWaiters.splice(0)) w.reject(new ConflictError(`container ${this.id}: is not running`));
    if (this.detached || this.displaced || this.finalStatus || (await this.shimStillRunning())) {
      this.createdWaiter?.reject(gone);
      this.startWaiter?.reject(gone);
      if (!this.finalStatus) {
        this.exit.reject(
          new UnavailableError(`container ${this.id}: ${this.detached ? 'task detached' : 'shim connection taken over by another client'}`),
        );
      }
      return;
    }
    // The shim went away without telling us how the process ended: exit.json, or dead (255).
    const file = await readExitFile(this.bundle);
    if (file?.error !== undefined || this.failure !== undefined) {
      const err = startError(file?.error ?? this.failure ?? 'unknown error', this.verb);
      this.createdWaiter?.reject(err);
      this.startWaiter?.reject(err);
    } else {
      this.createdWaiter?.reject(gone);
      this.startWaiter?.reject(gone);
    }
    this.createdWaiter = this.startWaiter = undefined;
    if (file) {
      this.setExited({ exitCode: file.exitCode, finishedAt: file.finishedAt, oomKilled: file.oomKilled });
      return;
    }
    if (!this.earlyStatus) this.logger.warn({ id: this.id }, 'shim vanished without an exit status; reporting the container dead');
    else this.logger.warn({ id: this.id }, 'shim vanished while deleting the runtime container; deleting it');
    await this.cleanup.forceDelete(this.id).catch((e: unknown) =>
      this.logger.error({ id: this.id, err: (e as Error).message }, 'runtime delete failed'),
    );
    this.setExited(this.earlyStatus ?? { exitCode: 255, finishedAt: nowRfc3339Nano(), oomKilled: false });
  }

  /** After an unexpected close: is the shim process still there (for longer than a moment)? */
  private async shimStillRunning(): Promise<boolean> {
    if (this.shimPid <= 0) return false;
    for (let i = 0; i < 40; i++) {
      let cmdline: string;
      try {
        cmdline = await fs.readFile(`/proc/${this.shimPid}/cmdline`, 'utf8');
      } catch {
        return false;
      }
      // a zombie has an empty cmdline; the shim is done
      if (!cmdline.includes('berth-shim') || !cmdline.includes(this.id)) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  private send(frame: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) {
      return Promise.reject(new ConflictError(`container ${this.id}: is not running`));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(frame, (err) => (err ? reject(new UnavailableError(`container ${this.id}: shim: ${err.message}`)) : resolve()));
    });
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.held) {
      // runAtOnce: the process already ran (it may even have exited); its output flows from now
      if (this.failure !== undefined) throw startError(this.failure, this.verb);
      this.releaseHeld();
      if (this.status === 'created') this.status = 'running';
      return;
    }
    if (this.status === 'running') return;
    if (this.status === 'exited') throw new ConflictError(`container ${this.id}: has exited`);
    if (this.failure !== undefined) throw startError(this.failure, this.verb);
    if (signal?.aborted) throw new CancelledError(`container ${this.id}: start aborted`);
    const d = deferred<void>();
    this.startWaiter = d;
    await this.send(encodeFrame(FrameType.Start));
    if (!signal) return d.promise;
    const onAbort = (): void => d.reject(new CancelledError(`container ${this.id}: start aborted`));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await d.promise;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  subscribe(listener: (chunk: OutputChunk) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  wait(): Promise<ExitStatus> {
    return this.exit.promise;
  }

  exited(): Promise<ExitStatus> {
    return this.early.promise;
  }

  async kill(signal?: string | number): Promise<void> {
    const n = parseSignal(signal);
    if (this.status === 'exited') throw new ConflictError(`container ${this.id}: is not running`);
    const d = deferred<void>();
    this.killWaiters.push(d);
    try {
      await this.send(encodeFrame(FrameType.Kill, String(n)));
    } catch (e) {
      const i = this.killWaiters.indexOf(d);
      if (i >= 0) this.killWaiters.splice(i, 1);
      throw e;
    }
    return d.promise;
  }

  /**
   * Hands stdin to the shim, a frame at a time; with a shim that acknowledges, no more than
   * STDIN_WINDOW bytes are ever unacknowledged: this resolves only when the process (or the pipe)
   * has taken enough of them, so a slow reader pushes back to the caller (and its client).
   */
  async writeStdin(data: Buffer): Promise<void> {
    for (let off = 0; off < data.length; off += MAX_REQUEST_PAYLOAD) {
      const chunk = data.subarray(off, off + MAX_REQUEST_PAYLOAD);
      while (this.stdinAck && !this.closed && this.stdinInFlight > 0 && this.stdinInFlight + chunk.length > STDIN_WINDOW) {
        await new Promise<void>((resolve) => this.stdinRoom.push(resolve));
      }
      if (this.stdinAck) this.stdinInFlight += chunk.length;
      await this.send(encodeFrame(FrameType.Stdin, chunk));
    }
  }

  async closeStdin(): Promise<void> {
    await this.send(encodeFrame(FrameType.CloseStdin));
  }

  pauseOutput(): void {
    this.socket.pause();
  }

  resumeOutput(): void {
    this.socket.resume();
  }

  async resize(rows: number, cols: number): Promise<void> {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 65535 || cols > 65535) {
      throw new InvalidArgumentError(`container ${this.id}: invalid tty size ${rows}x${cols}`);
    }
    const b = Buffer.alloc(4);
    b.writeUInt16BE(rows, 0);
    b.writeUInt16BE(cols, 2);
    await this.send(encodeFrame(FrameType.Resize, b));
  }

  detach(): void {
    this.detached = true;
    this.socket.destroy();
  }

  /** True once the task's shim connection is gone or the process exited. */
  get done(): boolean {
    return this.closed || this.finalStatus !== undefined;
  }
}
