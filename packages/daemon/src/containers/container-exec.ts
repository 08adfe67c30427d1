import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { ConflictError, InvalidArgumentError, messageOf, NotFoundError, publicMessage } from '@berth/errdefs';
import { buildExecProcess, type Task } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import type { Attachment } from './container-service';
import { checkRunning } from './container-state';
import { detachKeysOf, pumpClientInput } from './detach-keys';
import { execInspect, newExecSession, validateExecConfig, type ExecInspect, type ExecSession } from './exec-session';
import { outputPieces, writePieces } from './log-frames';
import type { OutputSink } from './stream-hub';
import { throttle } from './throttle-output';

/**
 * `docker exec`: the sessions (in memory, as docker's), their processes on the runtime's exec
 * shim and their attached streams.
 */
export class ContainerExecs {
  private readonly execs = new Map<string, ExecSession>();

  constructor(private readonly ctx: ContainerContext) {}

  async execCreate(ref: string, body: unknown): Promise<{ Id: string }> {
    const config = validateExecConfig(body);
    const e = this.ctx.mustGet(ref);
    checkRunning(e.rec.id, e.rec.state.status);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, newExecSession(id, e.rec.id, config));
    this.ctx.emit(e, `exec_create: ${config.cmd.join(' ')}`, { execID: id });
    return { Id: id };
  }

  private mustGetExec(id: string): ExecSession {
    const s = this.execs.get(id);
    if (!s) throw new NotFoundError(`No such exec instance: ${id}`);
    return s;
  }

  /**
   * `opts.tty` is the start request's `Tty`: docker frames the stream by it (raw when true,
   * multiplexed when false), whatever the create said; the process's TTY is the create's.
   */
  async execStart(execId: string, opts: { detach?: boolean; tty?: boolean; consoleSize?: { height: number; width: number } } = {}): Promise<Attachment | undefined> {
    const s = this.mustGetExec(execId);
    if (s.status === 'running') throw new ConflictError(`Error: Exec command ${execId} is already running`);
    if (s.status === 'exited') throw new ConflictError(`Error: Exec command ${execId} has already run`);
    const e = this.ctx.entries.get(s.containerId);
    if (!e) throw new NotFoundError(`No such container: ${s.containerId}`);
    checkRunning(e.rec.id, e.rec.state.status);
    s.status = 'running';
    // API 1.42: the start request's ConsoleSize is the TTY's first size
    if (opts.consoleSize) s.config.consoleSize = opts.consoleSize;
    if (opts.detach) {
      try {
        await this.runExec(e, s);
      } finally {
        if ((s.status as ExecSession['status']) === 'exited') s.hub.finish();
      }
      return undefined;
    }
    const framing = { raw: opts.tty ?? s.config.tty };
    return { tty: framing.raw, connect: (conn) => this.connectExec(e, s, conn, framing.raw) };
  }

  /** Runs the exec's process; on failure records exit 126 and rethrows (the hub is left to the caller). */
  private async runExec(e: Entry, s: ExecSession): Promise<void> {
    const id = e.rec.id;
    const dir = this.ctx.layout.execDir(id, s.id); // on the exec root: an exec works on a full data root
    let task: Task | undefined;
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const times: Record<string, number> = {};
    try {
      const spec = JSON.parse(await fs.readFile(path.join(this.ctx.layout.containerDir(id), 'config.json'), 'utf8'));
      const proc = await buildExecProcess(spec, {
        cmd: s.config.cmd,
        env: s.config.env,
        user: s.config.user || undefined,
        workingDir: s.config.workingDir || undefined,
        tty: s.config.tty,
        consoleSize: s.config.consoleSize,
        privileged: s.config.privileged,
      });
      times.process = ms();
      // runAtOnce: the process runs while the shim connection is made; output waits for start()
      task = await this.ctx.runtimeFor(e).exec({ id, dir, process: proc, openStdin: s.config.attachStdin, runAtOnce: true });
      times.running = ms();
      s.hub.bind(task);
      await task.start();
      times.started = ms();
    } catch (err) {
      if (task) {
        await task.kill('KILL').catch(() => undefined);
        task.detach();
      }
      s.status = 'exited';
      // docker's translateContainerdStartErr: the command named and not found (runc: `exec: "x":
      // executable file not found in $PATH`; crun: "executable file `x` not found in $PATH: no such file or directory")
      const msg = messageOf(err);
      s.exitCode = msg.includes(s.config.cmd[0] ?? '') && /executable file not found|no such file or directory/i.test(msg) ? 127 : 126;
      s.resolveDone();
      this.forgetExecLater(s);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    s.task = task;
    s.pid = task.pid;
    this.ctx.emit(e, `exec_start: ${s.config.cmd.join(' ')}`, { execID: s.id });
    void task
      .wait()
      .then(
        (exit) => exit.exitCode,
        () => 126,
      )
      .then(async (code) => {
        this.ctx.log.debug({ id, exec: s.id, ...times, exited: ms() }, 'exec exited');
        s.status = 'exited';
        s.exitCode = code;
        s.task = undefined;
        s.hub.finish();
        this.ctx.emit(e, 'exec_die', { execID: s.id, exitCode: String(code) });
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        s.resolveDone();
        this.forgetExecLater(s);
      });
  }

  private async connectExec(e: Entry, s: ExecSession, conn: Duplex, tty: boolean): Promise<void> {
    let detached = false;
    let removeSink = (): void => undefined;
    if (s.config.attachStdin) {
      // docker scans for the detach keys when the exec has a TTY (its create's Tty)
      const keys = s.config.tty ? detachKeysOf(s.config.detachKeys, 'escape') : undefined;
      pumpClientInput(conn, {
        ...(keys ? { detachKeys: keys } : {}),
        write: (d) => s.hub.writeStdin(d),
        whenDrained: (r) => s.hub.whenStdinDrained(r),
        end: () => s.hub.closeStdin(),
        detach: () => {
          // the stream ends; the process runs on with its stdin open (docker: exec_detach)
          detached = true;
          removeSink();
          this.ctx.emit(e, 'exec_detach', { execID: s.id });
          conn.end();
        },
      });
    } else {
      conn.on('data', () => undefined);
    }
    conn.resume();
    let closed = false;
    const gone = new Promise<void>((resolve) =>
      conn.on('close', () => {
        closed = true;
        resolve();
      }),
    );
    const sink: OutputSink = {
      write: (c) => {
        if (tty || (c.stream === 'stdout' && s.config.attachStdout) || (c.stream === 'stderr' && s.config.attachStderr)) {
          writePieces(conn, outputPieces(c, tty));
          throttle(s.hub, sink, conn);
        }
      },
      end: () => conn.end(),
    };
    removeSink = s.hub.add(sink);
    try {
      await this.runExec(e, s);
    } catch (err) {
      // docker: the runtime's message as output, then the stream closes; inspect says 126.
      this.ctx.log.debug({ id: e.rec.id, execID: s.id, err: messageOf(err) }, 'exec: the process did not start');
      const text = Buffer.from(`${publicMessage(err, this.ctx.layout.hostPaths)}\r\n`);
      writePieces(conn, outputPieces({ stream: 'stdout', data: text }, tty));
      s.hub.finish();
      return;
    }
    await Promise.race([s.done, gone]);
    if (closed && !detached && s.status === 'running' && s.config.attachStdin) s.hub.closeStdin();
  }

  async execInspect(execId: string): Promise<ExecInspect> {
    return execInspect(this.mustGetExec(execId));
  }

  async execResize(execId: string, height: number, width: number): Promise<void> {
    const s = this.mustGetExec(execId);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new InvalidArgumentError('resize: height and width must be non-negative integers');
    }
    if (s.task && s.config.tty && height > 0 && width > 0) await s.task.resize(height, width);
  }

  /** Exited sessions are kept for inspection a while, as docker does, then forgotten. */
  private forgetExecLater(s: ExecSession): void {
    if (s.gcTimer) clearTimeout(s.gcTimer);
    s.gcTimer = setTimeout(() => this.execs.delete(s.id), 5 * 60_000);
    s.gcTimer.unref?.();
  }

  /** The container is gone: its sessions go with it. */
  forgetExecsOf(containerId: string): void {
    for (const s of [...this.execs.values()]) {
      if (s.containerId !== containerId) continue;
      if (s.gcTimer) clearTimeout(s.gcTimer);
      s.hub.endAll();
      this.execs.delete(s.id);
    }
  }

  /** inspect's ExecIDs. */
  execIdsOf(containerId: string): string[] | null {
    const ids = [...this.execs.values()].filter((s) => s.containerId === containerId).map((s) => s.id);
    return ids.length ? ids : null;
  }

  /** Daemon stop: clients get their FIN, the processes keep running under their shims. */
  detachAll(): void {
    for (const s of this.execs.values()) {
      if (s.gcTimer) clearTimeout(s.gcTimer);
      s.hub.endAll();
      s.task?.detach();
    }
  }
}
