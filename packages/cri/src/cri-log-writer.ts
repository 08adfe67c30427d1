import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '@berth/errdefs';
import type { Logger } from '@berth/log';

const STREAMS: Record<number, string> = { 1: 'stdout', 2: 'stderr' };

/**
 * One CRI log line per log entry: `<RFC3339Nano> <stdout|stderr> <F|P> <content>` (kubelet's
 * format; P marks a partial line, one that did not end in a newline).
 */
export function criLogLine(time: string, stream: string, content: Buffer): Buffer {
  const full = content.length > 0 && content[content.length - 1] === 0x0a;
  const body = full ? content.subarray(0, content.length - 1) : content;
  return Buffer.concat([Buffer.from(`${time} ${stream} ${full ? 'F' : 'P'} `), body, Buffer.from('\n')]);
}

/**
 * Log entries of the container service's `logs` with timestamps: stdcopy frames (or raw bytes for a
 * TTY) whose payloads start with `<RFC3339Nano> `. A chunk may hold several frames.
 */
export function parseLogChunk(chunk: Buffer, tty: boolean): { stream: string; time: string; content: Buffer }[] {
  const out: { stream: string; time: string; content: Buffer }[] = [];
  const entry = (stream: string, payload: Buffer): void => {
    const sp = payload.indexOf(0x20);
    if (sp > 0) out.push({ stream, time: payload.subarray(0, sp).toString(), content: payload.subarray(sp + 1) });
  };
  if (tty) {
    entry('stdout', chunk);
    return out;
  }
  let rest = chunk;
  while (rest.length >= 8) {
    const size = rest.readUInt32BE(4);
    if (rest.length < 8 + size) break;
    entry(STREAMS[rest[0]!] ?? 'stdout', rest.subarray(8, 8 + size));
    rest = rest.subarray(8 + size);
  }
  return out;
}

/**
 * Copies a container's output into the CRI log file at the path kubelet chose, for as long as the
 * container runs. `reopen()` (ReopenContainerLog, after kubelet rotated the file) starts a new file.
 */
export class CriLogWriter {
  private chain: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private finished!: Promise<void>;

  private constructor(
    readonly logPath: string,
    private fh: fs.FileHandle | undefined,
    private readonly logger: Logger,
  ) {}

  /** Creates (or appends to) the log file at once: kubelet may read it as soon as the container started. */
  static async open(logPath: string, logger: Logger): Promise<CriLogWriter> {
    return new CriLogWriter(logPath, await openLog(logPath), logger);
  }

  /** Resolves once the source ended (the container exited and its output is written) or stop() was called. */
  get done(): Promise<void> {
    return this.finished ?? Promise.resolve();
  }

  /** Copies the source's entries until it ends; entries at or before `after` (RFC3339Nano, already in the file) are skipped. */
  follow(source: (signal: AbortSignal) => Promise<{ tty: boolean; chunks: AsyncIterable<Buffer> }>, after?: string): this {
    this.finished = this.run(source, after !== undefined ? timeNs(after) : undefined);
    return this;
  }

  /** The time of the file's last line (where a copy interrupted by a daemon restart resumes), if any. */
  async lastTime(): Promise<string | undefined> {
    const st = await fs.stat(this.logPath).catch(() => undefined);
    if (!st || st.size === 0) return undefined;
    const len = Math.min(st.size, 64 * 1024);
    const fh = await fs.open(this.logPath, 'r');
    try {
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, st.size - len);
      const lines = buf.toString('utf8').split('\n').filter(Boolean);
      const last = lines[lines.length - 1];
      return last?.split(' ')[0];
    } finally {
      await fh.close();
    }
  }

  private async run(source: (signal: AbortSignal) => Promise<{ tty: boolean; chunks: AsyncIterable<Buffer> }>, afterNs: bigint | undefined): Promise<void> {
    try {
      const { tty, chunks } = await source(this.abort.signal);
      for await (const chunk of chunks) {
        let entries = parseLogChunk(chunk, tty);
        if (afterNs !== undefined) entries = entries.filter((e) => timeNs(e.time) > afterNs);
        if (entries.length === 0) continue;
        const line = Buffer.concat(entries.map((e) => criLogLine(e.time, e.stream, e.content)));
        this.chain = this.chain.then(async () => {
          await this.fh?.write(line);
        });
        await this.chain;
      }
    } catch (e) {
      if (!this.abort.signal.aborted) this.logger.warn({ logPath: this.logPath, err: messageOf(e) }, 'cri: log copy failed');
    } finally {
      await this.chain.catch(() => undefined);
      await this.fh?.close().catch(() => undefined);
      this.fh = undefined;
    }
  }

  /** Closes the file and opens a new one at the same path (kubelet renamed the old one). */
  async reopen(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await this.fh?.close();
      this.fh = await openLog(this.logPath);
    });
    await this.chain;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Closes the file of a writer that never followed anything (its container did not start). */
  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }
}

/** RFC3339Nano → nanoseconds since the epoch (0 for an unreadable time). */
export function timeNs(t: string): bigint {
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return 0n;
  const frac = (/\.(\d+)/.exec(t)?.[1] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(frac);
}

async function openLog(logPath: string): Promise<fs.FileHandle> {
  await fs.mkdir(path.dirname(logPath), { recursive: true });
  return fs.open(logPath, 'a', 0o640);
}
