import { Router, type Request } from 'express';
import { RunFailedError } from '@berth/builder';
import { goInt, goJsonKind, goParseInt64, parseJsonExact, type Int64 } from '@berth/api';
import { InvalidArgumentError, NotImplementedError } from '@berth/errdefs';
import { asyncHandler, queryBool, queryBoolValue, queryHas, queryList, sendJson, startJsonStream, type JsonStream } from '../server/route-helpers';
import { BuildService, type BuildRequest } from '../build/build-service';
import type { BuildHostConfig } from '../build/daemon-build-backend';

/**
 * A parameter as docker reads it, Go's r.FormValue: the *first* value when given twice (SDKs send
 * `dockerfile=` twice for a Dockerfile outside the context: its name, then its content).
 */
function formValue(req: Request, name: string): string | undefined {
  return queryList(req, name)[0];
}

function jsonMap(req: Request, name: string): Record<string, string | null> | undefined {
  const s = formValue(req, name);
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

/** `cachefrom`: a JSON array of image references (docker's r.FormValue, then json.Unmarshal). */
function cacheFrom(req: Request): string[] | undefined {
  const s = formValue(req, 'cachefrom');
  if (s === undefined || s === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new InvalidArgumentError('cachefrom: invalid JSON');
  }
  if (v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidArgumentError('cachefrom: must be a JSON array of strings');
  return v.length ? (v as string[]) : undefined;
}

function extraHosts(req: Request): string[] {
  const out = queryList(req, 'extrahosts').filter((h) => h !== '');
  for (const h of out) if (h.lastIndexOf(':') <= 0) throw new InvalidArgumentError(`invalid IP address in add-host: "${h}"`);
  return out;
}

/** moby's httputils.Int64ValueOrZero: what is not a base-10 int64 is 0 (unset). */
function int64OrZero(req: Request, name: string): Int64 {
  try {
    return goParseInt64(formValue(req, name) ?? '');
  } catch {
    return 0;
  }
}

/**
 * The build containers' HostConfig from `memory`, `memswap`, `cpushares`, `cpuperiod`,
 * `cpuquota`, `cpusetcpus`, `cpusetmems`, `cgroupparent`, `shmsize`, `ulimits` (moby's
 * newImageBuildOptions and hostConfigFromOptions); container create checks the values as for
 * `docker run`. Undefined when none is given.
 */
function buildResources(req: Request): BuildHostConfig | undefined {
  const r: BuildHostConfig = {};
  const ints = { Memory: 'memory', MemorySwap: 'memswap', CpuShares: 'cpushares', CpuPeriod: 'cpuperiod', CpuQuota: 'cpuquota' } as const;
  for (const [field, name] of Object.entries(ints) as Array<[keyof typeof ints, string]>) {
    const n = int64OrZero(req, name);
    if (n !== 0) (r as Record<string, Int64>)[field] = n; // CpuPeriod beyond 2^53: refused by create's range check
  }
  for (const [field, name] of [['CpusetCpus', 'cpusetcpus'], ['CpusetMems', 'cpusetmems'], ['CgroupParent', 'cgroupparent']] as const) {
    const v = formValue(req, name);
    if (v) r[field] = v;
  }
  const shm = formValue(req, 'shmsize');
  if (shm) {
    // docker: strconv.ParseInt's error as it is (a 500 there; a 400 here: it is the client's input)
    const n = goParseInt64(shm);
    if (n !== 0) r.ShmSize = n;
  }
  const ulimits = formValue(req, 'ulimits');
  if (ulimits) {
    // json.Unmarshal into []*units.Ulimit (InvalidParameter, wrapped): Soft and Hard Go int64s, exact
    const refuse = (why: string): never => {
      throw new InvalidArgumentError(`error reading ulimit settings: ${why}`);
    };
    let v: unknown;
    try {
      v = parseJsonExact(ulimits);
    } catch (e) {
      refuse((e as Error).message);
    }
    if (v !== null && (!Array.isArray(v) || !v.every((u) => u === null || (typeof u === 'object' && !Array.isArray(u))))) {
      refuse('expected an array of {"Name","Soft","Hard"}');
    }
    const list = ((v as Record<string, unknown>[] | null) ?? []).filter((u) => u !== null);
    for (const u of list) {
      if (u.Name !== undefined && u.Name !== null && typeof u.Name !== 'string') refuse(`json: cannot unmarshal ${goJsonKind(u.Name)} into Go struct field Ulimit.Name of type string`);
      for (const k of ['Soft', 'Hard'] as const) {
        try {
          u[k] = goInt(u[k], `Ulimit.${k}`, 'int64');
        } catch (e) {
          refuse((e as Error).message);
        }
      }
    }
    if (list.length) r.Ulimits = list as unknown as BuildHostConfig['Ulimits'];
  }
  return Object.keys(r).length ? r : undefined;
}

/**
 * What moby refuses before a Linux build starts: security options, a non-default isolation,
 * squash without experimental mode (this daemon never is).
 */
function refuseUnsupported(req: Request): void {
  if (queryHas(req, 'securityopt')) throw new InvalidArgumentError('The daemon on this platform does not support setting security options on build');
  const isolation = formValue(req, 'isolation');
  if (isolation && isolation.toLowerCase() !== 'default') throw new InvalidArgumentError(`Unsupported isolation: ${JSON.stringify(isolation)}`);
  if (queryBoolValue(req, 'squash')) throw new InvalidArgumentError('squash is only supported with experimental mode');
}

/**
 * `POST /build` (the legacy builder, SPEC §"docker build") and `POST /build/prune`. The JSON
 * stream starts with the first line of output, so that a bad Dockerfile or a hostile context
 * is a plain 400; `q=1` sends only `{"stream":"sha256:<id>\n"}` at the end.
 */
export function buildRouter(service: BuildService): Router {
  const r = Router();
  r.post('/build', asyncHandler(async (req, res) => {
    if (formValue(req, 'remote')) throw new NotImplementedError('build: remote contexts (remote=) are not supported; send the context as the request body');
    const version = formValue(req, 'version');
    if (version !== undefined && version !== '' && version !== '1') throw new NotImplementedError(`build: builder version ${version} (BuildKit) is not supported; use the legacy builder (version=1)`);
    refuseUnsupported(req);
    const labels = jsonMap(req, 'labels');
    const from = cacheFrom(req);
    const resources = buildResources(req);
    const request: BuildRequest = {
      tags: BuildService.normaliseTags(queryList(req, 't').filter((t) => t !== '')),
      ...(formValue(req, 'dockerfile') ? { dockerfile: formValue(req, 'dockerfile')! } : {}),
      ...(jsonMap(req, 'buildargs') ? { buildArgs: jsonMap(req, 'buildargs')! } : {}),
      ...(labels ? { labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])) } : {}),
      ...(formValue(req, 'target') ? { target: formValue(req, 'target')! } : {}),
      noCache: queryBool(req, 'nocache'),
      rm: queryHas(req, 'rm') ? queryBool(req, 'rm') : true,
      forceRm: queryBool(req, 'forcerm'),
      pull: queryBool(req, 'pull'),
      ...(formValue(req, 'platform') ? { platform: formValue(req, 'platform')! } : {}),
      ...(from ? { cacheFrom: from } : {}),
      // docker: r.Form["extrahosts"], every value (`host:ip`)
      ...(queryList(req, 'extrahosts').length ? { extraHosts: extraHosts(req) } : {}),
      // docker: r.FormValue("networkmode") becomes the RUN containers' NetworkMode as given
      ...(formValue(req, 'networkmode') ? { networkMode: formValue(req, 'networkmode')! } : {}),
      ...(resources ? { resources } : {}),
    };
    const quiet = queryBool(req, 'q');
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let stream: JsonStream | undefined;
    const open = (): JsonStream => (stream ??= startJsonStream(res));
    // q=1: moby writes the output to a buffer (notVerboseBuffer), dropped on success and sent
    // before the error on failure (the CLI shows it on stderr)
    const held: Array<Record<string, unknown>> = [];
    const out = {
      stream: (text: string): void => {
        if (quiet) held.push({ stream: text });
        else open().write({ stream: text });
      },
      aux: (value: Record<string, unknown>): void => {
        if (quiet) held.push({ aux: value });
        else open().write({ aux: value } as never);
      },
    };
    try {
      const result = await service.build(request, req, out, abort.signal);
      const s = open();
      if (quiet) s.write({ stream: `${result.imageId}\n` });
      s.end();
    } catch (e) {
      if (!stream) {
        // nothing written yet: a plain HTTP error, unless q=1 held some output back (moby's errf)
        if (!quiet || held.length === 0) throw e;
        const s = open();
        for (const m of held) s.write(m as never);
        s.fail(e, e instanceof RunFailedError ? e.exitCode : undefined);
        return;
      }
      stream.fail(e, e instanceof RunFailedError ? e.exitCode : undefined);
    }
  }));

  // The legacy builder's cache is its intermediate images (image prune removes them): no BuildKit cache to prune.
  r.post('/build/prune', asyncHandler(async (_req, res) => sendJson(res, 200, { CachesDeleted: null, SpaceReclaimed: 0 })));
  return r;
}
