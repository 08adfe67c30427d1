import { Router, type Request } from 'express';
import { InvalidArgumentError, NotImplementedError, UnavailableError } from '@berth/errdefs';
import { asyncHandler, queryFilters, readJsonBody } from '../server/route-helpers';

/**
 * Swarm mode's routes (`/swarm`, `/nodes`, `/services`, `/tasks`, `/secrets`, `/configs`) as a
 * Docker 20.10 whose swarm is inactive answers them (moby daemon/cluster: errNoManager,
 * errNoSwarm; both `notAvailableError`, a 503). berth does not implement swarm mode: `init` and
 * `join` say so (501) instead of creating a swarm; orchestration is Kubernetes over the CRI.
 */
export const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
export const NOT_IN_SWARM = 'This node is not part of a swarm';
export const SWARM_NOT_IMPLEMENTED =
  'berth does not implement swarm mode: orchestrate berth with Kubernetes through its CRI endpoint';

const notManager = (): never => {
  throw new UnavailableError(NOT_MANAGER);
};


/** docker decodes the JSON body of create/update/init/join first: an empty body is `got EOF while reading request body`. */
async function readSpec(req: Request): Promise<void> {
  const body = await readJsonBody(req);
  if (body === undefined) throw new InvalidArgumentError('got EOF while reading request body');
}

export function swarmRouter(): Router {
  const r = Router();

  r.post('/swarm/init', asyncHandler(async (req) => {
    await readSpec(req);
    throw new NotImplementedError(SWARM_NOT_IMPLEMENTED);
  }));
  r.post('/swarm/join', asyncHandler(async (req) => {
    await readSpec(req);
    throw new NotImplementedError(SWARM_NOT_IMPLEMENTED);
  }));
  r.post('/swarm/leave', () => {
    throw new UnavailableError(NOT_IN_SWARM);
  });
  r.get('/swarm', notManager);
  r.get('/swarm/unlockkey', notManager);
  r.post('/swarm/update', asyncHandler(async (req) => {
    await readSpec(req);
    notManager();
  }));
  r.post('/swarm/unlock', asyncHandler(async (req) => {
    await readSpec(req);
    notManager();
  }));

  for (const kind of ['nodes', 'services', 'tasks', 'secrets', 'configs']) {
    r.get(`/${kind}`, (req) => {
      // filters are parsed (400 when malformed) before the manager is asked; their keys are the manager's to check
      queryFilters(req);
      notManager();
    });
    r.get(`/${kind}/:id`, notManager);
    r.delete(`/${kind}/:id`, notManager);
    r.post(`/${kind}/:id/update`, asyncHandler(async (req) => {
      await readSpec(req);
      notManager();
    }));
  }
  for (const kind of ['services', 'secrets', 'configs']) {
    r.post(`/${kind}/create`, asyncHandler(async (req) => {
      await readSpec(req);
      notManager();
    }));
  }
  for (const kind of ['services', 'tasks']) {
    r.get(`/${kind}/:id/logs`, (req) => {
      const q = req.query as Record<string, unknown>;
      const on = (v: unknown): boolean => v === '1' || v === 'true' || v === 'True';
      if (!on(q['stdout']) && !on(q['stderr'])) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
      notManager();
    });
  }
  return r;
}
