import { Router, type Request } from 'express';
import type { EndpointSettings, NetworkCreateRequest } from '@berth/api';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import type { NetworkCatalog } from '@berth/network';
import { networkListFilter, networkPruneFilter } from '../networks/network-filters';
import { networkCreateOptions, networkResource } from '../networks/network-resource';
import { apiAtLeast, asyncHandler, queryFilters, readJsonObject, sendEmpty, sendJson } from '../server/route-helpers';

/** What connect/disconnect need of the container service. */
export interface NetworkContainers {
  networkConnect(network: string, container: string, endpointConfig?: EndpointSettings): Promise<void>;
  networkDisconnect(network: string, container: string, force?: boolean): Promise<void>;
}

/**
 * `/networks` over the network component's catalog (Docker API 1.41 shapes and errors);
 * connect/disconnect go through the container service, which owns the container side.
 */
export function networksRouter(deps: { catalog: NetworkCatalog; containers?: NetworkContainers }): Router {
  const r = Router();
  const id = (req: Request): string => String(req.params['id']);
  r.get('/networks', asyncHandler(async (req, res) => {
    const match = networkListFilter(queryFilters(req));
    sendJson(res, 200, (await deps.catalog.list()).filter(match).map(networkResource));
  }));
  r.post('/networks/create', asyncHandler(async (req, res) => {
    const body = await readJsonObject<NetworkCreateRequest>(req);
    if (typeof body.Name !== 'string' || body.Name === '') throw new InvalidArgumentError('network name is required');
    sendJson(res, 201, { Id: await deps.catalog.create(networkCreateOptions(body)), Warning: '' });
  }));
  r.post('/networks/prune', asyncHandler(async (req, res) => {
    const select = networkPruneFilter(queryFilters(req));
    sendJson(res, 200, { NetworksDeleted: await deps.catalog.prune(select) });
  }));
  // `verbose` is swarm's (service and task detail): a local network shows the same
  r.get('/networks/:id', asyncHandler(async (req, res) => sendJson(res, 200, networkResource(await deps.catalog.inspect(id(req))))));
  r.delete('/networks/:id', asyncHandler(async (req, res) => {
    await deps.catalog.remove(id(req));
    sendEmpty(res, 204);
  }));
  r.post('/networks/:id/connect', asyncHandler(async (req, res) => {
    const body = await readJsonObject<{ Container?: unknown; EndpointConfig?: unknown }>(req);
    if (typeof body.Container !== 'string' || body.Container === '') throw new InvalidArgumentError('Container: a container name or id is required');
    const ep = body.EndpointConfig;
    if (ep !== undefined && ep !== null && (typeof ep !== 'object' || Array.isArray(ep))) throw new InvalidArgumentError('EndpointConfig: expected an object');
    if (!deps.containers) throw new NotFoundError(`No such container: ${body.Container}`);
    // the endpoint's MacAddress on connect is API 1.44's
    if (ep && !apiAtLeast(req, '1.44')) delete (ep as { MacAddress?: unknown }).MacAddress;
    await deps.containers.networkConnect(id(req), body.Container, (ep as EndpointSettings | null) ?? {});
    sendEmpty(res, 200);
  }));
  r.post('/networks/:id/disconnect', asyncHandler(async (req, res) => {
    const body = await readJsonObject<{ Container?: unknown; Force?: unknown }>(req);
    if (typeof body.Container !== 'string' || body.Container === '') throw new InvalidArgumentError('Container: a container name or id is required');
    if (!deps.containers) throw new NotFoundError(`No such container: ${body.Container}`);
    await deps.containers.networkDisconnect(id(req), body.Container, body.Force === true);
    sendEmpty(res, 200);
  }));
  return r;
}
