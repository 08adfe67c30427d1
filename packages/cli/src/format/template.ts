import { int64Value } from '@berth/api';
import { goJson, goQuote, goSortedJson } from './go-text';
import { goTimeMethods } from './go-time-methods';
import { goBytesOf, goFieldOf, goNilOf, goTypeOfValue, isGoNil, markGoTypes, marshalTyped, structFields } from './docker-types';
import { GoStruct, goField } from './go-struct';
import { goPrintValue, goSprint, goSprintf, goSprintln } from './go-fmt';
import { GO_TYPE, GoDuration, GoFloat, GoNamedInt, GoMethod, GoTime, JsonNumber, METHODS, NIL_POINTER, NO_VALUE, goTruth, goTypeName, isGoInt, isMap, isNil } from './go-value';
import { Arg, Command, Node, Pipe, TemplateError, Tree, nodeString, numberValue, parseTemplate } from './template-parse';
import { goTimeJson } from './go-time-json';

export { TemplateError } from './template-parse';

/**
 * Go's text/template as docker 28's `--format` and `inspect -f` run it: the parser of
 * template-parse.ts, Go's builtins (and or not len index slice print printf println html js
 * urlquery call eq ne lt le gt ge) with Go's argument checks, docker's own (json split join title
 * lower upper pad truncate), variables, if/with/range (else if, break, continue, range over an
 * int), define/template/block, and Go's execution errors (`template: :1:2: executing "" at
 * <printf>: wrong number of args for printf: want at least 1 got 0`). Values are go-value.ts's.
 */

/** What a failed builtin says after `error calling NAME: `. */
class CallError extends Error {}

/** Go's missingVal: no value piped in from a previous command. */
const NOTHING: unique symbol = Symbol('nothing');
type Final = unknown;

type Param = 'any' | 'string' | 'int' | 'strings' | 'time.Time' | 'time.Duration';

interface Func {
  params: Param[];
  variadic?: Param;
  fn: (...args: unknown[]) => unknown;
}

function titleCase(s: string): string {
  // strings.Title: a letter after a separator (not a letter, digit or underscore) is upper-cased
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
}

/** Go's basic kinds for the comparison functions. */
function basicKind(v: unknown): 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other' {
  if (isNil(v)) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string' || v instanceof JsonNumber) return 'string';
  if (isGoInt(v) || typeof v === 'bigint' || v instanceof GoDuration || v instanceof GoNamedInt) return 'int';
  if (typeof v === 'number' || v instanceof GoFloat) return 'float';
  return 'other';
}

function plain(v: unknown): unknown {
  if (v instanceof GoFloat) return v.value;
  if (v instanceof GoDuration) return v.ns;
  if (v instanceof GoNamedInt) return v.value;
  if (v instanceof JsonNumber) return v.text;
  return v;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new CallError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth: boolean;
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new CallError('incompatible types for comparison');
      truth = false;
    } else if (k1 === 'other') {
      if (Array.isArray(a) || Array.isArray(b) || isMap(a) || isMap(b)) throw new CallError(`non-comparable type ${goSprint([b])}: ${goTypeName(b)}`);
      truth = a === b;
    } else truth = k1 === 'nil' || (k1 === 'int' ? BigInt(plain(a) as number) === BigInt(plain(b) as number) : plain(a) === plain(b));
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'bool' || k1 === 'other' || k1 === 'nil' || k2 === 'bool' || k2 === 'other' || k2 === 'nil') throw new CallError('invalid type for comparison');
  if (k1 !== k2) throw new CallError('incompatible types for comparison');
  return (plain(a) as number | string) < (plain(b) as number | string);
}

