import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { CancelledError, InvalidArgumentError, UnauthorizedError, UnavailableError, isBerthError, messageOf } from '@berth/errdefs';
import { Authorizer } from './authorizer';
import { parseChallenges } from './challenge';
import type { Credentials } from './credentials';
import type { Logger } from '@berth/log';
import { type ErrorSubject, errorFromResponse } from './registry-errors';
import { type RetryPolicy, backoffDelay, retryAfterDelay } from './retry';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RegistryRequest {
  method: HttpMethod;
  /** `/v2/...` relative to the registry, or an absolute URL (a `Location`). */
  path: string;
  headers?: Record<string, string>;
  /** A stream body is sent once: such a request is never retried. */
  body?: Buffer | Readable;
  /** Token scopes, e.g. `repository:x:pull`. */
  scopes: readonly string[];
  /** Answer the body as a stream instead of a buffer. */
  stream?: boolean;
  /** A buffered body longer than this fails with InvalidArgumentError (`larger than N bytes`). */
  maxBytes?: number;
  /** Statuses that are an answer rather than an error (e.g. 404 of a HEAD). */
  accept?: readonly number[];
  subject: ErrorSubject;
  signal?: AbortSignal;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** The body, unless `stream` was asked for. */
  body: Buffer;
  /** The body as a stream when `stream` was asked for (the caller must consume or destroy it). */
  stream?: Readable;
  /** The URL that answered (after redirects). */
  url: string;
}

const ERROR_BODY_LIMIT = 64 * 1024;

async function readBounded(s: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of s) {
      const b = c as Buffer;
      if (n + b.length > limit) {
        chunks.push(b.subarray(0, limit - n));
        break;
      }
      chunks.push(b);
      n += b.length;
    }
  } catch {
    /* a broken error body is still an error */
  } finally {
    s.destroy();
  }
  return Buffer.concat(chunks);
}

function flatHeaders(res: AxiosResponse): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? undefined : String(v);
  }
  return out;
}

/**
 * Connection pools shared by every client in the process (a daemon makes a client per request):
 * keep-alive connections to a registry outlive one pull. Idle sockets are unref'd by node.
 */
const sharedAgents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
  httpsUnverified: new https.Agent({ keepAlive: true, rejectUnauthorized: false }),
};

/**
 * Per endpoint list (`https://h http://h`), the endpoint that last answered: tried first next
 * time, so a loopback registry over plain http is not probed over TLS on every pull.
 */
const lastGoodEndpoint = new Map<string, string>();

/**
 * Talks to one registry: builds URLs, answers auth challenges, retries what can be retried
 * (network errors, 429 with `Retry-After`, 502/503/504) with backoff, and turns failures
 * into errdefs errors.
 */
export class RegistryTransport {
  readonly auth: Authorizer;
  private readonly http: AxiosInstance;

  /** Endpoints still to try; the first is in use. Narrowed to one once a request got an answer. */
  private endpoints: string[];
  private readonly endpointKey: string;
  private settled: boolean;

