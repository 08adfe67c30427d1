import type { ServerResponse } from 'node:http';
import { encodeJsonMessage, errorMessage, type JsonMessage } from '@berth/api';
import { publicMessage } from '@berth/errdefs';
import { hostPathsOf } from '../public-message';

const kJsonStream = Symbol('berth.jsonStream');

/**
 * A newline-delimited JSON message stream (pull, push, load, import, build, events; SPEC §4.1):
 * `200`, `Content-Type: application/json`, chunked, one compact JSON object + `\n` per chunk.
 * Headers go out at once (`docker run` and `docker events` wait for them). Once started, a
 * failure is a final `errorDetail` message, never a dropped connection.
 */
export class JsonStream {
  private ended = false;
  private gone = false;

  constructor(private readonly res: ServerResponse, opts: { status?: number } = {}) {
    res.statusCode = opts.status ?? 200;
    res.setHeader('Content-Type', 'application/json');
    res.removeHeader('Content-Length');
    res.flushHeaders();
    (res as unknown as Record<symbol, unknown>)[kJsonStream] = this;
    res.on('close', () => {
      this.gone = true;
    });
  }

  /** True once the client went away or the stream was ended: stop producing. */
  get closed(): boolean {
    return this.ended || this.gone || this.res.destroyed;
  }

  /** Writes one message; returns false when the client can take no more (closed). */
  write(m: JsonMessage): boolean {
    if (this.closed) return false;
    this.res.write(encodeJsonMessage(m));
    return true;
  }

  /** Writes `{"errorDetail":{"message":M},"error":M}` and ends the stream. */
  fail(err: unknown, code?: number): void {
    this.write(errorMessage(publicMessage(err, hostPathsOf(this.res)), code));
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.res.destroyed) this.res.end();
  }
}

/** Starts a JSON message stream on `res` (headers are sent at once). */
export function startJsonStream(res: ServerResponse, opts?: { status?: number }): JsonStream {
  return new JsonStream(res, opts);
}

/** The JSON stream started on `res`, if any (the error handler ends it with an errorDetail). */
export function jsonStreamOf(res: ServerResponse): JsonStream | undefined {
  return (res as unknown as Record<symbol, JsonStream | undefined>)[kJsonStream];
}
