import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { checkFilterKeys } from '@berth/api';
import { ForbiddenError, NotFoundError, NotImplementedError } from '@berth/errdefs';
import { asyncHandler, queryFilters, sendJson } from '../server/route-helpers';

/**
 * `/networks`: berth has the three predefined networks (bridge, host, none) and no user-defined
 * ones yet; list and inspect answer in docker's shape so `docker network ls` and tools that look
 * up `bridge` work, and the rest says plainly that it is not implemented.
 */
const STARTED = new Date().toISOString();

interface NetworkView {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: null; Config: unknown[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, unknown>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

function network(name: string, driver: string): NetworkView {
  return {
    Name: name,
    Id: createHash('sha256').update(`berth-network-${name}`).digest('hex'),
    Created: STARTED,
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

export const PREDEFINED_NETWORKS: readonly NetworkView[] = [network('bridge', 'bridge'), network('host', 'host'), network('none', 'null')];

function find(ref: string): NetworkView {
  const n = PREDEFINED_NETWORKS.find((x) => x.Name === ref || x.Id === ref || (ref.length >= 1 && x.Id.startsWith(ref)));
  if (!n) throw new NotFoundError(`network ${ref} not found`);
  return n;
}

export function networksRouter(): Router {
  const r = Router();
  const id = (req: Request): string => String(req.params['id']);
  r.get('/networks', asyncHandler(async (req, res) => {
    const f = queryFilters(req);
    checkFilterKeys(f, ['name', 'id', 'driver', 'type', 'label', 'scope', 'dangling']);
    const out = PREDEFINED_NETWORKS.filter((n) => {
      const any = (k: string, p: (v: string) => boolean): boolean => !f.get(k)?.length || f.get(k)!.some(p);
      return (
        any('name', (v) => n.Name.includes(v)) &&
        any('id', (v) => n.Id.startsWith(v)) &&
        any('driver', (v) => v === n.Driver) &&
        any('type', (v) => v === 'builtin') &&
        any('scope', (v) => v === 'local') &&
        !f.get('label')?.length
      );
    });
    sendJson(res, 200, out);
  }));
  r.post('/networks/create', asyncHandler(async () => {
    throw new NotImplementedError('network create: user-defined networks are not implemented; use bridge, host or none');
  }));
  r.post('/networks/prune', asyncHandler(async (_req, res) => sendJson(res, 200, { NetworksDeleted: null })));
  r.get('/networks/:id', asyncHandler(async (req, res) => sendJson(res, 200, find(id(req)))));
  r.delete('/networks/:id', asyncHandler(async (req) => {
    const n = find(id(req));
    throw new ForbiddenError(`${n.Name} is a pre-defined network and cannot be removed`);
  }));
  r.post('/networks/:id/connect', asyncHandler(async () => {
    throw new NotImplementedError('network connect is not implemented');
  }));
  r.post('/networks/:id/disconnect', asyncHandler(async () => {
    throw new NotImplementedError('network disconnect is not implemented');
  }));
  return r;
}
