import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { encodePathStat, PATH_STAT_HEADER, type ContainerCreateRequest } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ContainerService } from '../containers/container-service';
import { endpointFieldsForApi, summaryEndpointsForApi } from '../containers/endpoint-api-fields';
import { execConsoleSize } from '../containers/exec-session';
import {
  apiAtLeast,
  apiVersionOf,
  asyncHandler,
  hijack,
  MULTIPLEXED_STREAM_CONTENT_TYPE,
  RAW_STREAM_CONTENT_TYPE,
  queryBool,
  queryBoolValue,
  queryFilters,
  queryHas,
  queryAtoi,
  queryInt,
  queryList,
  queryString,
  readBody,
  readJsonBody,
  sendEmpty,
  sendJson,
} from '../server/route-helpers';

/** An AbortSignal that fires when the client goes away before the response is complete. */
function clientGone(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

/** Writes one chunk, waiting for the socket to drain; false once the client is gone. */
async function writeChunk(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(chunk)) return true;
  await Promise.race([once(res, 'drain'), once(res, 'close')]);
  return !res.destroyed;
}

/** `tail=all|N`: docker treats anything that is not a non-negative integer as all. */
function parseTail(v: string | undefined): number | 'all' {
  if (v === undefined || v === '' || v === 'all') return 'all';
  if (!/^\d+$/.test(v)) return 'all';
  return Number(v);
}

/** `t=` of stop/restart: seconds, -1 waits forever; missing means the container's default. */
function stopTimeout(req: Request): number | undefined {
  const t = queryInt(req, 't');
  if (t !== undefined && t < -1) throw new InvalidArgumentError(`invalid value for t: ${t}`);
  return t;
}

/**
 * The container routes of the Engine API (moby api/server/router/container): each handler parses
 * the request, calls the ContainerService, and encodes the answer with docker's wire details.
 * Errors are thrown as errdefs kinds and mapped to statuses by the app's error handler.
 */
/**
 * Create fields a request's API version does not know are dropped, as docker does: HostConfig
 * Annotations before 1.43, Healthcheck StartInterval and per-endpoint MacAddress before 1.44.
 */
function withoutNewerFields(req: Request, body: ContainerCreateRequest | undefined): ContainerCreateRequest | undefined {
  if (!body || typeof body !== 'object') return body;
  const hc = body.HostConfig as Record<string, unknown> | undefined | null;
  if (!apiAtLeast(req, '1.43') && hc && typeof hc === 'object') delete hc.Annotations;
  const health = body.Healthcheck as Record<string, unknown> | undefined | null;
  if (!apiAtLeast(req, '1.44') && health && typeof health === 'object') delete health.StartInterval;
  // the per-endpoint MacAddress is API 1.44's: an older client's is ignored (moby handleMACAddressBC)
  if (!apiAtLeast(req, '1.44')) withoutEndpointMacs((body.NetworkingConfig as { EndpointsConfig?: unknown } | undefined | null)?.EndpointsConfig);
  return body;
}

/** Drops MacAddress from each EndpointSettings of an EndpointsConfig (before API 1.44). */
function withoutEndpointMacs(eps: unknown): void {
  if (!eps || typeof eps !== 'object') return;
  for (const ep of Object.values(eps as Record<string, unknown>)) {
    if (ep && typeof ep === 'object') delete (ep as { MacAddress?: unknown }).MacAddress;
  }
}

/** `signal` of stop and restart: API 1.42 (docker ignores it below). */
function stopSignal(req: Request): string | undefined {
  return apiAtLeast(req, '1.42') ? queryString(req, 'signal') || undefined : undefined;
}

/** A hijacked or logs stream's Content-Type: multiplexed streams say so from API 1.42. */
function streamContentType(req: Request, tty: boolean): string {
  return !tty && apiAtLeast(req, '1.42') ? MULTIPLEXED_STREAM_CONTENT_TYPE : RAW_STREAM_CONTENT_TYPE;
}

