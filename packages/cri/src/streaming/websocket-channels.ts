import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RemoteCommandChannel, RemoteCommandStreams } from './remote-command';

/** The channel numbers of remotecommand over WebSocket (the first byte of each binary message). */
export const CHANNEL: Record<RemoteCommandChannel, number> = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 };
/** v5: a message `[255, N]` from the client half-closes its channel N (stdin's end of input). */
const CLOSE_SIGNAL = 255;

/**
 * Kubernetes' channel protocol over one WebSocket (`v4.channel.k8s.io`, `v5.channel.k8s.io`,
 * binary): every message is one channel's bytes after a channel byte. Each channel is a Duplex:
 * what is written goes out as messages (the write completes when the socket took it, so a slow
 * client slows the writer), what arrives is pushed to it (a full reader pauses the socket until it
 * reads again). The connection closing ends every channel's input.
 */
export class WebSocketChannels {
  private readonly channels = new Map<number, Duplex>();
  private readonly ended = new Set<number>();
  private pausedBy: Duplex | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly v5: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => {
      for (const id of this.channels.keys()) this.end(id);
    });
  }

  /** The streams of a session with these channels (created now, so input is never lost). */
  streams(want: Set<RemoteCommandChannel>): RemoteCommandStreams {
    const out: Partial<Record<RemoteCommandChannel, Duplex>> = {};
    for (const name of want) out[name] = this.channel(CHANNEL[name]);
    return out as RemoteCommandStreams;
  }

  /** kubelet's first message: an empty one on the lowest channel the server writes, "connected". */
  announce(want: Set<RemoteCommandChannel>): void {
    const first = want.has('stdout') ? CHANNEL.stdout : want.has('stderr') ? CHANNEL.stderr : CHANNEL.error;
    this.ws.send(Buffer.from([first]), { binary: true });
  }

  private channel(id: number): Duplex {
    let c = this.channels.get(id);
    if (c) return c;
    const ws = this.ws;
    c = new Duplex({
      allowHalfOpen: true,
      read: () => {
        if (this.pausedBy === c) {
          this.pausedBy = undefined;
          ws.resume();
        }
      },
      write: (chunk: Buffer, _enc, cb) => {
        if (ws.readyState !== ws.OPEN) return cb();
        ws.send(Buffer.concat([Buffer.from([id]), chunk]), { binary: true }, () => cb());
      },
      final: (cb) => cb(),
    });
    this.channels.set(id, c);
    return c;
  }

  private end(id: number): void {
    const c = this.channels.get(id);
    if (!c || this.ended.has(id)) return;
    this.ended.add(id);
    c.push(null);
    if (this.pausedBy === c) {
      this.pausedBy = undefined;
      this.ws.resume();
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary || data.length === 0) return; // the protocol is binary only (kubelet ignores the rest)
    const id = data[0]!;
    if (id === CLOSE_SIGNAL && this.v5) {
      if (data.length > 1) this.end(data[1]!);
      return;
    }
    const c = this.channels.get(id);
    if (!c || this.ended.has(id) || data.length === 1) return; // a channel this session does not read
    if (!c.push(data.subarray(1)) && !this.pausedBy) {
      this.pausedBy = c;
      this.ws.pause();
    }
  }
}
