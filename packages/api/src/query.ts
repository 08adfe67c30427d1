import { InvalidArgumentError } from '@berth/errdefs';

/** Query booleans: the CLI sends `1`, dockerode `true`/`false`. `1`, `true`, `True` are true; all else false. */
export function parseBool(v: unknown): boolean {
  if (Array.isArray(v)) v = v[v.length - 1];
  if (typeof v !== 'string') return v === true;
  const s = v.trim().toLowerCase();
  return s === '1' || s === 'true' || s === 'yes';
}

/** A `filters` argument: key -> list of values. */
export type Filters = Map<string, string[]>;

/**
 * Parses `filters` in both forms: the CLI's map form `{"name":{"x":true}}` and dockerode's array
 * form `{"name":["x"]}`. Empty or missing gives no filters; anything else malformed is a 400.
 */
export function parseFilters(raw: unknown): Filters {
  const out: Filters = new Map();
  if (raw === undefined || raw === null || raw === '') return out;
  if (typeof raw !== 'string') throw new InvalidArgumentError('invalid filter: expected a JSON string');
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`invalid filter '${raw}'`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InvalidArgumentError(`invalid filter '${raw}'`);
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (Array.isArray(v)) out.set(k, v.map(String));
    else if (v && typeof v === 'object') out.set(k, Object.entries(v).filter(([, on]) => on !== false).map(([x]) => x));
    else throw new InvalidArgumentError(`invalid filter '${k}'`);
  }
  return out;
}

/** Encodes filters in the CLI's map form. */
export function encodeFilters(f: Record<string, string[]>): string {
  // own properties (fromEntries): a value `__proto__` (`--filter name=__proto__`) assigned would
  // be dropped, and the filter with it
  const o = Object.fromEntries(Object.entries(f).filter(([, vs]) => vs.length > 0).map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))]));
  return JSON.stringify(o);
}

/** Checks that every filter key is one the endpoint knows: docker answers 400 `invalid filter 'x'`. */
export function checkFilterKeys(f: Filters, allowed: readonly string[]): void {
  for (const k of f.keys()) if (!allowed.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}
