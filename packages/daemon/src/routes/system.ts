import { Router, type Request, type Response } from 'express';
import { MAX_API_VERSION, checkFilterKeys, isInt64 } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import { asyncHandler, queryFilters, queryString, readJsonObject, sendJson } from '../server/route-helpers';
import { encodeEvent, eventMatches, type EventLog } from '../events/event-log';
import type { SystemInfo } from '../system/system-info';
import { imageSummaryFor } from './images';
import { setLongTimeout } from '../long-timeout';
import type { LoginRequest } from '../system/registry-login';

export interface SystemRoutesDeps {
  system: SystemInfo;
  events: EventLog;
  /** `GET /system/df`; omitted: 501. */
  diskUsage?: () => Promise<unknown>;
  /** `POST /auth` (docker login); omitted: 501. */
  login?: (body: LoginRequest) => Promise<{ IdentityToken: string; Status: string }>;
}

const EVENT_FILTERS = ['type', 'event', 'container', 'image', 'label', 'volume', 'network', 'daemon', 'scope', 'plugin', 'node', 'service', 'secret', 'config'];

function ping(req: Request, res: Response): void {
  res.setHeader('Api-Version', MAX_API_VERSION);
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  if (req.method === 'HEAD') {
    res.setHeader('Content-Length', 0);
    res.status(200).end();
    return;
  }
  res.setHeader('Content-Length', 2);
  res.status(200).end('OK');
}

/** docker's `since`/`until`: unix seconds with an optional `.nanoseconds` part, to bigint ns. */
export function parseEventTime(s: string | undefined, name: string): bigint | undefined {
  if (s === undefined || s === '') return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(s.trim());
  // the seconds as Go's strconv.ParseInt(…, 10, 64) takes them: past 2^63-1 a 400
  if (!m || !isInt64(BigInt(m[1]!))) throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

/** `/_ping`, `/version`, `/info`, `/events`, `/system/df`. */
export function systemRouter(deps: SystemRoutesDeps): Router {
  const r = Router();
  r.get('/_ping', ping);
  r.head('/_ping', ping);

  r.get('/version', asyncHandler(async (_req, res) => sendJson(res, 200, await deps.system.version())));
  r.get('/info', asyncHandler(async (_req, res) => sendJson(res, 200, await deps.system.info())));

  r.get('/events', asyncHandler(async (req, res) => {
    const filters = queryFilters(req);
    checkFilterKeys(filters, EVENT_FILTERS);
    const since = parseEventTime(queryString(req, 'since'), 'since');
    const until = parseEventTime(queryString(req, 'until'), 'until');
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.flushHeaders();
    const send = (line: string): void => {
      if (!res.destroyed && !res.writableEnded) res.write(line);
    };
    let unsubscribe = (): void => undefined;
    const buffered: string[] = [];
    let replaying = true;
    const live = deps.events.subscribe((e) => {
      if (until !== undefined && e.timeNano > until) return;
      if (!eventMatches(e, filters)) return;
      if (replaying) buffered.push(encodeEvent(e));
      else send(encodeEvent(e));
    });
    unsubscribe = live;
    if (since !== undefined) {
      for (const e of deps.events.replay(since, until)) if (eventMatches(e, filters)) send(encodeEvent(e));
    }
    replaying = false;
    for (const l of buffered) send(l);
    let unregister = (): void => undefined;
    const finish = (): void => {
      unsubscribe();
      unregister();
      if (!res.writableEnded) res.end();
    };
    unregister = deps.events.onClose(finish);
    let cancelUntil = (): void => undefined;
    res.on('close', () => {
      unsubscribe();
      unregister();
      cancelUntil();
    });
    if (until !== undefined) {
      const nowNano = BigInt(Date.now()) * 1_000_000n;
      if (until <= nowNano) finish();
      // however far off (a single setTimeout past 2^31-1 ms fires at once), just after `until`
      else cancelUntil = setLongTimeout(finish, Number((until - nowNano) / 1_000_000n) + 1, { unref: true });
    }
  }));

  r.post('/auth', asyncHandler(async (req, res) => {
    const body = await readJsonObject<LoginRequest>(req);
    if (!deps.login) {
      sendJson(res, 501, { message: 'login is not implemented' });
      return;
    }
    sendJson(res, 200, await deps.login(body));
  }));

  r.get('/system/df', asyncHandler(async (req, res) => {
    if (!deps.diskUsage) {
      sendJson(res, 501, { message: 'system df is not implemented' });
      return;
    }
    const df = (await deps.diskUsage()) as { Images?: object[] };
    // API 1.44: images without VirtualSize (as the images routes)
    if (Array.isArray(df.Images)) df.Images = df.Images.map((i) => imageSummaryFor(req, i));
    sendJson(res, 200, df);
  }));
  return r;
}
