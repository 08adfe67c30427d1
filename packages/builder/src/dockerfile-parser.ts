import { InvalidArgumentError } from '@berth/errdefs';

/** One logical instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword: `RUN`, `COPY`, ... */
  keyword: string;
  /** Everything after the keyword (continuations joined, comments inside removed), trimmed. */
  rest: string;
  /** `--name=value` flags at the start of `rest` (COPY --from, FROM --platform, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** `rest` without the flags. */
  args: string;
  /** The exec (JSON array) form, when `args` is one. */
  json?: string[];
  /** 1-based line where the instruction starts. */
  line: number;
  /** The instruction as docker prints it in `Step N/M : ...`. */
  original: string;
}

export interface ParsedDockerfile {
  /** The escape character (`\` or a backtick from `# escape=`). */
  escape: string;
  /** Parser directives (`escape`, `syntax`), lower-case keys. */
  directives: Record<string, string>;
  instructions: Instruction[];
}

export const KNOWN_INSTRUCTIONS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** A syntax error that names the line, as docker's parser does. */
export function parseError(line: number, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`dockerfile parse error line ${line}: ${reason}`);
}

/**
 * Parses Dockerfile text as the legacy builder does: parser directives at the top, comments,
 * line continuations with the escape character, case-insensitive keywords, exec (JSON) forms.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key !== 'escape' && key !== 'syntax') break;
    if (directives[key] !== undefined) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    directives[key] = m[2]!;
  }
  const escape = directives['escape'] ?? '\\';
  if (escape !== '\\' && escape !== '`') throw parseError(1, `invalid escape token '${escape}' does not match ` + '` or \\');

  const instructions: Instruction[] = [];
  let cur: { line: number; text: string } | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmedStart = raw.trimStart();
    if (trimmedStart.startsWith('#')) continue; // comments, also inside continuations
    if (cur === undefined && trimmedStart === '') continue;
    if (cur !== undefined && trimmedStart === '') continue; // empty continuation line (docker warns)
    const body = raw.replace(/\s+$/, '');
    const continues = body.endsWith(escape);
    const piece = continues ? body.slice(0, -1) : body;
    if (cur === undefined) cur = { line: i + 1, text: piece.trimStart() };
    else cur.text += piece;
    if (!continues) {
      instructions.push(toInstruction(cur.line, cur.text));
      cur = undefined;
    }
  }
  if (cur !== undefined) instructions.push(toInstruction(cur.line, cur.text));
  return { escape, directives, instructions };
}

function toInstruction(line: number, text: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  if (!m) throw parseError(line, 'empty instruction');
  const keyword = m[1]!.toUpperCase();
  if (!KNOWN_INSTRUCTIONS.has(keyword)) throw parseError(line, `unknown instruction: ${m[1]!.toUpperCase()}`);
  const rest = m[2]!.trim();
  const flags: Record<string, string> = {};
  let args = rest;
  // flags come first: --name=value or --name (boolean)
  for (;;) {
    const f = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(args);
    if (!f || keyword === 'RUN' || keyword === 'CMD' || keyword === 'ENTRYPOINT' || keyword === 'ONBUILD') break;
    flags[f[1]!] = f[2] ?? 'true';
    args = args.slice(f[0].length);
  }
  if (args === '' && keyword !== 'RUN' && keyword !== 'CMD' && keyword !== 'ENTRYPOINT') {
    throw parseError(line, `${keyword} requires at least one argument`);
  }
  const inst: Instruction = { keyword, rest, flags, args, line, original: `${m[1]!} ${rest}`.trim() };
  const json = parseJsonForm(args);
  if (json) inst.json = json;
  return inst;
}

/** The exec form: a JSON array of strings, else undefined (then it is the shell form). */
export function parseJsonForm(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* shell form */
  }
  return undefined;
}
