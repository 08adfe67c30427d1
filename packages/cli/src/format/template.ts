import { InvalidArgumentError } from '@berth/errdefs';
import { goJson } from './go-text';
import { GoStruct, goField } from './go-struct';

/**
 * A small subset of Go's text/template, enough for docker's `--format` and `inspect -f`:
 * `{{.A.B}}`, `{{.}}`, `{{json .X}}`, `{{join .X ","}}`, `{{upper}}`/`{{lower}}`/`{{title}}`,
 * `{{index .X "k"}}`, `{{len .X}}`, `{{println}}`, pipelines (`{{.X | json}}`), `{{if}}`,
 * `{{else}}`, `{{range}}`, `{{end}}`, and the `{{-`/`-}}` trim markers. Values print as Go's `%v`.
 */
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Cmd[] }
  | { kind: 'if'; pipe: Cmd[]; then: Node[]; else: Node[] }
  | { kind: 'range'; pipe: Cmd[]; body: Node[]; else: Node[] };
type Arg = { kind: 'field'; path: string[]; pos: number } | { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'ident'; name: string };
type Cmd = Arg[];

/** A missing field of a strict (struct-like) context: docker fails the template. */
export class TemplateError extends InvalidArgumentError {
  /** What an execution wrote before it failed (Go's templates write as they go). */
  partial?: string;
}

const MISSING = Symbol('missing');

