import { goTypeOfValue } from './docker-types';
/**
 * How a JS value stands for a Go value in `--format` templates and their `printf`: a string is
 * `string`, a boolean `bool`, an integral number `int` (a non-integral or huge one `float64`), a
 * `GoFloat` a float constant of the template (`1.0`, `1e3`: Go keeps them float64), an array a
 * slice, a plain object a `map[string]interface {}`, null a nil interface, `NO_VALUE` what a
 * missing map entry gives (printed `<no value>`), `NIL_POINTER` a nil pointer field of a struct
 * (printed `<nil>`). A struct-like row (FormatContext, GoStruct) names its own Go type.
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A number of docker inspect's raw fallback (`json.Decoder.UseNumber`): a string type named json.Number. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A time.Time field of docker's typed inspect data (JSON's RFC 3339 text): printed by its String method, marshalled back to the text. */
export class GoTime {
  constructor(
    readonly iso: string,
    /** The location a time.Time method's result keeps; none for a decoded text, which Go's parse rule places (go-time-methods' clockOf). */
    readonly loc?: GoLocation,
  ) {}
}

/** Where a time.Time is: UTC, time.Local, or a zone fixed at the text's offset. */
export type GoLocation = 'UTC' | 'Local' | 'Fixed';

/** A time.Duration a time.Time method gave (`{{.Created.Sub .Created}}`): printed by its String (`1h0m0s`), an int64 to `%d` and json. */
export class GoDuration {
  constructor(readonly ns: bigint) {}
}

/** An integer of a named Go type with a String method (time.Month, time.Weekday): `%v` prints the name, `%d`, json and comparisons see the number. */
export class GoNamedInt {
  constructor(
    readonly value: number,
    readonly name: string,
    readonly type: string,
  ) {}
}

export const NO_VALUE: unique symbol = Symbol('no value');
export const NIL_POINTER: unique symbol = Symbol('nil pointer');

/** A method a struct-like row offers its templates (`{{.Label "com.example"}}`): its parameters' Go types. */
export interface GoMethod {
  params: ('string' | 'int' | 'time.Time' | 'time.Duration')[];
  fn: (...args: unknown[]) => unknown;
}

/** Where a row keeps its methods (not an own enumerable field, so `{{json .}}` does not show it). */
export const METHODS: unique symbol = Symbol('methods');

/** A row's Go type name, when it has one (`*formatter.ContainerContext`). */
export const GO_TYPE: unique symbol = Symbol('go type');

export function isNil(v: unknown): boolean {
  return v === null || v === undefined || v === NO_VALUE || v === NIL_POINTER;
}

/** An `int` as Go would hold it: integral and within int64. */
export function isGoInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63;
}

export function isGoFloat(v: unknown): boolean {
  return v instanceof GoFloat || (typeof v === 'number' && !isGoInt(v));
}

export function floatOf(v: unknown): number {
  return v instanceof GoFloat ? v.value : (v as number);
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoFloat) && !(v instanceof JsonNumber) && !(v instanceof GoTime) && !(v instanceof GoDuration) && !(v instanceof GoNamedInt) && goTypeOf(v) === undefined;
}

function goTypeOf(v: object): string | undefined {
  return (v as { [GO_TYPE]?: string })[GO_TYPE];
}

/** Go's name of the value's dynamic type, as fmt's `%T` and the template's errors print it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined || v === NO_VALUE) return '<nil>';
  if (v === NIL_POINTER) return '*struct {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (isGoInt(v)) return 'int';
  if (typeof v === 'bigint') return 'int64';
  if (isGoFloat(v)) return 'float64';
  if (v instanceof JsonNumber) return 'json.Number';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof GoNamedInt) return v.type;
  // docker's typed inspect data: the Go type at its place (`*container.State`, `[]container.MountPoint`)
  const typed = typeof v === 'object' ? goTypeOfValue(v) : undefined;
  if (typed !== undefined) return typed.replace(/\bany\b/g, 'interface {}');
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return goTypeOf(v) ?? 'map[string]interface {}';
  return typeof v;
}

/** Go's truth of a value (`if`, `with`, `and`, `or`, `not`). */
export function goTruth(v: unknown): boolean {
  if (isNil(v) || v === false || v === '') return false;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof GoFloat) return v.value !== 0;
  if (v instanceof GoDuration) return v.ns !== 0n;
  if (v instanceof GoNamedInt) return v.value !== 0;
  if (v instanceof JsonNumber) return v.text !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}
