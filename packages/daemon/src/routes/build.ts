import { Router, type Request } from 'express';
import { RunFailedError } from '@berth/builder';
import { InvalidArgumentError, NotImplementedError } from '@berth/errdefs';
import { asyncHandler, queryBool, queryHas, queryList, queryString, sendJson, startJsonStream, type JsonStream } from '../server/route-helpers';
import { BuildService, type BuildRequest } from '../build/build-service';

function jsonMap(req: Request, name: string): Record<string, string | null> | undefined {
  const s = queryString(req, name);
  if (s === undefined || s === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new InvalidArgumentError(`${name}: invalid JSON`);
  }
  if (v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`${name}: must be a JSON object`);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== null && typeof x !== 'string') throw new InvalidArgumentError(`${name}: value of ${k} must be a string`);
  }
  return v as Record<string, string | null>;
}

/**
 * `POST /build` (the legacy builder, SPEC §"docker build") and `POST /build/prune`. The JSON
 * stream starts with the first line of output, so that a bad Dockerfile or a hostile context
 * is a plain 400; `q=1` sends only `{"stream":"sha256:<id>\n"}` at the end.
 */
export function buildRouter(service: BuildService): Router {
  const r = Router();
  r.post('/build', asyncHandler(async (req, res) => {
    if (queryString(req, 'remote')) throw new NotImplementedError('build: remote contexts (remote=) are not supported; send the context as the request body');
    const version = queryString(req, 'version');
    if (version !== undefined && version !== '' && version !== '1') throw new NotImplementedError(`build: builder version ${version} (BuildKit) is not supported; use the legacy builder (version=1)`);
    const labels = jsonMap(req, 'labels');
    const request: BuildRequest = {
      tags: BuildService.normaliseTags(queryList(req, 't').filter((t) => t !== '')),
      ...(queryString(req, 'dockerfile') ? { dockerfile: queryString(req, 'dockerfile')! } : {}),
      ...(jsonMap(req, 'buildargs') ? { buildArgs: jsonMap(req, 'buildargs')! } : {}),
      ...(labels ? { labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])) } : {}),
      ...(queryString(req, 'target') ? { target: queryString(req, 'target')! } : {}),
      noCache: queryBool(req, 'nocache'),
      rm: queryHas(req, 'rm') ? queryBool(req, 'rm') : true,
      forceRm: queryBool(req, 'forcerm'),
      pull: queryBool(req, 'pull'),
      ...(queryString(req, 'platform') ? { platform: queryString(req, 'platform')! } : {}),
    };
    const quiet = queryBool(req, 'q');
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let stream: JsonStream | undefined;
    const open = (): JsonStream => (stream ??= startJsonStream(res));
    const out = {
      stream: (text: string): void => {
        if (!quiet) open().write({ stream: text });
      },
      aux: (value: Record<string, unknown>): void => {
        if (!quiet) open().write({ aux: value } as never);
      },
    };
    try {
      const result = await service.build(request, req, out, abort.signal);
      const s = open();
      if (quiet) s.write({ stream: `${result.imageId}\n` });
      s.end();
    } catch (e) {
      if (!stream) {
        if (quiet && e instanceof RunFailedError) {
          const s = open();
          s.fail(e, e.exitCode);
          return;
        }
        throw e;
      }
      stream.fail(e, e instanceof RunFailedError ? e.exitCode : undefined);
    }
  }));

  // The legacy builder's cache is its intermediate images (image prune removes them): no BuildKit cache to prune.
  r.post('/build/prune', asyncHandler(async (_req, res) => sendJson(res, 200, { CachesDeleted: null, SpaceReclaimed: 0 })));
  return r;
}
