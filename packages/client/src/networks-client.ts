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

/** Network calls: list and inspect. */
export class NetworksClient {
  constructor(private readonly api: ApiConnection) {}

  async list(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<Network[]> {
    return (await this.api.json<Network[] | null>('GET', '/networks', { query: { filters: optionalFilters(o.filters) }, signal: o.signal })) ?? [];
  }

  inspect(id: string, signal?: AbortSignal): Promise<Network> {
    return this.api.json<Network>('GET', `/networks/${id}`, { signal });
  }
}