  constructor(
    endpoints: { urls: string[]; verifyTls: boolean },
    credentials: () => Promise<Credentials | undefined>,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
    userAgent: string,
  ) {
    this.endpoints = [...endpoints.urls];
    this.endpointKey = this.endpoints.join(' ');
    // the endpoint that answered last time goes first; the others stay as fallbacks
    const good = lastGoodEndpoint.get(this.endpointKey);
    if (good !== undefined && this.endpoints.includes(good)) this.endpoints = [good, ...this.endpoints.filter((u) => u !== good)];
    this.settled = this.endpoints.length <= 1;
    this.http = axios.create({
      httpAgent: sharedAgents.http,
      httpsAgent: endpoints.verifyTls ? sharedAgents.https : sharedAgents.httpsUnverified,
      headers: { 'User-Agent': userAgent },
      proxy: false,
      decompress: false,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
    this.auth = new Authorizer(this.http, credentials);
  }

  /** The endpoint in use, e.g. `http://127.0.0.1:5000`. */
  get baseUrl(): string {
    return this.endpoints[0]!;
  }

  url(path: string): string {
    return new URL(path, this.baseUrl).toString();
  }

  async request(req: RegistryRequest): Promise<RegistryResponse> {
    const replayable = !(req.body && typeof (req.body as Readable).pipe === 'function');
    let authRetried = false;
    // `attempt` counts tries that may be retried; an auth answer and an endpoint fallback do not
    // count, so `rounds` bounds the loop outright.
    for (let attempt = 1, rounds = 0; rounds < this.retry.attempts + 8; attempt++, rounds++) {
      if (req.signal?.aborted) throw new CancelledError(`${req.subject.kind} ${req.subject.name}: cancelled`);
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      const authz = await this.auth.header(req.scopes, req.signal);
      if (authz) headers['Authorization'] = authz;
      let res: AxiosResponse;
      try {
        res = await this.http.request({
          method: req.method,
          url: this.url(req.path),
          headers,
          data: req.body,
          responseType: req.stream ? 'stream' : 'arraybuffer',
          validateStatus: () => true,
          maxRedirects: replayable ? 5 : 0,
          signal: req.signal,
          ...(req.maxBytes !== undefined && !req.stream ? { maxContentLength: req.maxBytes } : {}),
        });
      } catch (e) {
        if (req.signal?.aborted) throw new CancelledError(`${req.subject.kind} ${req.subject.name}: cancelled`, { cause: e });
        if (isBerthError(e)) throw e;
        if (req.maxBytes !== undefined && /maxContentLength/.test(messageOf(e))) {
          throw new InvalidArgumentError(`${req.subject.kind} ${req.subject.name}: larger than ${req.maxBytes} bytes`);
        }
        if (!this.settled && this.endpoints.length > 1 && replayable) {
          // An insecure registry that does not speak TLS (or is not there on https): next endpoint.
          this.log.debug({ endpoint: this.endpoints[0], err: messageOf(e) }, 'registry endpoint failed, trying the next');
          this.endpoints.shift();
          this.settled = this.endpoints.length <= 1;
          attempt--;
          continue;
        }
        if (!replayable || attempt >= this.retry.attempts) {
          throw new UnavailableError(`${req.subject.kind} ${req.subject.name}: ${req.method} ${this.url(req.path)}: ${messageOf(e)}`, { cause: e });
        }
        const delay = backoffDelay(this.retry, attempt);
        this.log.warn({ err: messageOf(e), attempt, delay, url: req.path }, 'registry request failed, retrying');
        await this.retry.sleep(delay, req.signal);
        continue;
      }
      const status = res.status;
      const resHeaders = flatHeaders(res);
      if (!this.settled) {
        this.settled = true;
        this.endpoints = [this.endpoints[0]!];
        lastGoodEndpoint.set(this.endpointKey, this.endpoints[0]!);
      }
      const ok = (status >= 200 && status < 300) || (req.accept?.includes(status) ?? false);
      if (ok) {
        const stream = req.stream ? (res.data as Readable) : undefined;
        const body = req.stream ? Buffer.alloc(0) : Buffer.from(res.data as ArrayBuffer);
        return { status, headers: resHeaders, body, url: res.request?.res?.responseUrl ?? this.url(req.path), ...(stream ? { stream } : {}) };
      }
      const body = req.stream ? await readBounded(res.data as Readable, ERROR_BODY_LIMIT) : Buffer.from(res.data as ArrayBuffer);
      if (status === 401 && !authRetried) {
        authRetried = true;
        const known = this.auth.onChallenge(parseChallenges(resHeaders['www-authenticate']), req.scopes);
        if (known && replayable) {
          attempt--;
          continue;
        }
        if (known && !replayable) throw new UnauthorizedError(`${req.subject.kind} ${req.subject.name}: unauthorized: authentication required`);
      }
      const retryable = replayable && (status === 429 || status === 502 || status === 503 || status === 504);
      if (retryable && attempt < this.retry.attempts) {
        const delay = retryAfterDelay(this.retry, resHeaders['retry-after'], attempt);
        this.log.warn({ status, attempt, delay, url: req.path }, 'registry busy, retrying');
        await this.retry.sleep(delay, req.signal);
        continue;
      }
      throw errorFromResponse(status, body, req.subject, resHeaders['retry-after']);
    }
    throw new UnavailableError(`${req.subject.kind} ${req.subject.name}: gave up after too many tries`);
  }
}
