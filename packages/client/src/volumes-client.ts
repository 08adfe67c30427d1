import { optionalFilters } from './filters';
import type { ApiConnection } from './api-connection';

/** `GET /volumes/{name}` and the list items. */
export interface Volume {
  CreatedAt?: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  [key: string]: unknown;
}

/** Volume calls: list, create, inspect, remove, prune. */
export class VolumesClient {
  constructor(private readonly api: ApiConnection) {}

  async list(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<Volume[]> {
    const r = await this.api.json<{ Volumes: Volume[] | null }>('GET', '/volumes', { query: { filters: optionalFilters(o.filters) }, signal: o.signal });
    return r?.Volumes ?? [];
  }

  /** `POST /volumes/create` with the CLI's body (`Driver`, `Labels`, `Name`; `DriverOpts` when given). */
  create(o: { name?: string; driver?: string; labels?: Record<string, string>; driverOpts?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Volume> {
    const body: Record<string, unknown> = { Driver: o.driver || 'local' };
    if (o.driverOpts && Object.keys(o.driverOpts).length) body.DriverOpts = o.driverOpts;
    body.Labels = o.labels ?? {};
    body.Name = o.name ?? '';
    return this.api.json<Volume>('POST', '/volumes/create', { json: body, signal: o.signal });
  }

  inspect(name: string, signal?: AbortSignal): Promise<Volume> {
    return this.api.json<Volume>('GET', `/volumes/${name}`, { signal });
  }

  remove(name: string, o: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('DELETE', `/volumes/${name}`, { query: { force: o.force || undefined }, signal: o.signal });
  }

  prune(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.api.json('POST', '/volumes/prune', { query: { filters: optionalFilters(o.filters) }, signal: o.signal });
  }
}