export function formatValue(v: unknown): string {
  if (v === MISSING || v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatInner).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${formatInner(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function formatInner(v: unknown): string {
  return v === null ? '<nil>' : formatValue(v);
}

function splitWords(src: string, base: number): { w: string; pos: number }[] {
  const words: { w: string; pos: number }[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' && c === '"' ? 2 : 1;
      words.push({ w: src.slice(i, j + 1), pos: base + i });
      i = j + 1;
      continue;
    }
    if (c === '|' || c === '(' || c === ')') {
      words.push({ w: c, pos: base + i });
      i++;
      continue;
    }
    let j = i;
    while (j < src.length && !/[\s|()]/.test(src[j]!)) j++;
    words.push({ w: src.slice(i, j), pos: base + i });
    i = j;
  }
  return words;
}

function parseArg(w: string, pos: number): Arg {
  if (w.startsWith('.') && w.length > 1) {
    const path = w.slice(1).split('.');
    // Go reports a chain at its second field
    return { kind: 'field', path, pos: path.length > 1 ? pos + 1 + path[0]!.length : pos };
  }
  if (w.startsWith('"')) return { kind: 'string', value: JSON.parse(w) as string };
  if (w.startsWith('`')) return { kind: 'string', value: w.slice(1, -1) };
  if (w === '.' || w === '$') return { kind: 'field', path: [], pos };
  if (w.startsWith('$.')) return { kind: 'field', path: w.slice(2).split('.'), pos };
  if (/^-?\d+(\.\d+)?$/.test(w)) return { kind: 'number', value: Number(w) };
  return { kind: 'ident', name: w };
}

function parsePipe(src: string, base: number, line: number): Cmd[] {
  const words = splitWords(src, base).filter((x) => x.w !== '(' && x.w !== ')');
  const cmds: Cmd[] = [[]];
  for (const { w, pos } of words) {
    if (w === '|') cmds.push([]);
    else {
      const a = parseArg(w, pos);
      // Go checks every identifier against the functions when it parses
      if (a.kind === 'ident' && a.name !== 'true' && a.name !== 'false' && a.name !== 'nil' && !FUNCS[a.name]) throw parseError(line, `function "${a.name}" not defined`);
      cmds[cmds.length - 1]!.push(a);
    }
  }
  if (cmds.some((c) => c.length === 0)) throw new TemplateError(`template: missing value in pipeline "${src}"`);
  return cmds;
}

interface Token {
  text?: string;
  action?: string;
  pos?: number;
  /** The line the action starts on (1-based), for parse errors. */
  line?: number;
}

/** A parse error as Go's text/template words it: `template: :LINE: what` (the template has no name). */
function parseError(line: number, what: string): TemplateError {
  return new TemplateError(`template: :${line}: ${what}`);
}

function lineAt(src: string, pos: number): number {
  let n = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < pos; i = src.indexOf('\n', i + 1)) n++;
  return n;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) throw parseError(lineAt(src, open), 'unclosed action');
    let end = close;
    let trimAfter = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    if (text) out.push({ text });
    const raw = src.slice(start, end);
    out.push({ action: raw.trim(), pos: start + (raw.length - raw.trimStart().length), line: lineAt(src, open) });
    i = close + 2;
    if (trimAfter) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

function parseNodes(tokens: Token[], pos: { i: number; lastLine: number }, stopAt: string[]): { nodes: Node[]; stop: string } {
  const nodes: Node[] = [];
  while (pos.i < tokens.length) {
    const t = tokens[pos.i++]!;
    if (t.text !== undefined) {
      nodes.push({ kind: 'text', text: t.text });
      continue;
    }
    const a = t.action!;
    const at = t.pos ?? 0;
    const word = a.split(/\s+/)[0]!;
    if (stopAt.includes(word)) return { nodes, stop: word };
    if (a.startsWith('/*')) continue;
    if (word === 'if' || word === 'range') {
      const pipe = parsePipe(a.slice(word.length), at + word.length, t.line ?? 1);
      const body = parseNodes(tokens, pos, ['else', 'end']);
      let elseNodes: Node[] = [];
      if (body.stop === 'else') elseNodes = parseNodes(tokens, pos, ['end']).nodes;
      nodes.push(word === 'if' ? { kind: 'if', pipe, then: body.nodes, else: elseNodes } : { kind: 'range', pipe, body: body.nodes, else: elseNodes });
      continue;
    }
    if (word === 'end' || word === 'else') throw parseError(t.line ?? 1, `unexpected {{${word}}}`);
    nodes.push({ kind: 'action', pipe: parsePipe(a, at, t.line ?? 1) });
  }
  if (stopAt.length) throw parseError(pos.lastLine, 'unexpected EOF');
  return { nodes, stop: '' };
}

function truthy(v: unknown): boolean {
  if (v === MISSING || v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function titleCase(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
}

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => (v instanceof FormatContext ? goJson(v) : sortedJson(v === MISSING ? null : v)),
  join: (v, sep) => (Array.isArray(v) ? v.map(formatInner).join(String(sep)) : formatValue(v)),
  upper: (v) => formatValue(v).toUpperCase(),
  lower: (v) => formatValue(v).toLowerCase(),
  title: (v) => titleCase(formatValue(v)),
  split: (v, sep) => formatValue(v).split(String(sep)),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[String(k)] : undefined;
    return cur === undefined ? MISSING : cur;
  },
  println: (...args) => args.map(formatValue).join(' ') + '\n',
  print: (...args) => args.map(formatValue).join(''),
  truncate: (v, n) => [...formatValue(v)].slice(0, Number(n)).join(''),
  pad: (v, l, r) => ' '.repeat(Number(l)) + formatValue(v) + ' '.repeat(Number(r)),
};

/**
 * A struct-like row for ps/images/history formatting: `{{json .}}` of it escapes HTML as Go's
 * json.Marshal does (the keys are given sorted), while `{{json}}` of inspect data does not.
 */
export class FormatContext {
  constructor(fields: Record<string, unknown>) {
    for (const k of Object.keys(fields).sort()) (this as Record<string, unknown>)[k] = fields[k];
  }
}

/** A FormatContext class whose rows' template errors name docker's Go type (`*formatter.imageContext`). */
export function formatContextOf(goType: string): typeof FormatContext {
  return class extends FormatContext {
    static readonly goType = goType;
  };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // a Go struct keeps its field order; maps are sorted
    const keys = v instanceof GoStruct ? Object.keys(o) : Object.keys(o).sort();
    for (const k of keys) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

/** `{{json}}` of a map: Go sorts map keys and (docker's encoder) does not escape HTML. */
function sortedJson(v: unknown): string {
  return JSON.stringify(sortKeys(v) ?? null);
}

export class Template {
  private readonly nodes: Node[];
  private readonly src: string;
  constructor(readonly source: string) {
    this.src = source;
    this.nodes = parseNodes(tokenize(source), { i: 0, lastLine: lineAt(source, source.length) }, []).nodes;
  }

  /** Renders against `data`. `strict`: a missing field is an error (struct-like contexts). */
  execute(data: unknown, strict = false): string {
    return this.run(this.nodes, data, strict);
  }

  private run(nodes: Node[], dot: unknown, strict: boolean): string {
    let out = '';
    try {
      out = this.runNodes(nodes, dot, strict, (s) => (out += s));
    } catch (e) {
      if (e instanceof TemplateError) e.partial = out + (e.partial ?? '');
      throw e;
    }
    return out;
  }

  private runNodes(nodes: Node[], dot: unknown, strict: boolean, emit: (s: string) => void): string {
    let out = '';
    const add = (s: string) => {
      out += s;
      emit(s);
    };
    for (const n of nodes) {
      if (n.kind === 'text') add(n.text);
      else if (n.kind === 'action') add(formatValue(this.pipe(n.pipe, dot, strict)));
      else if (n.kind === 'if') add(this.run(truthy(this.pipe(n.pipe, dot, strict)) ? n.then : n.else, dot, strict));
      else {
        const v = this.pipe(n.pipe, dot, strict);
        const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : [];
        if (items.length === 0) add(this.run(n.else, dot, strict));
        else for (const it of items) add(this.run(n.body, it, strict));
      }
    }
    return out;
  }

  private arg(a: Arg, dot: unknown, strict: boolean): unknown {
    if (a.kind === 'string' || a.kind === 'number') return a.value;
    if (a.kind === 'ident') {
      if (a.name === 'true' || a.name === 'false') return a.name === 'true';
      if (a.name === 'nil') return null;
      throw new TemplateError(`template: function "${a.name}" not defined`);
    }
    let cur: unknown = dot;
    const before = this.src.slice(0, a.pos);
    const line = before.split('\n').length;
    const col = a.pos - (before.lastIndexOf('\n') + 1);
    const where = `template: :${line}:${col}: executing "" at <.${a.path.join('.')}>`;
    for (const p of a.path) {
      if (cur === null || cur === undefined || cur === MISSING) throw new TemplateError(`${where}: nil pointer evaluating interface {}.${p}`);
      if (typeof cur !== 'object' || Array.isArray(cur)) throw new TemplateError(`${where}: can't evaluate field ${p} in type ${Array.isArray(cur) ? '[]interface {}' : typeof cur}`);
      const o = cur as Record<string, unknown>;
      const g = goField(o, p);
      if (g) {
        if ('missing' in g) throw new TemplateError(`${where}: can't evaluate field ${p} in type ${g.missing}`);
        cur = g.value;
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(o, p)) {
        if (strict) throw new TemplateError(`${where}: can't evaluate field ${p} in type ${(o.constructor as { goType?: string } | undefined)?.goType ?? o.constructor?.name ?? 'interface {}'}`);
        throw new TemplateError(`${where}: map has no entry for key "${p}"`);
      }
      cur = o[p];
    }
    return cur;
  }

  private pipe(cmds: Cmd[], dot: unknown, strict: boolean): unknown {
    let prev: unknown = undefined;
    let first = true;
    for (const cmd of cmds) {
      const head = cmd[0]!;
      if (head.kind === 'ident' && FUNCS[head.name]) {
        const args = cmd.slice(1).map((a) => this.arg(a, dot, strict));
        if (!first) args.push(prev);
        prev = FUNCS[head.name]!(...args);
      } else {
        if (cmd.length > 1) throw new TemplateError(`template: can't give argument to non-function`);
        prev = this.arg(head, dot, strict);
      }
      first = false;
    }
    return prev;
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