export function containersRouter(service: ContainerService): Router {
  const r = Router();
  const id = (req: Request): string => String(req.params.id);

  r.get(
    '/containers/json',
    asyncHandler(async (req: Request, res: Response) => {
      const list = await service.list({
        all: queryBool(req, 'all'),
        limit: queryInt(req, 'limit'),
        size: queryBool(req, 'size'),
        filters: queryFilters(req),
      });
      sendJson(res, 200, summaryEndpointsForApi(list, (version) => apiAtLeast(req, version)));
    }),
  );

  r.post(
    '/containers/create',
    asyncHandler(async (req: Request, res: Response) => {
      // dockerode repeats every option in the query string: only `name` and `platform` count.
      const body = withoutNewerFields(req, await readJsonBody<ContainerCreateRequest>(req, { exact: true }));
      const out = await service.create(body as ContainerCreateRequest, {
        name: queryString(req, 'name') || undefined,
        platform: queryString(req, 'platform') || undefined,
        multipleNetworks: apiAtLeast(req, '1.44'),
        apiVersion: apiVersionOf(req),
      });
      sendJson(res, 201, out);
    }),
  );

  r.post(
    '/containers/prune',
    asyncHandler(async (req: Request, res: Response) => {
      sendJson(res, 200, await service.prune(queryFilters(req)));
    }),
  );

  r.get(
    '/containers/:id/json',
    asyncHandler(async (req: Request, res: Response) => {
      const v = await service.inspect(id(req), { size: queryBool(req, 'size') });
      sendJson(res, 200, endpointFieldsForApi(v, (version) => apiAtLeast(req, version)));
    }),
  );

  r.post(
    '/containers/:id/start',
    asyncHandler(async (req: Request, res: Response) => {
      await readBody(req);
      await service.start(id(req));
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/stop',
    asyncHandler(async (req: Request, res: Response) => {
      await service.stop(id(req), { timeout: stopTimeout(req), signal: stopSignal(req) });
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/restart',
    asyncHandler(async (req: Request, res: Response) => {
      await service.restart(id(req), { timeout: stopTimeout(req), signal: stopSignal(req) });
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/kill',
    asyncHandler(async (req: Request, res: Response) => {
      await service.kill(id(req), queryString(req, 'signal') || undefined);
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/wait',
    asyncHandler(async (req: Request, res: Response) => {
      const gone = clientGone(res);
      const handle = await service.wait(id(req), queryString(req, 'condition') ?? '', gone);
      // `docker run` sends start only once it has these headers (SPEC §5 run, step 3).
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      const result = await handle.result;
      if (!res.destroyed && !res.writableEnded) res.end(JSON.stringify({ Error: result.Error, StatusCode: result.StatusCode }) + '\n');
    }),
  );

  r.post(
    '/containers/:id/attach',
    asyncHandler(async (req: Request, res: Response) => {
      // dockerode sends its options as a JSON body too: read it off before the socket turns raw.
      await readBody(req);
      const attachment = await service.attach(id(req), {
        stdin: queryBool(req, 'stdin'),
        stdout: queryBool(req, 'stdout'),
        stderr: queryBool(req, 'stderr'),
        stream: queryBool(req, 'stream'),
        logs: queryBool(req, 'logs'),
        detachKeys: queryString(req, 'detachKeys') ?? '',
      });
      const socket = hijack(req, res, { contentType: streamContentType(req, attachment.tty) });
      await attachment.connect(socket);
    }),
  );

  r.get(
    '/containers/:id/logs',
    asyncHandler(async (req: Request, res: Response) => {
      const signal = clientGone(res);
      const logs = await service.logs(id(req), {
        stdout: queryBool(req, 'stdout'),
        stderr: queryBool(req, 'stderr'),
        follow: queryBool(req, 'follow'),
        timestamps: queryBool(req, 'timestamps'),
        since: queryString(req, 'since'),
        until: queryString(req, 'until'),
        tail: parseTail(queryString(req, 'tail')),
        signal,
      });
      // docker 20.10 sends no Content-Type on logs (SPEC §4.2); API 1.42 names the stream's kind.
      // Chunked, one chunk per batch of entries.
      res.statusCode = 200;
      if (apiAtLeast(req, '1.42')) res.setHeader('Content-Type', streamContentType(req, logs.tty));
      else res.removeHeader('Content-Type');
      res.flushHeaders();
      for await (const chunk of logs.chunks) {
        if (!(await writeChunk(res, chunk))) break;
      }
      if (!res.destroyed && !res.writableEnded) res.end();
    }),
  );

  r.post(
    '/containers/:id/update',
    asyncHandler(async (req: Request, res: Response) => {
      const body = await readJsonBody(req, { exact: true });
      sendJson(res, 200, await service.update(id(req), body ?? {}, { pidsLimit: apiAtLeast(req, '1.40') }));
    }),
  );

  r.post(
    '/containers/:id/pause',
    asyncHandler(async (req: Request, res: Response) => {
      await service.pause(id(req));
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/unpause',
    asyncHandler(async (req: Request, res: Response) => {
      await service.unpause(id(req));
      sendEmpty(res, 204);
    }),
  );

  r.post(
    '/containers/:id/resize',
    asyncHandler(async (req: Request, res: Response) => {
      const h = queryAtoi(req, 'h');
      const w = queryAtoi(req, 'w');
      await service.resize(id(req), h, w);
      sendEmpty(res, 200);
    }),
  );

  r.get(
    '/containers/:id/export',
    asyncHandler(async (req: Request, res: Response) => {
      const signal = clientGone(res);
      const tar = await service.export(id(req), signal);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/octet-stream');
      try {
        await pipeline(tar, res);
      } catch {
        // the client went away or the tar failed after the headers: nothing more can be said
        if (!res.destroyed) res.destroy();
      }
    }),
  );

  r.post(
    '/containers/:id/rename',
    asyncHandler(async (req: Request, res: Response) => {
      if (!queryHas(req, 'name')) throw new InvalidArgumentError('Neither old nor new names may be empty');
      await service.rename(id(req), queryString(req, 'name') ?? '');
      sendEmpty(res, 204);
    }),
  );

  r.head(
    '/containers/:id/archive',
    asyncHandler(async (req: Request, res: Response) => {
      const stat = await service.archiveStat(id(req), queryString(req, 'path') ?? '');
      res.setHeader(PATH_STAT_HEADER, encodePathStat(stat));
      sendEmpty(res, 200);
    }),
  );

  r.get(
    '/containers/:id/archive',
    asyncHandler(async (req: Request, res: Response) => {
      const { stat, tar } = await service.archiveGet(id(req), queryString(req, 'path') ?? '');
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/x-tar');
      res.setHeader(PATH_STAT_HEADER, encodePathStat(stat));
      try {
        await pipeline(tar, res);
      } catch {
        if (!res.destroyed) res.destroy();
      }
    }),
  );

  r.put(
    '/containers/:id/archive',
    asyncHandler(async (req: Request, res: Response) => {
      // The body is a tar, sent as text/plain by the CLI and application/tar by dockerode.
      await service.archivePut(id(req), queryString(req, 'path') ?? '', req, {
        noOverwriteDirNonDir: queryBool(req, 'noOverwriteDirNonDir'),
        copyUIDGID: queryBoolValue(req, 'copyUIDGID'),
        signal: clientGone(res),
      });
      sendEmpty(res, 200);
    }),
  );

  r.post(
    '/commit',
    asyncHandler(async (req: Request, res: Response) => {
      const body = await readJsonBody(req, { exact: true }); // a Config: Go ints and durations, checked by the commit
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
        throw new InvalidArgumentError('commit: the body must be a container Config object');
      }
      const container = queryString(req, 'container');
      if (!container) throw new InvalidArgumentError('commit: container is required');
      const out = await service.commit(container, {
        repo: queryString(req, 'repo') || undefined,
        tag: queryString(req, 'tag') || undefined,
        author: queryString(req, 'author'),
        comment: queryString(req, 'comment'),
        changes: queryList(req, 'changes'),
        pause: queryHas(req, 'pause') ? queryBool(req, 'pause') : true,
        config: (body ?? undefined) as Record<string, unknown> | undefined,
        signal: clientGone(res),
      });
      sendJson(res, 201, out);
    }),
  );

  r.get(
    '/containers/:id/changes',
    asyncHandler(async (req: Request, res: Response) => {
      sendJson(res, 200, await service.changes(id(req)));
    }),
  );

  r.get(
    '/containers/:id/top',
    asyncHandler(async (req: Request, res: Response) => {
      sendJson(res, 200, await service.top(id(req), queryString(req, 'ps_args')));
    }),
  );

  r.get(
    '/containers/:id/stats',
    asyncHandler(async (req: Request, res: Response) => {
      // `stream` defaults to true; the CLI sends stream=0 for --no-stream, dockerode stream=false.
      const stream = queryHas(req, 'stream') ? queryBool(req, 'stream') : true;
      const signal = clientGone(res);
      const messages = await service.stats(id(req), { stream, oneShot: queryBool(req, 'one-shot'), signal });
      if (!stream) {
        for await (const m of messages) {
          sendJson(res, 200, m);
          return;
        }
        return;
      }
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      for await (const m of messages) {
        if (!(await writeChunk(res, Buffer.from(JSON.stringify(m) + '\n')))) break;
      }
      if (!res.destroyed && !res.writableEnded) res.end();
    }),
  );

  r.post(
    '/containers/:id/exec',
    asyncHandler(async (req: Request, res: Response) => {
      const body = await readJsonBody(req);
      sendJson(res, 201, await service.execCreate(id(req), body));
    }),
  );

  r.post(
    '/exec/:id/start',
    asyncHandler(async (req: Request, res: Response) => {
      const body = (await readJsonBody<Record<string, unknown>>(req)) ?? {};
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('exec start: the body must be a JSON object');
      if (body.Detach !== undefined && typeof body.Detach !== 'boolean') throw new InvalidArgumentError('Detach: expected a boolean');
      if (body.Tty !== undefined && body.Tty !== null && typeof body.Tty !== 'boolean') throw new InvalidArgumentError('Tty: expected a boolean');
      // exec start's ConsoleSize: API 1.42 (ignored below)
      const consoleSize = apiAtLeast(req, '1.42') ? execConsoleSize(body.ConsoleSize) : undefined;
      if (body.Detach === true) {
        await service.execStart(id(req), { detach: true, ...(consoleSize ? { consoleSize } : {}) });
        sendEmpty(res, 200);
        return;
      }
      // docker frames the stream by the start request's Tty (false when left out), not the create's
      const attachment = (await service.execStart(id(req), { tty: body.Tty === true, ...(consoleSize ? { consoleSize } : {}) }))!;
      const socket = hijack(req, res, { contentType: streamContentType(req, attachment.tty) });
      await attachment.connect(socket);
    }),
  );

  r.get(
    '/exec/:id/json',
    asyncHandler(async (req: Request, res: Response) => {
      sendJson(res, 200, await service.execInspect(id(req)));
    }),
  );

  r.post(
    '/exec/:id/resize',
    asyncHandler(async (req: Request, res: Response) => {
      await service.execResize(id(req), queryAtoi(req, 'h'), queryAtoi(req, 'w'));
      sendEmpty(res, 200);
    }),
  );

  r.delete(
    '/containers/:id',
    asyncHandler(async (req: Request, res: Response) => {
      await service.remove(id(req), { force: queryBool(req, 'force'), volumes: queryBool(req, 'v'), link: queryBool(req, 'link') });
      sendEmpty(res, 204);
    }),
  );

  return r;
}
