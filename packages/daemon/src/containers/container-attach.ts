import type { Duplex } from 'node:stream';
import { InvalidArgumentError, NotImplementedError, isNotFound, messageOf } from '@berth/errdefs';
import type { ContainerContext } from './container-context';
import { isActive, type Entry } from './container-entry';
import type { AttachOptions, Attachment, LogsOptions, LogsStream } from './container-service';
import { checkRunning } from './container-state';
import { runOver } from './container-waiters';
import { logEntryBytes, outputPieces, writePieces } from './log-frames';
import type { OutputSink } from './stream-hub';
import { throttle } from './throttle-output';
import { detachKeysOf, pumpClientInput } from './detach-keys';
import { parseTimeArg } from './timestamps';

/** A container's streams: attach (live output, stdin), logs (the json-file log) and TTY resize. */
export class ContainerAttach {
  constructor(private readonly ctx: ContainerContext) {}

  async attach(ref: string, opts: AttachOptions): Promise<Attachment> {
    const e = this.ctx.mustGet(ref);
    const tty = Boolean(e.rec.config.Tty);
    const keys = detachKeysOf(opts.detachKeys);
    return { tty, connect: (conn) => this.connectAttach(e, opts, tty, keys, conn) };
  }

  private async connectAttach(e: Entry, opts: AttachOptions, tty: boolean, keys: Buffer, conn: Duplex): Promise<void> {
    const ctx = this.ctx;
    const id = e.rec.id;
    ctx.emit(e, 'attach');
    const write = (b: Buffer): void => {
      if (!conn.destroyed && conn.writable) conn.write(b);
    };
    if (opts.logs) {
      try {
        for await (const entry of ctx.hooks.readLogs(ctx.layout.containerLog(id), { stdout: Boolean(opts.stdout), stderr: Boolean(opts.stderr) })) {
          write(logEntryBytes(entry, tty, false));
        }
      } catch (err) {
        if (!isNotFound(err) && (err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.warn({ id, err: messageOf(err) }, 'attach: replaying logs');
      }
    }
    if (!opts.stream || ctx.entries.get(id) !== e || e.doomed) {
      conn.end();
      return;
    }
    const wantStdin = Boolean(opts.stdin && e.rec.config.OpenStdin);
    let stdinDone = false;
    const closeStdin = (): void => {
      if (stdinDone) return;
      stdinDone = true;
      // docker (container/stream/attach.go): StdinOnce closes the container's stdin when the client's ends, but not for a TTY (a detached `run -it` shell stays usable)
      if (wantStdin && e.rec.config.StdinOnce && !tty) e.hub.closeStdin();
    };
    let detach = (): void => undefined;
    if (wantStdin) {
      // docker scans for the detach keys on TTY attaches only (container/stream/attach.go)
      pumpClientInput(conn, { ...(tty ? { detachKeys: keys } : {}), write: (d) => e.hub.writeStdin(d), whenDrained: (r) => e.hub.whenStdinDrained(r), end: closeStdin, detach: () => detach() });
    } else {
      conn.on('data', () => undefined); // read and drop: the client's FIN must still arrive
    }
    conn.resume();
    await new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        remove();
        closeStdin();
        resolve();
      };
      const sink: OutputSink = {
        write: (c) => {
          if (tty || (c.stream === 'stdout' && opts.stdout) || (c.stream === 'stderr' && opts.stderr)) {
            writePieces(conn, outputPieces(c, tty));
            throttle(e.hub, sink, conn);
          }
        },
        end: () => {
          conn.end();
          finish();
        },
      };
      const remove = e.hub.add(sink);
      conn.on('close', finish);
      detach = (): void => {
        // the stream ends, the container runs on (its stdin stays open, as for a TTY in docker)
        stdinDone = true;
        ctx.emit(e, 'detach');
        conn.end();
        finish();
      };
    });
  }

  async logs(ref: string, opts: LogsOptions): Promise<LogsStream> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    if (!opts.stdout && !opts.stderr) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
    if (e.rec.hostConfig.LogConfig?.Type === 'none') {
      throw new NotImplementedError('configured logging driver does not support reading');
    }
    const now = ctx.now();
    const since = parseTimeArg(opts.since, now);
    const until = parseTimeArg(opts.until, now);
    if (Number.isNaN(since) || Number.isNaN(until)) throw new InvalidArgumentError('invalid value for since/until: expected unix seconds or RFC3339');
    const tty = Boolean(e.rec.config.Tty);
    const follow = Boolean(opts.follow) && isActive(e.rec.state.status) && !e.doomed;
    const stopWhen = follow ? runOver(e) : undefined;
    const file = ctx.layout.containerLog(e.rec.id);
    const read = ctx.hooks.readLogs;
    const readBatches = ctx.hooks.readLogBatches;
    const timestamps = Boolean(opts.timestamps);
    async function* chunks(): AsyncGenerator<Buffer> {
      // No log yet (never started) reads as nothing: readLogs' own rule, which also knows the
      // moment of a rotation when only LOG.1 is there.
      const o = {
        stdout: Boolean(opts.stdout),
        stderr: Boolean(opts.stderr),
        since: since && since > 0 ? new Date(since) : undefined,
        until: until && until > 0 ? new Date(until) : undefined,
        tail: opts.tail,
        follow,
        signal: opts.signal,
        stopWhen,
      };
      if (readBatches) {
        // one write per batch: 100,000 small writes cost more than reading the file
        for await (const batch of readBatches(file, o)) {
          if (batch.length) yield Buffer.concat(batch.map((entry) => logEntryBytes(entry, tty, timestamps)));
        }
        return;
      }
      for await (const entry of read(file, o)) {
        yield logEntryBytes(entry, tty, timestamps);
      }
    }
    return { tty, chunks: chunks() };
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const e = this.ctx.mustGet(ref);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new InvalidArgumentError('resize: height and width must be non-negative integers');
    }
    checkRunning(e.rec.id, e.rec.state.status);
    if (e.task && e.rec.config.Tty && height > 0 && width > 0) await e.task.resize(height, width);
    this.ctx.emit(e, 'resize', { height: String(height), width: String(width) });
  }
}
