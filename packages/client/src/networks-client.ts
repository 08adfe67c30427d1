import { optionalFilters } from './filters';
import type { ApiConnection } from './api-connection';

/** A network as `GET /networks` lists it (the fields berth prints are typed). */
export interface Network {
  Name: string;
  Id: string;
  Driver: string;
  Scope: string;
  [key: string]: unknown;
}

/** Network calls: list, create, inspect, remove, prune, connect, disconnect. */
export class NetworksClient {
  constructor(private readonly api: ApiConnection) {}

  async list(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<Network[]> {
    return (await this.api.json<Network[] | null>('GET', '/networks', { query: { filters: optionalFilters(o.filters) }, signal: o.signal })) ?? [];
  }

  /** `POST /networks/create` with the CLI's body; answers `{Id, Warning}`. */
  create(body: Record<string, unknown>, signal?: AbortSignal): Promise<{ Id: string; Warning?: string }> {
    return this.api.json('POST', '/networks/create', { json: body, signal });
  }

  remove(id: string, signal?: AbortSignal): Promise<void> {
    return this.api.empty('DELETE', `/networks/${id}`, { signal });
  }

  inspect(id: string, signal?: AbortSignal): Promise<Network> {
    return this.api.json<Network>('GET', `/networks/${id}`, { signal });
  }

  /** `POST /networks/prune`: the names of the networks removed. */
  async prune(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<{ NetworksDeleted: string[] | null }> {
    return this.api.json('POST', '/networks/prune', { query: { filters: optionalFilters(o.filters) }, signal: o.signal });
  }

  /** `POST /networks/{id}/connect` with docker's body `{Container, EndpointConfig}`. */
  connect(network: string, body: { Container: string; EndpointConfig?: Record<string, unknown> }, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/networks/${network}/connect`, { json: body, signal });
  }

  /** `POST /networks/{id}/disconnect` with docker's body `{Container, Force}`. */
  disconnect(network: string, body: { Container: string; Force: boolean }, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/networks/${network}/disconnect`, { json: body, signal });
  }
}
