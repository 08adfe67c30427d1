import type { Request } from 'express';
import { goAtoi, parseBool, parseFilters, type Filters } from '@berth/api';

/**
 * Query-string accessors. Repeated keys (`changes=..&changes=..`, dockerode's `Cmd=sh&Cmd=-c`)
 * arrive as arrays; a scalar accessor takes the last value.
 */
function raw(req: Request, name: string): unknown {
  return (req.query as Record<string, unknown>)[name];
}

export function queryString(req: Request, name: string): string | undefined {
  const v = raw(req, name);
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function queryList(req: Request, name: string): string[] {
  const v = raw(req, name);
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

/** `1`, `true`, `True` are true; `0`, `false`, empty or missing are false (SPEC §1). */
export function queryBool(req: Request, name: string): boolean {
  return parseBool(raw(req, name));
}

/**
 * moby's httputils.BoolValue (the rule of copyUIDGID): false when missing, empty, `0`, `no`,
 * `false` or `none` (any case, trimmed); anything else is true.
 */
export function queryBoolValue(req: Request, name: string): boolean {
  const s = (queryString(req, name) ?? '').trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
}

/** Whether the parameter is present at all (to tell "missing" from "false"). */
export function queryHas(req: Request, name: string): boolean {
  return raw(req, name) !== undefined;
}

/**
 * An integer parameter moby reads only when it is given (`if v != "" { strconv.Atoi(v) }`: stop
 * and restart `t`, list `limit`): missing or empty gives `def`; anything else is Go's Atoi, a 400
 * with Go's text (`strconv.Atoi: parsing "1e3": invalid syntax`; Docker 20.10 answers it 500).
 * Int64's range, as a number (beyond 2^53 rounded: a timeout or a limit that size is no different).
 */
export function queryInt(req: Request, name: string, def?: number): number | undefined {
  const s = queryString(req, name);
  if (s === undefined || s === '') return def;
  return Number(goAtoi(s));
}

/** An integer parameter moby always reads with Atoi (resize `h`, `w`): missing is `parsing "": invalid syntax` (400). */
export function queryAtoi(req: Request, name: string): number {
  return Number(goAtoi(queryString(req, name) ?? ''));
}

/** `filters` in the CLI's map form or dockerode's array form. */
export function queryFilters(req: Request): Filters {
  return parseFilters(queryString(req, 'filters'));
}
