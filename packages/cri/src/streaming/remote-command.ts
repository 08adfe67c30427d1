import { Duplex, type Readable, type Writable } from 'node:stream';
import { publicMessage } from '@berth/errdefs';
import type { SpdyConnection, SpdyStream } from './spdy-connection';

/**
 * Kubernetes' remotecommand protocol, v4 (`v4.channel.k8s.io`) and v5 (`v5.channel.k8s.io`): five
 * channels — stdin, stdout, stderr, error, resize. On a SPDY session the client opens one stream per
 * channel (`streamtype` header); over WebSocket they are the first byte of each binary message
 * (websocket-channels.ts). The process runs with them as its stdio; resize carries JSON
 * `{Width, Height}` objects; at the end the error channel gets a metav1.Status (Success, or Failure
 * with reason NonZeroExitCode and the exit code as an `ExitCode` cause), and the session closes.
 * Over SPDY v5 is v4 (a stream's FIN already half-closes it); over WebSocket v5 adds the client's
 * CLOSE signal for stdin. Older versions (v1–v3: no exit status, no resize) are not served.
 */
export const REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** How long the client has to open its streams (kubelet: 30 s). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** What runs the command: exec or attach, through the container service. */
export interface RemoteCommandTarget {
  /** Starts the process; `tty` tells whether its output is raw (else stdcopy frames). */
  start(size?: TerminalSize): Promise<{ tty: boolean; connect(conn: Duplex): Promise<void> }>;
  resize(height: number, width: number): Promise<void>;
  /** The exit code once connect() resolved (undefined: no code to report, e.g. attach). */
  exitCode(): Promise<number | undefined>;
}

/** The session's channels (a SPDY stream each, or a WebSocket channel). */
export interface RemoteCommandStreams {
  error: Writable;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize?: Readable;
}

export type RemoteCommandChannel = keyof RemoteCommandStreams;

/** The channels a request with `opts` uses (kubelet: no stderr with a TTY, resize only with one). */
export function wantedChannels(opts: RemoteCommandOptions): Set<RemoteCommandChannel> {
  const want = new Set<RemoteCommandChannel>(['error']);
  if (opts.stdin) want.add('stdin');
  if (opts.stdout) want.add('stdout');
  if (opts.stderr && !opts.tty) want.add('stderr');
  if (opts.tty) want.add('resize');
  return want;
}

/** Accepts the client's streams until those `opts` needs are all open. */
export function collectStreams(conn: SpdyConnection, opts: RemoteCommandOptions): Promise<RemoteCommandStreams> {
  const want = wantedChannels(opts) as Set<string>;
  const got: Partial<RemoteCommandStreams> = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`remotecommand: timed out waiting for streams (${[...want].join(', ')})`)), STREAM_CREATION_TIMEOUT_MS);
    const onStream = (s: SpdyStream): void => {
      const type = s.header('streamtype');
      if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
        conn.reset(s);
        return;
      }
      conn.reply(s);
      (got as Record<string, SpdyStream>)[type] = s;
      want.delete(type);
      if (want.size === 0) done();
    };
    const onClose = (): void => done(new Error('remotecommand: connection closed before the streams were open'));
    const done = (err?: Error): void => {
      clearTimeout(timer);
      conn.off('stream', onStream);
      conn.off('close', onClose);
      if (err) reject(err);
      else resolve(got as RemoteCommandStreams);
    };
    conn.on('stream', onStream);
    conn.on('close', onClose);
  });
}

/** Runs `target` over a SPDY session's streams; the session closes at the end. */
export async function serveRemoteCommand(conn: SpdyConnection, opts: RemoteCommandOptions, target: RemoteCommandTarget, hostPaths: readonly string[] = []): Promise<void> {
  const streams = await collectStreams(conn, opts);
  await runRemoteCommand(streams, target, hostPaths);
  conn.close();
}