/** The value of a string-only builtin (html, js, urlquery): one string as it is, else fmt.Sprint. */
function evalArgs(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : goSprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const n = c.codePointAt(0)!;
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '"') out += '\\"';
    else if (c === '<') out += '\\u003C';
    else if (c === '>') out += '\\u003E';
    else if (c === '&') out += '\\u0026';
    else if (c === '=') out += '\\u003D';
    else if (n < 0x20 || n === 0x7f) out += `\\u${n.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

function queryEscape(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

/** An index argument of index/slice: an int within [0, cap]. */
function indexArg(v: unknown, cap: number, what: string): number {
  if (isNil(v)) throw new CallError(`cannot index ${what} with nil`);
  if (!isGoInt(v)) throw new CallError(`cannot index ${what} with type ${goTypeName(v)}`);
  if (v < 0 || v > cap) throw new CallError(`index out of range: ${v}`);
  return v;
}

/** A map's missing entry: `""` for a map of strings (docker's typed labels/options), else no value. */
function missingEntry(m: Record<string, unknown>): unknown {
  return Object.values(m).every((x) => typeof x === 'string') ? '' : NO_VALUE;
}

const FUNCS: Record<string, Func> = {
  and: { params: ['any'], variadic: 'any', fn: () => undefined }, // evaluated lazily in evalCall
  or: { params: ['any'], variadic: 'any', fn: () => undefined },
  not: { params: ['any'], fn: (v) => !goTruth(v) },
  len: {
    params: ['any'],
    fn: (v) => {
      if (v === null) throw new CallError('reflect: call of reflect.Value.Type on zero Value');
      if (isNil(v)) throw new CallError('len of nil pointer');
      if (typeof v === 'string') return Buffer.byteLength(v);
      if (v instanceof JsonNumber) return v.text.length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw new CallError(`len of type ${goTypeName(v)}`);
    },
  },
  index: {
    params: ['any'],
    variadic: 'any',
    fn: (item, ...indexes) => {
      if (isNil(item)) throw new CallError('index of untyped nil');
      let cur = item;
      for (const ix of indexes) {
        if (isNil(cur)) throw new CallError('index of nil pointer');
        if (typeof cur === 'string' || Array.isArray(cur)) {
          const len = typeof cur === 'string' ? Buffer.byteLength(cur) : cur.length;
          const x = indexArg(ix, len, 'slice/array');
          if (x === len) throw new CallError(`index out of range: ${x}`);
          cur = typeof cur === 'string' ? Buffer.from(cur, 'utf8')[x]! : cur[x];
        } else if (isMap(cur)) {
          if (typeof ix !== 'string') throw new CallError(`value has type ${goTypeName(ix)}; should be string`);
          const m: Record<string, unknown> = cur;
          cur = Object.prototype.hasOwnProperty.call(m, ix) ? m[ix] : missingEntry(m);
        } else throw new CallError(`can't index item of type ${goTypeName(cur)}`);
      }
      return cur;
    },
  },
  slice: {
    params: ['any'],
    variadic: 'any',
    fn: (item, ...indexes) => {
      if (isNil(item)) throw new CallError('slice of untyped nil');
      if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
      if (typeof item !== 'string' && !Array.isArray(item)) throw new CallError(`can't slice item of type ${goTypeName(item)}`);
      if (typeof item === 'string' && indexes.length === 3) throw new CallError('cannot 3-index slice a string');
      const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
      const ix = [0, len];
      for (let k = 0; k < Math.min(indexes.length, 2); k++) ix[k] = indexArg(indexes[k], len, 'slice/array');
      if (ix[0]! > ix[1]!) throw new CallError(`invalid slice index: ${ix[0]} > ${ix[1]}`);
      return typeof item === 'string' ? Buffer.from(item, 'utf8').subarray(ix[0], ix[1]).toString('utf8') : item.slice(ix[0], ix[1]);
    },
  },
  print: { params: [], variadic: 'any', fn: (...a) => goSprint(a) },
  // the operands' Go types (%T) come from evalCall, which knows the typed fields they were read from
  printf: { params: ['string'], variadic: 'any', fn: (f, ...a) => goSprintf(f as string, a) },
  println: { params: [], variadic: 'any', fn: (...a) => goSprintln(a) },
  html: { params: [], variadic: 'any', fn: (...a) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: 'any', fn: (...a) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: 'any', fn: (...a) => queryEscape(evalArgs(a)) },
  call: {
    params: ['any'],
    variadic: 'any',
    fn: (f) => {
      if (isNil(f)) throw new CallError('call of nil');
      throw new CallError(`non-function of type ${goTypeName(f)}`);
    },
  },
  eq: { params: ['any'], variadic: 'any', fn: (a, ...b) => eq(a, ...b) },
  ne: { params: ['any', 'any'], fn: (a, b) => !eq(a, b) },
  lt: { params: ['any', 'any'], fn: (a, b) => lt(a, b) },
  le: { params: ['any', 'any'], fn: (a, b) => lt(a, b) || eq(a, b) },
  gt: { params: ['any', 'any'], fn: (a, b) => !lt(a, b) && !eq(a, b) },
  ge: { params: ['any', 'any'], fn: (a, b) => !lt(a, b) },
  // docker's (cli/templates): json, split, join, title, lower, upper, pad, truncate
  json: { params: ['any'], fn: (v) => jsonOf(v, false) }, // evalCall passes whether structs keep their order
  split: { params: ['string', 'string'], fn: (s, sep) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)) },
  join: { params: ['strings', 'string'], fn: (v, sep) => (v as string[]).join(sep as string) },
  title: { params: ['string'], fn: (s) => titleCase(s as string) },
  lower: { params: ['string'], fn: (s) => (s as string).toLowerCase() },
  upper: { params: ['string'], fn: (s) => (s as string).toUpperCase() },
  pad: {
    params: ['string', 'int', 'int'],
    fn: (s, l, r) => {
      if ((l as number) < 0 || (r as number) < 0) throw new CallError('strings: negative Repeat count');
      return ' '.repeat(l as number) + (s as string) + ' '.repeat(r as number);
    },
  },
  truncate: {
    params: ['string', 'int'],
    fn: (s, n) => {
      const b = Buffer.from(s as string, 'utf8');
      if (b.length < (n as number)) return s;
      if ((n as number) < 0) throw new CallError(`runtime error: slice bounds out of range [:${n as number}]`);
      return b.subarray(0, n as number).toString('utf8');
    },
  },
};

