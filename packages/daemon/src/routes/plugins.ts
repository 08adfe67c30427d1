import { Router, type Request } from 'express';
import { checkFilterKeys, goAtoi } from '@berth/api';
import { InternalError, NotFoundError, NotImplementedError } from '@berth/errdefs';
import { asyncHandler, queryFilters, queryString, readJsonBody, sendJson } from '../server/route-helpers';

/**
 * `/plugins` as a Docker 20.10 with no plugin installed answers it: the list is empty, every
 * named plugin is `plugin "NAME" not found` (moby plugin/errors.go errNotFound, a 404). berth
 * cannot install plugins: pull, create and privileges say so (501).
 */
export const PLUGINS_NOT_IMPLEMENTED = 'berth does not support managed plugins';

const notFound = (name: string): never => {
  throw new NotFoundError(`plugin ${JSON.stringify(name)} not found`);
};

const nameOf = (req: Request): string => String((req.params as Record<string, unknown>)['name']);

export function pluginsRouter(): Router {
  const r = Router();
  r.get('/plugins', (req, res) => {
    checkFilterKeys(queryFilters(req), ['capability', 'enabled']);
    sendJson(res, 200, []);
  });
  r.get('/plugins/privileges', () => {
    throw new NotImplementedError(PLUGINS_NOT_IMPLEMENTED);
  });
  r.post('/plugins/pull', () => {
    throw new NotImplementedError(PLUGINS_NOT_IMPLEMENTED);
  });
  r.post('/plugins/create', () => {
    throw new NotImplementedError(PLUGINS_NOT_IMPLEMENTED);
  });
  // plugin names carry slashes and tags (`vieux/sshfs:latest`)
  r.get(/^\/plugins\/(?<name>.+)\/json$/, (req) => notFound(nameOf(req)));
  r.delete(/^\/plugins\/(?<name>.+)$/, (req) => notFound(nameOf(req)));
  r.post(/^\/plugins\/(?<name>.+)\/enable$/, (req) => {
    // docker: strconv.Atoi(r.Form.Get("timeout")) before the lookup, its error unwrapped (500)
    const t = queryString(req, 'timeout') ?? '';
    try {
      goAtoi(t);
    } catch (e) {
      throw new InternalError((e as Error).message);
    }
    notFound(nameOf(req));
  });
  r.post(/^\/plugins\/(?<name>.+)\/(?<op>disable|push)$/, (req) => notFound(nameOf(req)));
  r.post(/^\/plugins\/(?<name>.+)\/(?<op>set|upgrade)$/, asyncHandler(async (req) => {
    await readJsonBody(req);
    notFound(nameOf(req));
  }));
  return r;
}

/**
 * `POST /session` (BuildKit's session hijack). berthd advertises the classic builder in `/_ping`,
 * so the docker CLI never calls it; a client that does is told plainly.
 */
export function sessionRouter(): Router {
  const r = Router();
  r.post('/session', () => {
    throw new NotImplementedError('session: berth has the classic builder only (no BuildKit sessions)');
  });
  return r;
}