/** Runs `target` with the session's channels as its stdio; reports the outcome on the error channel. */
export async function runRemoteCommand(streams: RemoteCommandStreams, target: RemoteCommandTarget, hostPaths: readonly string[] = []): Promise<void> {
  let status: Record<string, unknown>;
  try {
    const size = streams.resize ? await watchResize(streams.resize, target).first : undefined;
    const att = await target.start(size);
    const io = stdioDuplex(streams, att.tty);
    await att.connect(io);
    const code = await target.exitCode();
    status =
      code === undefined || code === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command, exit status ${code}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          };
  } catch (e) {
    status = { metadata: {}, status: 'Failure', message: publicMessage(e, hostPaths), reason: 'InternalError', code: 500 };
  }
  await endStream(streams.stdout);
  await endStream(streams.stderr);
  streams.error.write(JSON.stringify(status));
  await endStream(streams.error);
}

function endStream(s: Writable | undefined): Promise<void> {
  if (!s || s.writableEnded) return Promise.resolve();
  return new Promise((resolve) => s.end(() => resolve()));
}

export interface TerminalSize {
  height: number;
  width: number;
}

/** How long a TTY session waits for the client's first terminal size before it starts the process. */
const FIRST_SIZE_WAIT_MS = 1000;

/**
 * JSON `{Width, Height}` objects, one after the other, from the resize stream: `first` resolves
 * with the first size (undefined if none came in time), later ones go to `target.resize`.
 */
function watchResize(s: Readable, target: RemoteCommandTarget): { first: Promise<TerminalSize | undefined> } {
  let resolveFirst: ((v: TerminalSize | undefined) => void) | undefined;
  const first = new Promise<TerminalSize | undefined>((resolve) => {
    resolveFirst = resolve;
    setTimeout(() => resolve(undefined), FIRST_SIZE_WAIT_MS);
  });
  let firstSeen = false;
  const onSize = (size: TerminalSize): void => {
    if (!firstSeen) {
      firstSeen = true;
      resolveFirst?.(size);
    }
    // also applied when the process already runs (harmless before: the first size is passed at start)
    void target.resize(size.height, size.width).catch(() => undefined);
  };
  let pending = '';
  s.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    for (;;) {
      const end = pending.indexOf('}');
      if (end < 0) return;
      const obj = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      try {
        const { Width, Height } = JSON.parse(obj) as { Width?: number; Height?: number };
        if (Width && Height) onSize({ height: Height, width: Width });
      } catch {
        /* not a size: ignored, as kubelet does */
      }
    }
  });
  s.on('end', () => resolveFirst?.(undefined));
  return { first };
}

/**
 * The process's side of the session: reads come from the stdin stream, writes go to stdout (raw
 * for a TTY) or are split from stdcopy frames into stdout and stderr. A write completes when the
 * client's side took it (the session's own flow control), so the container service holds the
 * process's output back while the client is slow (its writableLength grows) instead of berthd
 * buffering it.
 */
function stdioDuplex(streams: RemoteCommandStreams, tty: boolean): Duplex {
  let pending: Buffer = Buffer.alloc(0);
  /** Writes `parts` to their streams; `cb` once every one of them completed. */
  const writeAll = (parts: Array<[Writable | undefined, Buffer]>, cb: () => void): void => {
    let left = 1;
    const one = (): void => {
      if (--left === 0) cb();
    };
    for (const [dest, data] of parts) {
      if (!dest || dest.destroyed || dest.writableEnded || data.length === 0) continue;
      left++;
      dest.write(data, one);
    }
    one();
  };
  const io = new Duplex({
    allowHalfOpen: true,
    read() {
      streams.stdin?.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (tty) return writeAll([[streams.stdout, chunk]], () => cb());
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const parts: Array<[Writable | undefined, Buffer]> = [];
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        parts.push([pending[0] === 2 ? streams.stderr : streams.stdout, Buffer.from(pending.subarray(8, 8 + size))]);
        pending = pending.subarray(8 + size);
      }
      writeAll(parts, () => cb());
    },
    final(cb) {
      cb();
    },
  });
  if (streams.stdin) {
    streams.stdin.on('data', (d: Buffer) => {
      if (!io.push(d)) streams.stdin!.pause();
    });
    streams.stdin.on('end', () => io.push(null));
  } else {
    io.push(null);
  }
  return io;
}
