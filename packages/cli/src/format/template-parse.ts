import { InvalidArgumentError } from '@berth/errdefs';
import { GoFloat } from './go-value';
import { goQuote } from './go-text';

/**
 * Go's text/template parser, as docker 28's `--format` sees it: the lexer's items and errors
 * (`bad character U+007D '}'`, `unterminated quoted string`, `unclosed action`), the parser's
 * (`unexpected "|" in command`, `missing value for if`, `function "x" not defined`, `undefined
 * variable "$x"`, `unexpected EOF`), each `template: :LINE: what`. Nodes keep their byte offset for
 * the executor's `template: :LINE:COL: executing "" at <NODE>` errors.
 */
export class TemplateError extends InvalidArgumentError {
  /** What an execution wrote before it failed (Go's templates write as they go). */
  partial?: string;
}

type ItemType =
  | 'error'
  | 'eof'
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'assign'
  | 'declare'
  | 'char'
  | 'charConstant'
  | 'string'
  | 'rawString'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword';

interface Item {
  typ: ItemType;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'nil', 'template', 'with']);

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /[\p{L}\p{Nd}]/u.test(c));
}

/** `%#U` of a character: `U+007D '}'`. */
function charDesc(c: string): string {
  const n = c.codePointAt(0)!;
  return `U+${n.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Go's text/template lexer (delimiters `{{`/`}}`, trim markers, comments). */
function lex(src: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const emit = (typ: ItemType) => {
    items.push({ typ, val: src.slice(start, pos), pos: start, line: startLine });
    for (let i = start; i < pos; i++) if (src[i] === '\n') line++;
    start = pos;
    startLine = line;
  };
  const skip = () => {
    for (let i = start; i < pos; i++) if (src[i] === '\n') line++;
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): Item[] => {
    items.push({ typ: 'error', val: msg, pos: start, line: startLine });
    return items;
  };
  const atRightDelim = (): { trim: boolean } | undefined => {
    if (src.startsWith('}}', pos)) return { trim: false };
    if (isSpace(src[pos]) && src.startsWith('-}}', pos + 1)) return { trim: true };
    return undefined;
  };
  const atTerminator = (): boolean => {
    const c = src[pos];
    if (c === undefined || isSpace(c) || '.,|:)('.includes(c)) return true;
    return src.startsWith('}}', pos);
  };
  for (;;) {
    // text up to the next action
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      pos = src.length;
      if (pos > start) emit('text');
      items.push({ typ: 'eof', val: '', pos, line });
      return items;
    }
    pos = open;
    const trimLeft = src[open + 2] === '-' && isSpace(src[open + 3]);
    if (pos > start) {
      let end = pos;
      if (trimLeft) while (end > start && isSpace(src[end - 1])) end--;
      items.push({ typ: 'text', val: src.slice(start, end), pos: start, line: startLine });
      for (let i = start; i < pos; i++) if (src[i] === '\n') line++;
      start = pos;
      startLine = line;
    }
    // the left delimiter
    pos += 2;
    if (trimLeft) pos += 2;
    const afterMarker = pos;
    if (src.startsWith('/*', pos)) {
      // a comment: it must close right before the delimiter
      const close = src.indexOf('*/', pos + 2);
      if (close < 0) return fail('unclosed comment');
      pos = close + 2;
      const rd = atRightDelim();
      if (!rd) return fail('comment ends before closing delimiter');
      pos += rd.trim ? 4 : 2;
      skip();
      if (rd.trim) {
        while (isSpace(src[pos])) pos++;
        skip();
      }
      continue;
    }
    items.push({ typ: 'leftDelim', val: '{{', pos: start, line: startLine });
    pos = afterMarker;
    skip();
    // inside the action
    for (;;) {
      const rd = atRightDelim();
      if (rd && (rd.trim || !isSpace(src[pos]))) {
        if (parenDepth > 0) return fail('unclosed left paren');
        if (rd.trim) {
          pos += 1;
          skip();
          pos += 3;
        } else pos += 2;
        items.push({ typ: 'rightDelim', val: '}}', pos: start, line: startLine });
        skip();
        if (rd.trim) {
          while (isSpace(src[pos])) pos++;
          skip();
        }
        break;
      }
      const c = src[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        // a space right before `-}}` belongs to the delimiter (checked above)
        while (isSpace(src[pos]) && !src.startsWith('-}}', pos + 1)) pos++;
        emit('space');
        continue;
      }
      if (c === '=') {
        pos++;
        emit('assign');
      } else if (c === ':') {
        if (src[pos + 1] !== '=') return fail('expected :=');
        pos += 2;
        emit('declare');
      } else if (c === '|') {
        pos++;
        emit('pipe');
      } else if (c === '"') {
        pos++;
        for (;;) {
          const d = src[pos];
          if (d === '\\') {
            pos++;
            if (src[pos] === undefined || src[pos] === '\n') return fail('unterminated quoted string');
          } else if (d === undefined || d === '\n') return fail('unterminated quoted string');
          else if (d === '"') break;
          pos++;
        }
        pos++;
        emit('string');
      } else if (c === '`') {
        const close = src.indexOf('`', pos + 1);
        if (close < 0) return fail('unterminated raw quoted string');
        pos = close + 1;
        emit('rawString');
      } else if (c === '$') {
        pos++;
        while (isAlnum(src[pos])) pos++;
        if (!atTerminator()) return fail(`bad character ${charDesc(src[pos]!)}`);
        emit('variable');
      } else if (c === "'") {
        pos++;
        for (;;) {
          const d = src[pos];
          if (d === '\\') {
            pos++;
            if (src[pos] === undefined || src[pos] === '\n') return fail('unterminated character constant');
          } else if (d === undefined || d === '\n') return fail('unterminated character constant');
          else if (d === "'") break;
          pos++;
        }
        pos++;
        emit('charConstant');
      } else if (c === '.' && !/[0-9]/.test(src[pos + 1] ?? '')) {
        pos++;
        if (!isAlnum(src[pos])) {
          if (!atTerminator()) return fail(`bad character ${charDesc(src[pos]!)}`);
          emit('dot');
        } else {
          while (isAlnum(src[pos])) pos++;
          if (!atTerminator()) return fail(`bad character ${charDesc(src[pos]!)}`);
          emit('field');
        }
      } else if (c === '+' || c === '-' || c === '.' || /[0-9]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]*|0[oO][0-7_]*|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(src.slice(pos))!;
        pos += Math.max(m[0].length, 1);
        if (isAlnum(src[pos]) || src[pos] === '.') {
          pos++;
          return fail(`bad number syntax: "${src.slice(start, pos)}"`);
        }
        emit('number');
      } else if (isAlnum(c)) {
        while (isAlnum(src[pos])) pos++;
        const word = src.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${charDesc(src[pos]!)}`);
        if (KEYWORDS.has(word)) emit(word === 'nil' ? 'nil' : 'keyword');
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
      } else if (c === '(') {
        pos++;
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        pos++;
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
        pos++;
        emit('char');
      } else {
        pos += c.length;
        return fail(`unrecognized character in action: ${charDesc(c)}`);
      }
    }
  }
}

// ---- the tree

export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; line: number; pipe: Pipe }
  | { type: 'if' | 'with'; pos: number; line: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { type: 'range'; pos: number; line: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { type: 'template'; pos: number; line: number; name: string; pipe: Pipe | undefined }
  | { type: 'break' | 'continue'; pos: number; line: number };

export interface Pipe {
  type: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: Arg[];
  cmds: Command[];
}

export interface Command {
  type: 'command';
  pos: number;
  args: Arg[];
}

export type Arg =
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'chain'; pos: number; node: Arg; field: string[] }
  | { type: 'identifier'; pos: number; ident: string }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | { type: 'number'; pos: number; text: string; int?: number; float?: number }
  | { type: 'string'; pos: number; quoted: string; text: string }
  | Pipe;

/** A node as Go prints it in errors (`<index .X 1>`, `<.A.B>`, `{{template "x"}}`). */
export function nodeString(n: Arg | Command | Node): string {
  switch (n.type) {
    case 'field':
      return '.' + n.ident.join('.');
    case 'variable':
      return n.ident.join('.');
    case 'chain':
      return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'identifier':
      return n.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length ? n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ') : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'template':
      return `{{template ${goQuote(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'text':
      return n.text;
    default:
      return `{{${n.type} ...}}`;
  }
}

function itemString(i: Item): string {
  if (i.typ === 'eof') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (i.typ === 'keyword') return `<${i.val}>`;
  if ([...i.val].length > 10) return `${goQuoteShort(i.val)}...`;
  return goQuote(i.val);
}

/** `%.10q`: the first ten characters, quoted. */
function goQuoteShort(s: string): string {
  return goQuote([...s].slice(0, 10).join(''));
}

/** Go's strconv.Unquote for a template's "..." or `...` literal. */
function unquote(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1).replace(/\r/g, '');
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e.length === 1) {
      if (simple[e] === undefined) throw new Error('invalid syntax');
      return simple[e]!;
    }
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}

function parseNumber(text: string): { int?: number; float?: number } | string {
  if (text.startsWith("'")) {
    let inner: string;
    try {
      inner = unquote(`"${text.slice(1, -1).replace(/"/g, '\\"')}"`);
    } catch {
      return `malformed character constant: ${text}`;
    }
    if ([...inner].length !== 1) return `malformed character constant: ${text}`;
    return { int: inner.codePointAt(0)! };
  }
  if (text.endsWith('i')) return 'complex constants are not supported';
  const t = text.replace(/_/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  let int: number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) int = sign * parseInt(body.slice(2), 16);
  else if (/^0[bB][01]+$/.test(body)) int = sign * parseInt(body.slice(2), 2);
  else if (/^0[oO]?[0-7]+$/.test(body)) int = sign * parseInt(body.replace(/^0[oO]?/, ''), 8);
  else if (/^\d+$/.test(body)) int = sign * Number(body);
  if (int !== undefined) {
    if (Math.abs(int) >= 2 ** 64) return `integer overflow: ${goQuote(text)}`;
    return { int };
  }
  const f = Number(t);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || !Number.isFinite(f)) return `illegal number syntax: ${goQuote(text)}`;
  return Number.isInteger(f) && Math.abs(f) < 2 ** 63 ? { int: f, float: f } : { float: f };
}