const FUNC_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCS));

/**
 * A struct-like row for ps/images/history formatting: `{{json .}}` of it escapes HTML as Go's
 * json.Marshal does (the keys are given sorted), while `{{json}}` of inspect data does not.
 */
export class FormatContext {
  constructor(fields: Record<string, unknown>) {
    for (const k of Object.keys(fields).sort()) (this as Record<string, unknown>)[k] = fields[k];
  }

  get [GO_TYPE](): string {
    return (this.constructor as { goType?: string }).goType ?? 'interface {}';
  }
}

/**
 * A FormatContext class whose rows' template errors name docker's Go type (`*formatter.imageContext`);
 * `methods` are the context's methods that take arguments (`.Label "name"`), given the row.
 */
export function formatContextOf(goType: string, methods?: Record<string, { params: ('string' | 'int')[]; fn: (row: Record<string, unknown>, ...args: unknown[]) => unknown }>): typeof FormatContext {
  return class extends FormatContext {
    static readonly goType = goType;
    get [METHODS](): Record<string, GoMethod> | undefined {
      if (!methods) return undefined;
      const out: Record<string, GoMethod> = {};
      for (const [name, m] of Object.entries(methods)) out[name] = { params: m.params, fn: (...a: unknown[]) => m.fn(this as unknown as Record<string, unknown>, ...a) };
      return out;
    }
  };
}

const ROW_LABELS = Symbol('labels');

/**
 * A row type with docker's `Label(name)` method (the label's value, or ""), over the labels map
 * the row is made with (kept out of the template's fields): ps, network ls and volume ls rows.
 */
export function labelledContextOf(goType: string): new (fields: Record<string, unknown>, labels: Record<string, string>) => FormatContext {
  const Base = formatContextOf(goType, {
    Label: { params: ['string'], fn: (row, name) => (row as unknown as Record<symbol, Record<string, string>>)[ROW_LABELS]![name as string] ?? '' },
  });
  return class extends Base {
    constructor(fields: Record<string, unknown>, labels: Record<string, string>) {
      super(fields);
      Object.defineProperty(this, ROW_LABELS, { value: labels });
    }
  };
}

function looksLikeStruct(o: Record<string, unknown>): boolean {
  if (GO_MAPS.has(o)) return false;
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
}

/**
 * The fields of docker's inspect types that are Go maps, not structs, whatever their keys look
 * like (`{"Zed":"1","Alpha":"2"}` labels are a map: json sorts them). `Config` is a map only
 * under `LogConfig`.
 */
const MAP_FIELDS = new Set(['Labels', 'Options', 'DriverOpts', 'Networks', 'Volumes', 'ExposedPorts', 'Ports', 'PortBindings', 'Sysctls', 'StorageOpt', 'Annotations', 'Containers', 'Data', 'Status', 'Tmpfs']);
const GO_MAPS = new WeakSet<object>();

/** Marks the objects of inspect data that are Go maps (see MAP_FIELDS), for the typed run's `json`. */
function markMaps(v: unknown, key = ''): void {
  if (!v || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) markMaps(x);
    return;
  }
  if (MAP_FIELDS.has(key) || key === 'LogConfig.Config') GO_MAPS.add(v);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) markMaps(x, key === 'LogConfig' && k === 'Config' ? 'LogConfig.Config' : k);
}

