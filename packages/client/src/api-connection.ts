import type { Readable } from 'node:stream';
import { API_VERSION, type JsonMessage, JsonMessageDecoder, compareApiVersions, parseJsonExact, stringifyJson } from '@berth/api';
import { InternalError } from '@berth/errdefs';
import { errorFromResponse } from './errors';
import { readAll } from './node-http-transport';
import { type Logger, silentLogger } from '@berth/log';
import type { HijackedConnection, Transport, TransportResponse } from './transport';

/** The version the client falls back to when `/_ping` names none (docker's own fallback). */
export const FALLBACK_API_VERSION = '1.24';

/** A query: arrays repeat the key (`changes=a&changes=b`), booleans become `1`, undefined is left out. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface CallOptions {
  query?: Query;
  /** A JSON body (serialised here) ... */
  json?: unknown;
  /** ... or a raw body with its content type. */
  body?: string | Buffer | Readable;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** What `/_ping` said. */
export interface PingResult {
  apiVersion: string | undefined;
  osType: string | undefined;
  experimental: boolean;
}

/** Encodes a query string in a fixed (sorted) key order, as Go's url.Values does. */
export function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const k of Object.keys(q).sort()) {
    const v = q[k];
    if (v === undefined) continue;
    const vs = Array.isArray(v) ? v : [v];
    for (const x of vs) {
      const s = x === true ? '1' : x === false ? '0' : String(x);
      parts.push(`${queryEscape(k)}=${queryEscape(s)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Go's url.QueryEscape: everything but [A-Za-z0-9-_.~] escaped, spaces as `+`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * One daemon connection: negotiates the API version once (`HEAD /_ping`, then `GET` if HEAD is
 * not found), prefixes every path with `/vX.Y`, and turns error responses into errdefs errors.
 * Sub-clients share one of these.
 */
export class ApiConnection {
  private negotiated: Promise<string> | undefined;
  private lastPing: PingResult | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly pinnedVersion?: string,
    private readonly logger: Logger = silentLogger,
    /** The highest version this client speaks (docker's client: its own API version). */
    readonly maxVersion: string = API_VERSION,
  ) {}

  /** Sends `HEAD /_ping` (falls back to GET on 404). Errors only when no answer at all. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    // the (empty) body is read to its end before the next request goes out, so that request
    // reuses this connection (over ssh:// a new one is a new ssh process)
    let res = await this.transport.request({ method: 'HEAD', path: '/_ping', signal });
    await readAll(res.body);
    if (res.statusCode === 404) {
      res = await this.transport.request({ method: 'GET', path: '/_ping', signal });
      await readAll(res.body);
    }
    const h = (n: string) => {
      const v = res.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const apiVersion = h('api-version');
    if (res.statusCode >= 400 && apiVersion === undefined) {
      const body = await readAll(res.body).catch(() => Buffer.alloc(0));
      throw errorFromResponse(res.statusCode, body, String(h('content-type') ?? ''));
    }
    this.lastPing = { apiVersion, osType: h('ostype'), experimental: h('docker-experimental') === 'true' };
    this.logger.debug({ status: res.statusCode, apiVersion }, 'ping');
    return this.lastPing;
  }

  /** The version used in paths: pinned, or min(daemon's, ours), or the fallback when the daemon names none. */
  version(signal?: AbortSignal): Promise<string> {
    this.negotiated ??= this.ping(signal).then((p) => {
      if (this.pinnedVersion) return this.pinnedVersion;
      if (!p.apiVersion) return FALLBACK_API_VERSION;
      return compareApiVersions(p.apiVersion, this.maxVersion) > 0 ? this.maxVersion : p.apiVersion;
    });
    this.negotiated.catch(() => {
      this.negotiated = undefined;
    });
    return this.negotiated;
  }

  /** The last ping answer, if any. */
  get pingResult(): PingResult | undefined {
    return this.lastPing;
  }

  private async build(method: string, path: string, o: CallOptions) {
    const v = await this.version(o.signal);
    const headers: Record<string, string> = { ...o.headers };
    let body: string | Buffer | Readable | undefined = o.body;
    if (o.json !== undefined) {
      body = stringifyJson(o.json);
      headers['Content-Type'] = 'application/json';
    } else if (o.contentType) headers['Content-Type'] = o.contentType;
    return { method, path: `/v${v}${path}${encodeQuery(o.query)}`, headers, body, signal: o.signal };
  }

  /** A request whose response headers have arrived; error statuses become errdefs errors. */
  async call(method: string, path: string, o: CallOptions = {}): Promise<TransportResponse> {
    const req = await this.build(method, path, o);
    const res = await this.transport.request(req);
    this.logger.debug({ method, path: req.path, status: res.statusCode }, 'request');
    if (res.statusCode >= 300) {
      const body = await readAll(res.body).catch(() => Buffer.alloc(0));
      throw errorFromResponse(res.statusCode, body, String(res.headers['content-type'] ?? ''));
    }
    return res;
  }

  /** A request with a JSON answer (or none: 204 gives undefined). */
  async json<T>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    const res = await this.call(method, path, o);
    const buf = await readAll(res.body);
    if (buf.length === 0) return undefined as T;
    try {
      // an int64 beyond 2^53 (a Memory of 2^63-1) comes back as a bigint, not a rounded double
      return parseJsonExact(buf.toString('utf8'), { bigintsOnly: true }) as T;
    } catch (e) {
      throw new InternalError(`${method} ${path}: bad JSON in response`, { cause: e });
    }
  }

  /** A request whose answer is ignored beyond its status. */
  async empty(method: string, path: string, o: CallOptions = {}): Promise<void> {
    const res = await this.call(method, path, o);
    await readAll(res.body);
  }

  /** A request whose answer is a byte stream (save, export, logs). */
  async stream(method: string, path: string, o: CallOptions = {}): Promise<Readable> {
    return (await this.call(method, path, o)).body;
  }

  /** A request whose answer is a JSON message stream (pull, load, import): an async iterable. */
  async messages(method: string, path: string, o: CallOptions = {}): Promise<AsyncIterable<JsonMessage>> {
    return jsonMessages((await this.call(method, path, o)).body);
  }

  /** Hijacks the connection (attach, exec start). */
  async hijack(method: string, path: string, o: CallOptions = {}): Promise<HijackedConnection> {
    const req = await this.build(method, path, o);
    const conn = await this.transport.hijack(req);
    this.logger.debug({ method, path: req.path, status: conn.statusCode }, 'hijacked');
    return conn;
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * The messages of a JSON message stream, one by one. A terminal `errorDetail` message ends the
 * iteration with an InternalError carrying its message (and `code`, which build sets).
 */
export async function* jsonMessages(body: Readable): AsyncGenerator<JsonMessage> {
  const dec = new JsonMessageDecoder();
  body.on('error', (e) => dec.destroy(e));
  body.pipe(dec);
  for await (const m of dec as AsyncIterable<JsonMessage>) {
    if (m.errorDetail || m.error) {
      const message = m.errorDetail?.message ?? m.error ?? 'unknown error';
      body.destroy();
      throw Object.assign(new InternalError(message), { streamCode: m.errorDetail?.code });
    }
    yield m;
  }
}

