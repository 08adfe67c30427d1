import type { EventMessage, InfoResponse, VersionResponse } from '@berth/api';
import { encodeFilters } from '@berth/api';
import { type ApiConnection, type PingResult, jsonMessages } from './api-connection';

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

  version(signal?: AbortSignal): Promise<VersionResponse> {
    return this.api.json<VersionResponse>('GET', '/version', { signal });
  }

  info(signal?: AbortSignal): Promise<InfoResponse> {
    return this.api.json<InfoResponse>('GET', '/info', { signal });
  }

  /** `GET /events` as an async iterable of messages. */
  async events(o: EventsOptions = {}): Promise<AsyncIterable<EventMessage>> {
    const body = await this.api.stream('GET', '/events', {
      query: { since: o.since, until: o.until, filters: o.filters ? encodeFilters(o.filters) : undefined },
      signal: o.signal,
    });
    return jsonMessages(body) as AsyncIterable<unknown> as AsyncIterable<EventMessage>;
  }
}
