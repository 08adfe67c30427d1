import { InvalidArgumentError } from '@berth/errdefs';
import type { Instruction } from './dockerfile-parser';
import { parseError } from './dockerfile-parser';

/**
 * `KEY=VALUE` pairs of ENV, LABEL and ARG, split on unquoted whitespace with quotes kept (they
 * are removed later by substitution), or the old `ENV KEY value with spaces` form.
 */
export function keyValueWords(inst: Instruction, escape: string): Array<{ key: string; value: string | undefined }> {
  const words = splitKeepingQuotes(inst.args, escape);
  if (words.length === 0) throw parseError(inst.line, `${inst.keyword} requires at least one argument`);
  if (inst.keyword !== 'ARG' && !words[0]!.includes('=')) {
    // old form: the first word is the key, the rest of the line the value
    const m = /^(\S+)\s+([\s\S]*)$/.exec(inst.args.trim());
    if (!m) throw parseError(inst.line, `${inst.keyword} must have two arguments`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) {
      if (inst.keyword === 'ARG') return { key: w, value: undefined };
      throw parseError(inst.line, `${inst.keyword} names can not be blank`);
    }
    if (eq === 0) throw parseError(inst.line, `${inst.keyword} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

/** Words separated by unquoted whitespace; quotes and escapes are kept verbatim. */
export function splitKeepingQuotes(s: string, escape: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === escape && quote !== "'" && i + 1 < s.length) {
      cur += c + s[i + 1]!;
      i++;
      inWord = true;
      continue;
    }
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new InvalidArgumentError(`unexpected end of statement while looking for matching ${quote === '"' ? 'double' : 'single'}-quote`);
  if (inWord) out.push(cur);
  return out;
}

/** Go's time.ParseDuration subset used by HEALTHCHECK flags, in nanoseconds. */
export function parseDuration(s: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    consumed += m[0].length;
  }
  if (s === '0') return 0;
  if (consumed !== s.length || s === '') throw new InvalidArgumentError(`time: invalid duration "${s}" for --${flag}`);
  return Math.round(total);
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(items: string[]): string {
  return `[${items.map((x) => JSON.stringify(x)).join(' ')}]`;
}
