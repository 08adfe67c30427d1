import { Router, type Request } from 'express';
import { asyncHandler, queryBool, queryFilters, readJsonObject, sendEmpty, sendJson } from '../server/route-helpers';
import type { CreateVolumeRequest, VolumeStore } from '../volumes/volume-store';
import type { EventLog } from '../events/event-log';

/** `/volumes`: list, create, inspect, remove, prune (the `local` driver only). */
export function volumesRouter(deps: { volumes: VolumeStore; events?: EventLog }): Router {
  const r = Router();
  const name = (req: Request): string => String(req.params['name']);
  const emit = (action: string, n: string): void => {
    deps.events?.publish('volume', action, n, { driver: 'local' });
  };
  r.get('/volumes', asyncHandler(async (req, res) => {
    sendJson(res, 200, { Volumes: await deps.volumes.list(queryFilters(req)), Warnings: null });
  }));
  r.post('/volumes/create', asyncHandler(async (req, res) => {
    const body = await readJsonObject<CreateVolumeRequest>(req);
    const v = await deps.volumes.create(body);
    emit('create', v.Name);
    sendJson(res, 201, v);
  }));
  r.post('/volumes/prune', asyncHandler(async (req, res) => {
    const out = await deps.volumes.prune(queryFilters(req));
    for (const n of out.VolumesDeleted ?? []) emit('destroy', n);
    sendJson(res, 200, out);
  }));
  r.get('/volumes/:name', asyncHandler(async (req, res) => sendJson(res, 200, await deps.volumes.get(name(req)))));
  r.delete('/volumes/:name', asyncHandler(async (req, res) => {
    await deps.volumes.remove(name(req), { force: queryBool(req, 'force') });
    emit('destroy', name(req));
    sendEmpty(res, 204);
  }));
  return r;
}
