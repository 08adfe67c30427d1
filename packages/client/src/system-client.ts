import { optionalFilters } from './filters';
import type { AuthConfig, EventMessage, InfoResponse, VersionResponse } from '@berth/api';
import { encodeFilters } from '@berth/api';
import type { Readable } from 'node:stream';
import { InternalError } from '@berth/errdefs';
import type { ApiConnection, PingResult } from './api-connection';

/** An event with the exact nanosecond timestamp as text. */
export type ClientEvent = EventMessage & { timeNanoExact?: string };

async function* eventLines(body: Readable): AsyncGenerator<ClientEvent> {
  let buf = '';
  const parse = (line: string): ClientEvent | undefined => {
    const t = line.trim();
    if (t === '') return undefined;
    let o: ClientEvent & { error?: string; errorDetail?: { message: string } };
    try {
      o = JSON.parse(t) as typeof o;
    } catch {
      throw new InternalError(`events: bad message: ${t.slice(0, 200)}`);
    }
    if (o.errorDetail || o.error) throw new InternalError(o.errorDetail?.message ?? o.error ?? 'events: error');
    const m = /"timeNano"\s*:\s*(\d+)/.exec(t);
    if (m) o.timeNanoExact = m[1];
    return o;
  };
  for await (const chunk of body) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const e = parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (e) yield e;
    }
  }
  const last = parse(buf);
  if (last) yield last;
}

export interface EventsOptions {
  since?: string;
  until?: string;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

/** System-level calls: ping, version, info, events. */
export class SystemClient {
  constructor(private readonly api: ApiConnection) {}

  /** `HEAD /_ping`: the daemon's API version and OS type. */
  ping(signal?: AbortSignal): Promise<PingResult> {
    return this.api.ping(signal);
  }

  /** The API version the client negotiated (pings once). */
  apiVersion(signal?: AbortSignal): Promise<string> {
    return this.api.version(signal);
  }

  /** `POST /auth`: checks credentials against a registry; `Status` is `Login Succeeded`. */
  auth(a: AuthConfig, signal?: AbortSignal): Promise<{ Status: string; IdentityToken?: string }> {
    return this.api.json('POST', '/auth', { json: a, signal });
  }

  /**
   * `POST /build/prune` (the build cache): `filters` is always sent, empty when there are none,
   * as the docker CLI does.
   */
  buildPrune(o: { all?: boolean; filters?: Record<string, string[]>; keepStorage?: number; signal?: AbortSignal } = {}): Promise<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }> {
    return this.api.json('POST', '/build/prune', {
      query: { all: o.all ? 1 : undefined, filters: optionalFilters(o.filters) ?? '', 'keep-storage': o.keepStorage || undefined },
      signal: o.signal,
    });
  }

  /** `GET /system/df`: images, containers, volumes and build cache with their sizes. */
  df(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.api.json('GET', '/system/df', { signal });
  }

  version(signal?: AbortSignal): Promise<VersionResponse> {
    return this.api.json<VersionResponse>('GET', '/version', { signal });
  }

  info(signal?: AbortSignal): Promise<InfoResponse> {
    return this.api.json<InfoResponse>('GET', '/info', { signal });
  }

  /**
   * `GET /events` as an async iterable of messages. `timeNano` does not fit a double, so each
   * message also carries `timeNanoExact`, the decimal digits the daemon sent.
   */
  async events(o: EventsOptions = {}): Promise<AsyncIterable<ClientEvent>> {
    const body = await this.api.stream('GET', '/events', {
      query: { since: o.since, until: o.until, filters: o.filters && Object.keys(o.filters).length ? encodeFilters(o.filters) : undefined },
      signal: o.signal,
    });
    return eventLines(body);
  }
}