/** A number node's value as Go's exec takes it: float64 when written as a float, else int. */
export function numberValue(n: { text: string; int?: number; float?: number }): number | GoFloat {
  const isHexOrRune = /^[+-]?0[xX]/.test(n.text) || n.text.startsWith("'");
  if (n.float !== undefined && !isHexOrRune && /[.eEpP]/.test(n.text)) return new GoFloat(n.float);
  return n.int ?? new GoFloat(n.float!);
}

export interface Tree {
  root: Node[];
  /** `{{define}}`d and `{{block}}` templates by name. */
  defs: Map<string, Node[]>;
}

/** Parses `src` as docker's templates do: the functions `funcs` are known, the rest fail. */
export function parseTemplate(src: string, funcs: ReadonlySet<string>): Tree {
  const items = lex(src).filter((i) => i.typ !== 'text' || i.val !== '');
  let i = 0;
  let last: Item = items[0]!;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  let actionLine = 0;
  const defs = new Map<string, Node[]>();
  // past the end, the last item (EOF or the lexer's error) again, as Go's lexer gives it
  const next = (): Item => (last = items[Math.min(i++, items.length - 1)]!);
  const backup = () => {
    i--;
  };
  const peek = (): Item => (last = items[Math.min(i, items.length - 1)]!);
  const nextNonSpace = (): Item => {
    let t = next();
    while (t.typ === 'space') t = next();
    return t;
  };
  const peekNonSpace = (): Item => {
    const t = nextNonSpace();
    backup();
    return t;
  };
  const errorf = (msg: string): never => {
    throw new TemplateError(`template: :${last.line}: ${msg}`);
  };
  const unexpected = (t: Item, context: string): never => {
    if (t.typ === 'error') {
      const extra = actionLine !== 0 && actionLine !== t.line ? ` in action started at :${actionLine}` : '';
      return errorf(`${t.val}${extra}`);
    }
    return errorf(`unexpected ${itemString(t)} in ${context}`);
  };
  const expect = (typ: ItemType, context: string): Item => {
    const t = nextNonSpace();
    if (t.typ !== typ) unexpected(t, context);
    return t;
  };

  const useVar = (pos: number, name: string): Arg => {
    const ident = name.split('.');
    if (!vars.includes(ident[0]!)) errorf(`undefined variable "${ident[0]}"`);
    return { type: 'variable', pos, ident };
  };

  const term = (): Arg | undefined => {
    const t = nextNonSpace();
    switch (t.typ) {
      case 'identifier':
        if (!funcs.has(t.val)) errorf(`function "${t.val}" not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        return useVar(t.pos, t.val);
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number': {
        const n = parseNumber(t.val);
        if (typeof n === 'string') return errorf(n);
        return { type: 'number', pos: t.pos, text: t.val, ...n };
      }
      case 'leftParen':
        return pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString': {
        let text: string;
        try {
          text = unquote(t.val);
        } catch {
          return errorf('invalid syntax');
        }
        return { type: 'string', pos: t.pos, quoted: t.val, text };
      }
      default:
        backup();
        return undefined;
    }
  };

  const operand = (): Arg | undefined => {
    let node = term();
    if (!node) return undefined;
    if (peek().typ === 'field') {
      const chainPos = peek().pos;
      const fields: string[] = [];
      while (peek().typ === 'field') fields.push(next().val.slice(1));
      if (node.type === 'field') node = { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      else if (node.type === 'variable') node = { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      else if (node.type === 'bool' || node.type === 'string' || node.type === 'number' || node.type === 'nil' || node.type === 'dot') {
        errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      } else node = { type: 'chain', pos: chainPos, node, field: fields };
    }
    return node;
  };

  const command = (): Command => {
    const cmd: Command = { type: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.typ === 'space') continue;
      if (t.typ === 'rightDelim' || t.typ === 'rightParen') backup();
      else if (t.typ !== 'pipe') unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  };

  const checkPipeline = (pipe: Pipe, context: string) => {
    if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, k) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.type)) errorf(`non executable command in pipeline stage ${k + 2}`);
    });
  };

  const pipeline = (context: string, end: ItemType): Pipe => {
    const first = peekNonSpace();
    const pipe: Pipe = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = peekNonSpace();
      if (v.typ !== 'variable') break;
      const vIndex = i;
      next();
      const n = peekNonSpace();
      if (n.typ === 'assign' || n.typ === 'declare') {
        pipe.isAssign = n.typ === 'assign';
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        vars.push(v.val);
        break;
      }
      if (n.typ === 'char' && n.val === ',') {
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace().typ;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      }
      // not a declaration: read the variable again as an operand
      i = vIndex;
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      if (t.typ === end) {
        checkPipeline(pipe, context);
        return pipe;
      }
      if (['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(t.typ)) {
        backup();
        pipe.cmds.push(command());
      } else unexpected(t, context);
    }
  };

  type Ended = { type: 'end' | 'else'; pos: number; line: number; elseIf?: boolean };

  const itemList = (): { list: Node[]; end: Ended } => {
    const list: Node[] = [];
    while (peekNonSpace().typ !== 'eof') {
      const n = textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, end: n as Ended };
      list.push(n as Node);
    }
    return errorf('unexpected EOF');
  };

  const parseControl = (context: 'if' | 'with' | 'range'): { pos: number; line: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined } => {
    const saved = vars.length;
    try {
      const pipe = pipeline(context, 'rightDelim');
      if (context === 'range') rangeDepth++;
      const body = itemList();
      if (context === 'range') rangeDepth--;
      let elseList: Node[] | undefined;
      if (body.end.type === 'else') {
        if (body.end.elseIf && ((context === 'if' && peek().val === 'if') || (context === 'with' && peek().val === 'with'))) {
          next();
          elseList = [control(context)];
        } else {
          const e = itemList();
          if (e.end.type !== 'end') errorf(`expected end; found {{else}}`);
          elseList = e.list;
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list: body.list, elseList };
    } finally {
      vars = vars.slice(0, saved);
    }
  };

  const control = (kind: 'if' | 'with' | 'range'): Node => ({ type: kind, ...parseControl(kind) });

  const templateName = (t: Item, context: string): string => {
    if (t.typ === 'string' || t.typ === 'rawString') {
      try {
        return unquote(t.val);
      } catch {
        return errorf('invalid syntax');
      }
    }
    return unexpected(t, context);
  };

  const action = (): Node | Ended => {
    const t = nextNonSpace();
    if (t.typ === 'keyword') {
      switch (t.val) {
        case 'if':
        case 'range':
        case 'with':
          return control(t.val);
        case 'else': {
          const p = peekNonSpace();
          if (p.typ === 'keyword' && (p.val === 'if' || p.val === 'with')) {
            nextNonSpace();
            backup();
            return { type: 'else', pos: p.pos, line: p.line, elseIf: true };
          }
          const r = expect('rightDelim', 'else');
          return { type: 'else', pos: r.pos, line: r.line };
        }
        case 'end': {
          const r = expect('rightDelim', 'end');
          return { type: 'end', pos: r.pos, line: r.line };
        }
        case 'break':
        case 'continue': {
          if (rangeDepth === 0) errorf(`{{${t.val}}} outside {{range}}`);
          expect('rightDelim', `{{${t.val}}}`);
          return { type: t.val, pos: t.pos, line: t.line };
        }
        case 'template': {
          const nameTok = nextNonSpace();
          const name = templateName(nameTok, 'template clause');
          let pipe: Pipe | undefined;
          if (nextNonSpace().typ !== 'rightDelim') {
            backup();
            pipe = pipeline('template clause', 'rightDelim');
          }
          return { type: 'template', pos: nameTok.pos, line: nameTok.line, name, pipe };
        }
        case 'block': {
          const nameTok = nextNonSpace();
          const name = templateName(nameTok, 'block clause');
          const pipe = pipeline('block clause', 'rightDelim');
          const saved = vars;
          vars = ['$'];
          const body = itemList();
          vars = saved;
          if (body.end.type !== 'end') errorf(`unexpected {{else}} in block clause`);
          defs.set(name, body.list);
          return { type: 'template', pos: nameTok.pos, line: nameTok.line, name, pipe };
        }
        case 'define':
          return errorf('unexpected <define> in command');
      }
    }
    backup();
    const p = peekNonSpace();
    const pipe = pipeline('command', 'rightDelim');
    return { type: 'action', pos: p.pos, line: p.line, pipe };
  };

  const textOrAction = (): Node | Ended => {
    const t = nextNonSpace();
    if (t.typ === 'text') return { type: 'text', pos: t.pos, text: t.val };
    if (t.typ === 'leftDelim') {
      actionLine = t.line;
      try {
        return action();
      } finally {
        actionLine = 0;
      }
    }
    return unexpected(t, 'input');
  };

  const root: Node[] = [];
  while (peek().typ !== 'eof') {
    if (peek().typ === 'leftDelim') {
      const save = i;
      next();
      const k = nextNonSpace();
      if (k.typ === 'keyword' && k.val === 'define') {
        const nameTok = nextNonSpace();
        const name = templateName(nameTok, 'define clause');
        expect('rightDelim', 'define clause');
        const saved = vars;
        vars = ['$'];
        const body = itemList();
        vars = saved;
        if (body.end.type !== 'end') errorf(`unexpected {{else}} in define clause`);
        defs.set(name, body.list);
        continue;
      }
      i = save;
    }
    const n = textOrAction();
    if (n.type === 'end' || n.type === 'else') errorf(`unexpected {{${n.type}}}`);
    root.push(n as Node);
  }
  return { root, defs };
}
