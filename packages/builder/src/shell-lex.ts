import { InvalidArgumentError } from '@berth/errdefs';

/** Variables visible to substitution: ENV of the image plus ARGs in scope. */
export type VarLookup = (name: string) => string | undefined;

/**
 * Docker's ShellLex: variable substitution and quote removal for the instructions that allow
 * it (FROM, ENV, ARG, LABEL, COPY, ADD, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL).
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
 * `${VAR:?msg}`; single quotes are literal; in double quotes only `\"`, `\$` and `\\` escape.
 */
export class ShellLex {
  constructor(private readonly escape = '\\') {}

  /** One word: substitution and quote removal, no splitting. */
  processWord(word: string, vars: VarLookup): string {
    return this.process(word, vars, false)[0] ?? '';
  }

  /** Substitution then splitting on unquoted whitespace (EXPOSE, VOLUME, ARG lists). */
  processWords(word: string, vars: VarLookup): string[] {
    return this.process(word, vars, true);
  }

  private process(input: string, vars: VarLookup, split: boolean): string[] {
    const words: string[] = [];
    let cur = '';
    let inWord = false;
    let i = 0;
    const esc = this.escape;
    const flush = (): void => {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    };
    while (i < input.length) {
      const ch = input[i]!;
      if (split && /\s/.test(ch)) {
        flush();
        i++;
        continue;
      }
      inWord = true;
      if (ch === esc) {
        if (i + 1 < input.length) cur += input[i + 1]!;
        i += 2;
      } else if (ch === "'") {
        const end = input.indexOf("'", i + 1);
        if (end < 0) throw new InvalidArgumentError(`unexpected end of statement while looking for matching single-quote`);
        cur += input.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        for (;;) {
          if (i >= input.length) throw new InvalidArgumentError('unexpected end of statement while looking for matching double-quote');
          const c = input[i]!;
          if (c === '"') {
            i++;
            break;
          }
          if (c === esc && i + 1 < input.length && ['"', '$', esc].includes(input[i + 1]!)) {
            cur += input[i + 1]!;
            i += 2;
          } else if (c === '$') {
            const r = this.dollar(input, i, vars);
            cur += r.value;
            i = r.next;
          } else {
            cur += c;
            i++;
          }
        }
      } else if (ch === '$') {
        const r = this.dollar(input, i, vars);
        cur += r.value;
        i = r.next;
      } else {
        cur += ch;
        i++;
      }
    }
    flush();
    return words;
  }

  /** `input[i] === '$'`: the substituted value and the index after the reference. */
  private dollar(input: string, i: number, vars: VarLookup): { value: string; next: number } {
    const after = input[i + 1];
    if (after === '{') {
      let j = i + 2;
      const nm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(input.slice(j));
      if (!nm) throw new InvalidArgumentError(`missing ':' in substitution: ${input}`);
      const name = nm[0];
      j += name.length;
      if (input[j] === '}') return { value: vars(name) ?? '', next: j + 1 };
      let op = input[j] ?? '';
      j++;
      if (op === ':') {
        op += input[j] ?? '';
        j++;
      }
      if (!['-', '+', '?', ':-', ':+', ':?'].includes(op)) throw new InvalidArgumentError(`unsupported modifier (${op}) in substitution: ${input}`);
      // the word runs to the matching '}', nested ${} allowed
      let depth = 1;
      let k = j;
      for (; k < input.length; k++) {
        const c = input[k]!;
        if (c === this.escape) {
          k++;
          continue;
        }
        if (c === '{' && input[k - 1] === '$') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      if (k >= input.length) throw new InvalidArgumentError(`missing '}' in substitution: ${input}`);
      const word = this.processWord(input.slice(j, k), vars);
      const v = vars(name);
      const set = v !== undefined;
      const nonEmpty = set && v !== '';
      let value: string;
      switch (op) {
        case '-': value = set ? v : word; break;
        case ':-': value = nonEmpty ? v! : word; break;
        case '+': value = set ? word : ''; break;
        case ':+': value = nonEmpty ? word : ''; break;
        case '?':
          if (!set) throw new InvalidArgumentError(`${name}: ${word || 'is not allowed to be unset'}`);
          value = v;
          break;
        default:
          if (!nonEmpty) throw new InvalidArgumentError(`${name}: ${word || 'is not allowed to be empty'}`);
          value = v!;
      }
      return { value, next: k + 1 };
    }
    const nm = /^[a-zA-Z_][a-zA-Z0-9_]*|^[0-9*#@$?!-]/.exec(input.slice(i + 1));
    if (!nm) return { value: '$', next: i + 1 };
    return { value: vars(nm[0]) ?? '', next: i + 1 + nm[0].length };
  }
}