/** docker's `json`: a row as json.Marshal gives it, anything else with its maps' keys sorted (goSortedJson). */
function jsonOf(v: unknown, structOrder: boolean): string {
  // docker's inspect data in its Go type: marshalled as Go marshals that type
  const typed = v !== null && typeof v === 'object' ? goTypeOfValue(v) : undefined;
  if (typed !== undefined && !isGoNil(v)) return marshalTyped(v, typed, goJson, (x) => goSortedJson(x, { leaf: goLeaf }));
  if (v instanceof FormatContext) return goJson(v);
  // a Go struct keeps its field order: a GoStruct, and in docker inspect's typed run an object whose
  // keys all start upper-case (`{{json .State}}`); maps are sorted (info's registry config is a map to docker too)
  const inOrder = (o: object): boolean => o instanceof GoStruct || (structOrder && looksLikeStruct(o as Record<string, unknown>));
  return goSortedJson(v === NO_VALUE || v === NIL_POINTER || isGoNil(v) ? null : v, { leaf: goLeaf, inOrder, escapeHtml: false });
}

/** The template engine's Go values as JSON.stringify should write them (for goSortedJson). */
function goLeaf(v: unknown): unknown {
  if (v instanceof GoFloat) return v.value;
  if (v instanceof JsonNumber) return /^-?\d+$/.test(v.text) && !Number.isSafeInteger(Number(v.text)) ? BigInt(v.text) : Number(v.text);
  if (v instanceof GoTime) return goTimeJson(v.iso); // time.Time's MarshalJSON
  if (v instanceof GoDuration) return int64Value(v.ns);
  if (v instanceof GoNamedInt) return v.value;
  return v;
}

