/**
 * A Go struct as the docker CLI's templates see it: fields named by their Go names (`{{.HTTPProxy}}`,
 * `{{.Client.APIVersion}}`), `{{json .}}` with the JSON names in the struct's field order, zero
 * values for fields the daemon did not send, `omitempty` fields left out when empty, and a missing
 * field's error naming the Go type (`can't evaluate field Foo in type system.dockerInfo`).
 *
 * A field is written `Go[>json][?]:zero`: `>json` when the JSON name differs, `?` for omitempty,
 * the zero value `s` (""), `n` (0), `b` (false) or `z` (null).
 */
export class GoStruct {}

interface StructInfo {
  type: string;
  /** Go name → JSON key and zero value. */
  names: Map<string, { key: string; zero: unknown }>;
}

const INFO = new WeakMap<object, StructInfo>();

const ZERO: Record<string, unknown> = { s: '', n: 0, b: false, z: null };

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && !(v instanceof GoStruct)) return Object.keys(v).length === 0;
  return false;
}

/** Builds the struct `type` with `fields` from `data` (keyed by JSON names); values taken as they are. */
export function goStruct(type: string, fields: readonly string[], data: Record<string, unknown> | null | undefined): GoStruct {
  const o = new GoStruct() as Record<string, unknown>;
  const names = new Map<string, { key: string; zero: unknown }>();
  for (const f of fields) {
    const m = /^(\w+)(?:>(\w+))?(\?)?:([snbz])$/.exec(f);
    if (!m) throw new Error(`goStruct: bad field ${f}`);
    const [, goName, jsonName = goName, omit, zero] = m as unknown as [string, string, string | undefined, string | undefined, string];
    names.set(goName, { key: jsonName, zero: ZERO[zero] });
    const v = data?.[jsonName];
    if (omit ? isEmpty(v) : v === undefined) {
      if (!omit) o[jsonName] = ZERO[zero];
      continue;
    }
    o[jsonName] = v;
  }
  INFO.set(o, { type, names });
  return o;
}

/**
 * A template's field lookup on a GoStruct: `{ value }`, or `{ missing: type }` when the struct has
 * no such Go field. `undefined` when `o` is not a GoStruct.
 */
export function goField(o: object, name: string): { value: unknown } | { missing: string } | undefined {
  const info = INFO.get(o);
  if (!info) return undefined;
  const f = info.names.get(name);
  if (f === undefined) return { missing: info.type };
  const v = (o as Record<string, unknown>)[f.key];
  return { value: v === undefined ? f.zero : v };
}