/** docker inspect's raw fallback: the data as `json.Decoder.UseNumber` gives it (numbers are json.Number). */
function rawOf(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint') return new JsonNumber(String(v));
  if (Array.isArray(v)) return v.map(rawOf);
  if (v && typeof v === 'object' && !(v instanceof GoStruct) && !(v instanceof FormatContext)) {
    // a map[string]interface {}: its keys in Go's (sorted) order
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = rawOf((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

class Break {}
class Continue {}

const MAX_DEPTH = 1000;

interface State {
  vars: { name: string; value: unknown; type?: string }[];
  /** The node being evaluated, for errors. */
  node: Arg | Command | Node | undefined;
  depth: number;
  /** Missing map keys are errors (docker's raw inspect fallback and rows). */
  missingKeyError: boolean;
  /** A plain object is a struct of this type (rows rendered strictly). */
  strict: boolean;
  /** `json` keeps the field order of struct-like objects (docker inspect's typed run). */
  structOrder: boolean;
  out: string[];
  /**
   * The Go type docker's types give the value the last field gave, where the JS value cannot tell
   * it (`int64`, `uint16` of a number): set by evalField, cleared by every call and command.
   */
  scalarType?: string;
  /** scalarType of the value piped into the command being evaluated. */
  finalType?: string;
  /** scalarType of dot, set by `with` and `template` (undefined at the top and in `range`). */
  dotType?: string;
}

export class Template {
  private readonly tree: Tree;
  constructor(readonly source: string) {
    this.tree = parseTemplate(source, FUNC_NAMES);
  }

  /** Renders against `data`. `strict`: a missing field of a plain object is an error (struct-like contexts). */
  execute(data: unknown, strict = false): string {
    return this.run(data, { strict, missingKeyError: strict, structOrder: false });
  }

  /**
   * docker inspect's TemplateInspector: the template runs on the typed object first; when that
   * fails, again on the raw JSON (numbers as json.Number, a missing map key an error), whose
   * error is the one reported.
   */
  executeInspect(data: unknown, goType?: string): string {
    try {
      markMaps(data);
      if (goType) markGoTypes(data, goType);
      return this.run(data, { strict: false, missingKeyError: false, structOrder: true });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      return this.run(rawOf(data), { strict: false, missingKeyError: true, structOrder: false });
    }
  }

  private run(data: unknown, o: { strict: boolean; missingKeyError: boolean; structOrder: boolean }): string {
    const s: State = { vars: [{ name: '$', value: data }], node: undefined, depth: 0, ...o, out: [] };
    try {
      this.walk(s, data, this.tree.root);
    } catch (e) {
      if (e instanceof TemplateError) e.partial = s.out.join('') + (e.partial ?? '');
      throw e;
    }
    return s.out.join('');
  }

  private errorf(s: State, msg: string): never {
    const n = s.node;
    if (!n) throw new TemplateError(`template: :${msg}`);
    const pos = n.pos;
    const before = this.source.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = nl < 0 ? pos : pos - (nl + 1);
    const line = before.split('\n').length;
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${nodeString(n)}>: ${msg}`);
  }

  private walk(s: State, dot: unknown, list: Node[]): void {
    for (const n of list) this.walkNode(s, dot, n);
  }

  private walkNode(s: State, dot: unknown, n: Node): void {
    switch (n.type) {
      case 'text':
        s.out.push(n.text);
        return;
      case 'action': {
        const v = this.evalPipeline(s, dot, n.pipe);
        if (n.pipe.decl.length === 0) {
          s.node = n.pipe;
          s.out.push(goPrintValue(v));
        }
        return;
      }
      case 'if':
      case 'with': {
        const mark = s.vars.length;
        const outerDotType = s.dotType;
        try {
          const v = this.evalPipeline(s, dot, n.pipe);
          if (goTruth(v)) {
            if (n.type === 'with') s.dotType = s.scalarType;
            this.walk(s, n.type === 'with' ? v : dot, n.list);
          } else if (n.elseList) this.walk(s, dot, n.elseList);
        } finally {
          s.vars.length = mark;
          s.dotType = outerDotType;
        }
        return;
      }
      case 'range':
        this.walkRange(s, dot, n);
        return;
      case 'template': {
        s.node = n;
        const body = this.tree.defs.get(n.name);
        if (!body) this.errorf(s, `template ${goQuote(n.name)} not defined`);
        if (s.depth >= MAX_DEPTH) this.errorf(s, 'exceeded maximum template depth (100000)');
        const newDot = n.pipe ? this.evalPipeline(s, dot, n.pipe) : NO_VALUE;
        const inner: State = { ...s, vars: [{ name: '$', value: newDot, type: s.scalarType }], depth: s.depth + 1, dotType: n.pipe ? s.scalarType : undefined };
        try {
          this.walk(inner, newDot, body!);
        } finally {
          s.node = inner.node;
        }
        return;
      }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
    }
  }

  private walkRange(s: State, dot: unknown, r: Extract<Node, { type: 'range' }>): void {
    s.node = r;
    const mark = s.vars.length;
    const val = this.evalPipelineValue(s, dot, r.pipe);
    const one = (index: unknown, elem: unknown): boolean => {
      const m = s.vars.length;
      if (r.pipe.decl.length === 1) this.setOrPush(s, r.pipe, r.pipe.decl[0]!, elem);
      if (r.pipe.decl.length === 2) {
        this.setOrPush(s, r.pipe, r.pipe.decl[0]!, index);
        this.setOrPush(s, r.pipe, r.pipe.decl[1]!, elem);
      }
      const outerDotType = s.dotType;
      try {
        // an element's Go type is not tracked (its JS value tells it, or %T says interface's)
        s.dotType = undefined;
        this.walk(s, elem, r.list);
      } catch (e) {
        if (e instanceof Break) return false;
        if (!(e instanceof Continue)) throw e;
      } finally {
        s.vars.length = m;
        s.dotType = outerDotType;
      }
      return true;
    };
    try {
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!one(i, val[i])) break;
        }
      } else if (isGoInt(val)) {
        if (r.pipe.decl.length > 1) this.errorf(s, `can't use ${val} to iterate over more than one variable`);
        for (let i = 0; i < val; i++) {
          ran = true;
          if (!one(i, i)) break;
        }
      } else if (isMap(val)) {
        for (const k of Object.keys(val).sort()) {
          ran = true;
          if (!one(k, val[k])) break;
        }
      } else if (!isNil(val)) {
        this.errorf(s, `range can't iterate over ${goSprint([val])}`);
      }
      if (!ran && r.elseList) this.walk(s, dot, r.elseList);
    } finally {
      s.vars.length = mark;
    }
  }

  /** `type`: the value's Go type when only docker's types tell it (State.scalarType), kept with the variable. */
  private setOrPush(s: State, pipe: Pipe, v: Arg, value: unknown, type?: string): void {
    const name = (v as { ident: string[] }).ident[0]!;
    if (pipe.isAssign) this.setVar(s, name, value, type);
    else s.vars.push({ name, value, type });
  }

  private setVar(s: State, name: string, value: unknown, type?: string): void {
    for (let i = s.vars.length - 1; i >= 0; i--) {
      if (s.vars[i]!.name === name) {
        s.vars[i]!.value = value;
        s.vars[i]!.type = type;
        return;
      }
    }
    this.errorf(s, `undefined variable: ${name}`);
  }

  private varValue(s: State, name: string): unknown {
    for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]!.name === name) return s.vars[i]!.value;
    return this.errorf(s, `undefined variable: ${name}`);
  }

  /** A pipeline's value, without its declarations. */
  private evalPipelineValue(s: State, dot: unknown, pipe: Pipe): unknown {
    s.node = pipe;
    let value: unknown = NOTHING;
    let type: string | undefined;
    for (const cmd of pipe.cmds) {
      s.finalType = type;
      s.scalarType = undefined;
      value = this.evalCommand(s, dot, cmd, value);
      type = s.scalarType;
    }
    s.scalarType = type;
    return value;
  }

  private evalPipeline(s: State, dot: unknown, pipe: Pipe): unknown {
    const value = this.evalPipelineValue(s, dot, pipe);
    const type = s.scalarType;
    for (const v of pipe.decl) this.setOrPush(s, pipe, v, value, type);
    s.scalarType = type;
    return value;
  }

  private notAFunction(s: State, args: Arg[], final: Final): void {
    if (args.length > 1 || final !== NOTHING) this.errorf(s, `can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(s: State, dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        s.node = first;
        return this.evalFieldChain(s, dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(s, dot, first, cmd.args, final);
      case 'identifier':
        s.node = first;
        return this.evalCall(s, dot, FUNCS[first.ident]!, cmd, first.ident, cmd.args, final);
      case 'pipe':
        s.node = first;
        this.notAFunction(s, cmd.args, final);
        return this.evalPipeline(s, dot, first);
      case 'variable':
        return this.evalVariable(s, dot, first, cmd.args, final);
    }
    s.node = first;
    this.notAFunction(s, cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        s.scalarType = s.dotType;
        return dot;
      case 'nil':
        return this.errorf(s, 'nil is not a command');
      case 'number':
        return numberValue(first);
      case 'string':
        return first.text;
    }
    return this.errorf(s, `can't evaluate command ${goQuote(nodeString(first))}`);
  }

  private evalChain(s: State, dot: unknown, chain: Extract<Arg, { type: 'chain' }>, args: Arg[], final: Final): unknown {
    if (chain.node.type === 'nil') {
      s.node = chain;
      this.errorf(s, `indirection through explicit nil in ${nodeString(chain)}`);
    }
    const receiver = this.evalArg(s, dot, 'any', chain.node);
    s.node = chain;
    return this.evalFieldChain(s, dot, receiver, chain, chain.field, args, final);
  }

  private evalVariable(s: State, dot: unknown, v: Extract<Arg, { type: 'variable' }>, args: Arg[], final: Final): unknown {
    s.node = v;
    const value = this.varValue(s, v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(s, args, final);
      for (let i = s.vars.length - 1; i >= 0; i--) {
        if (s.vars[i]!.name === v.ident[0]) {
          s.scalarType = s.vars[i]!.type;
          break;
        }
      }
      return value;
    }
    return this.evalFieldChain(s, dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(s: State, dot: unknown, receiver: unknown, node: Arg, ident: string[], args: Arg[], final: Final): unknown {
    const n = ident.length;
    let cur = receiver;
    for (let i = 0; i < n - 1; i++) cur = this.evalField(s, dot, ident[i]!, node, [], NOTHING, cur);
    return this.evalField(s, dot, ident[n - 1]!, node, args, final, cur);
  }

  private evalField(s: State, dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
    s.scalarType = undefined;
    if (receiver === NO_VALUE || receiver === undefined) {
      if (s.missingKeyError) this.errorf(s, `nil data; no entry for key ${goQuote(name)}`);
      return NO_VALUE;
    }
    if (receiver === null) this.errorf(s, `nil pointer evaluating interface {}.${name}`);
    if (receiver === NIL_POINTER) this.errorf(s, `nil pointer evaluating *struct {}.${name}`);
    const hasArgs = args.length > 1 || final !== NOTHING;
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const o = receiver as Record<string | symbol, unknown>;
      const method = (receiver instanceof GoTime ? goTimeMethods(receiver) : (o[METHODS] as Record<string, GoMethod> | undefined))?.[name];
      if (method) {
        const params = method.params;
        return this.evalCall(s, dot, { params, fn: method.fn }, node, name, args, final);
      }
      const g = goField(o, name);
      if (g) {
        if ('missing' in g) this.errorf(s, `can't evaluate field ${name} in type ${g.missing}`);
        if (hasArgs) this.errorf(s, `${name} has arguments but cannot be invoked as function`);
        return (g as { value: unknown }).value;
      }
      const structType = o[GO_TYPE] as string | undefined;
      if (structType !== undefined || (s.strict && !(receiver instanceof GoFloat))) {
        if (!Object.prototype.hasOwnProperty.call(o, name)) this.errorf(s, `can't evaluate field ${name} in type ${structType ?? 'interface {}'}`);
        if (hasArgs) this.errorf(s, `${name} has arguments but cannot be invoked as function`);
        const v = o[name];
        return v === null ? NIL_POINTER : v;
      }
      // docker's inspect data in its Go type: a field the JSON names otherwise (ID is "Id"), or leaves out (a nil pointer, a zero value)
      const typed = goTypeOfValue(o);
      const field = typed !== undefined ? goFieldOf(typed, name) : undefined;
      if (field?.embedded && !hasArgs) {
        // an embedded struct (`{{.HostConfig.Resources}}`): its fields are the same JSON object's
        const inner = { ...o };
        markGoTypes(inner, field.type);
        return inner;
      }
      if (field && !field.embedded && !hasArgs) {
        const v = o[field.json];
        if (field.type === 'time.Time') return new GoTime(typeof v === 'string' ? v : '0001-01-01T00:00:00Z');
        // a time.Duration prints by its String (`1m30s`)
        if (field.type === 'time.Duration') return new GoDuration(typeof v === 'number' || typeof v === 'bigint' ? BigInt(v) : 0n);
        if (field.type === '[]uint8' && typeof v === 'string') return goBytesOf(v);
        if (v !== undefined && v !== null) {
          // an interface {} field's %T is its dynamic type, which the JS value tells
          if (typeof v !== 'object' && field.type !== 'any') s.scalarType = field.type;
          return v;
        }
        const zero = v === null ? (goNilOf(field.type) ?? (field.type.startsWith('*') ? NIL_POINTER : undefined)) : (goNilOf(field.type) ?? typedZero(field.type));
        if (zero !== undefined) {
          // a nil pointer's %T is the field's pointer type (`*int64`, `*container.Health`), a zero number's its type
          if (zero === NIL_POINTER || typeof zero !== 'object') s.scalarType = field.type;
          return zero;
        }
      }
      // a struct of docker's types has its Go fields only: a JSON name (`.HostConfig.NanoCpus`, Go's
      // NanoCPUs) fails the typed run, and docker's raw run answers it (a json.Number)
      if (typed !== undefined && !field && structFields(typed.replace(/^\*/, ''))) this.errorf(s, `can't evaluate field ${name} in type ${typed}`);
      if (isMap(receiver)) {
        if (hasArgs) this.errorf(s, `${name} is not a method but has arguments`);
        if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
        // docker's typed inspect objects: a map of strings (labels, options) gives no value; a
        // struct without the field fails (and docker retries on the raw JSON, where it is an error)
        if (!s.missingKeyError && Object.values(o).every((x) => typeof x === 'string')) return NO_VALUE;
        this.errorf(s, `map has no entry for key ${goQuote(name)}`);
      }
    }
    // a value held in a map or slice is an interface {} to Go
    return this.errorf(s, `can't evaluate field ${name} in type ${typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof JsonNumber) ? goTypeName(receiver) : 'interface {}'}`);
  }

  private evalCall(s: State, dot: unknown, fn: Func, node: Arg | Command, name: string, args: Arg[], final: Final): unknown {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final !== NOTHING ? 1 : 0);
    if (fn.variadic) {
      if (numIn < fn.params.length) this.errorf(s, `wrong number of args for ${name}: want at least ${fn.params.length} got ${argNodes.length}`);
    } else if (numIn !== fn.params.length) this.errorf(s, `wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    if (fn === FUNCS.and || fn === FUNCS.or) {
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(s, dot, 'any', a);
        if (goTruth(v) === (fn === FUNCS.or)) return v;
      }
      return final !== NOTHING ? final : v;
    }
    const typeAt = (i: number): Param => (i < fn.params.length ? fn.params[i]! : fn.variadic!);
    const finalType = s.finalType;
    const types: (string | undefined)[] = [];
    const argv = argNodes.map((a, i) => {
      s.scalarType = undefined;
      const v = this.evalArg(s, dot, typeAt(i), a);
      types.push(s.scalarType);
      return v;
    });
    if (final !== NOTHING) {
      argv.push(this.validateType(s, final, typeAt(argNodes.length)));
      types.push(finalType);
    }
    s.scalarType = undefined;
    try {
      if (fn === FUNCS.json) return jsonOf(argv[0], s.structOrder);
      if (fn === FUNCS.printf) return goSprintf(argv[0] as string, argv.slice(1), types.slice(1));
      if (fn === FUNCS.call && !isNil(argv[0])) throw new CallError(`non-function ${nodeString(argNodes[0] ?? args[0]!)} of type ${goTypeName(argv[0])}`);
      return fn.fn(...argv);
    } catch (e) {
      if (!(e instanceof CallError)) throw e;
      s.node = node;
      return this.errorf(s, `error calling ${name}: ${e.message}`);
    }
  }

  private validateType(s: State, v: unknown, typ: Param): unknown {
    if (typ === 'any') return v === NO_VALUE ? null : v;
    if (v === NO_VALUE || v === undefined) this.errorf(s, `invalid value; expected ${typ === 'strings' ? '[]string' : typ}`);
    if (typ === 'string' && typeof v === 'string') return v;
    if (typ === 'int' && isGoInt(v)) return v;
    if (typ === 'strings' && Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    if (typ === 'time.Time' && v instanceof GoTime) return v;
    if (typ === 'time.Duration' && v instanceof GoDuration) return v;
    const got = v === null ? 'interface {}' : goTypeName(v);
    return this.errorf(s, `wrong type for value; expected ${typ === 'strings' ? '[]string' : typ}; got ${got}`);
  }

  private evalArg(s: State, dot: unknown, typ: Param, n: Arg): unknown {
    s.node = n;
    switch (n.type) {
      case 'dot':
        s.scalarType = s.dotType;
        return this.validateType(s, dot, typ);
      case 'nil':
        if (typ === 'any') return null;
        return this.errorf(s, `cannot assign nil to ${typ === 'strings' ? '[]string' : typ}`);
      case 'field':
        return this.validateType(s, this.evalFieldChain(s, dot, dot, n, n.ident, [n], NOTHING), typ);
      case 'variable':
        return this.validateType(s, this.evalVariable(s, dot, n, [n], NOTHING), typ);
      case 'pipe':
        return this.validateType(s, this.evalPipeline(s, dot, n), typ);
      case 'identifier':
        return this.validateType(s, this.evalCall(s, dot, FUNCS[n.ident]!, n, n.ident, [n], NOTHING), typ);
      case 'chain':
        return this.validateType(s, this.evalChain(s, dot, n, [n], NOTHING), typ);
    }
    if (typ === 'string') {
      if (n.type === 'string') return n.text;
      return this.errorf(s, `expected string; found ${nodeString(n)}`);
    }
    if (typ === 'int' || typ === 'time.Duration') {
      // an integer constant converts to any integer type (time.Duration is an int64)
      if (n.type === 'number' && n.int !== undefined) return n.int;
      return this.errorf(s, `expected integer; found ${nodeString(n)}`);
    }
    if (typ === 'time.Time') return this.errorf(s, `can't handle ${nodeString(n)} for arg of type time.Time`);
    if (typ === 'strings') return this.errorf(s, `can't handle ${nodeString(n)} for arg of type []string`);
    if (n.type === 'bool') return n.value;
    if (n.type === 'number') return numberValue(n);
    if (n.type === 'string') return n.text;
    return this.errorf(s, `can't handle ${nodeString(n)} for arg of type interface {}`);
  }
}

/** Whether a `--format` value asks for a table (`table {{.ID}}\t...`). */
export function isTableFormat(f: string): boolean {
  return f.startsWith('table');
}

/** Docker turns the literal `\t` and `\n` typed on a command line into a tab and a newline. */
export function unescapeFormat(f: string): string {
  return f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** A Go type's zero value as the templates hold it; undefined for slices, maps and interfaces (left as they were). */
function typedZero(type: string): unknown {
  if (type.startsWith('*')) return NIL_POINTER;
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (/^u?int(8|16|32|64)?$/.test(type)) return 0;
  return undefined;
}
