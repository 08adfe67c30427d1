/**
 * JSON numbers as Go's encoding/json sees them. JSON.parse reads every number as a double, so
 * `9223372036854775807` (an int64 Go decodes exactly) comes back as 2^63, and `1e30` can only be
 * printed back as `1e+30`. Here a literal a double does not keep as written comes back as:
 * - a `bigint`, for an integer beyond 2^53 (Docker's int64 fields take up to 2^63-1);
 * - a `JsonNumber` (its text), for a literal with a fraction or an exponent (`1e30`, `1.5`,
 *   `1.0`), which Go refuses for an integer field, quoting the literal.
 * Every other number is a plain `number`, so a body without such literals parses as JSON.parse's.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** As a double, for code that only compares it. */
  valueOf(): number {
    return Number(this.text);
  }
  /** Written back as JSON.parse would have read it. */
  toJSON(): number {
    return Number(this.text);
  }
}

/** A JSON string token, or a JSON number token (RFC 8259's grammar: no leading zeros). */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * JSON.parse, with the number literals a double does not keep as written kept (above);
 * `bigintsOnly`: fractions and exponents read as JSON.parse does (for text this side wrote).
 */
export function parseJsonExact(text: string, opts: { bigintsOnly?: boolean } = {}): unknown {
  const kept: (bigint | JsonNumber)[] = [];
  const tag = `\\u0000${Math.random().toString(36).slice(2, 10)}:`;
  const marked = text.replace(TOKEN, (tok) => {
    if (tok[0] === '"') return tok;
    let keep: bigint | JsonNumber;
    if (/[.eE]/.test(tok)) {
      if (opts.bigintsOnly) return tok;
      keep = new JsonNumber(tok);
    }
    else if (!Number.isSafeInteger(Number(tok))) keep = BigInt(tok);
    else return tok;
    kept.push(keep);
    return `"${tag}${kept.length - 1}"`;
  });
  if (kept.length === 0) return JSON.parse(text);
  const prefix = JSON.parse(`"${tag}"`) as string;
  const restore = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith(prefix) ? kept[Number(v.slice(prefix.length))] : v;
    if (Array.isArray(v)) return v.map(restore);
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) (v as Record<string, unknown>)[k] = restore(x);
    }
    return v;
  };
  return restore(JSON.parse(marked));
}

/** JSON.stringify (with `space` as its indent), with a `bigint` written as its digits (an int64 beyond 2^53 as Go writes it). */
export function stringifyJson(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
  }
  const tag = `\u0000${Math.random().toString(36).slice(2, 10)}:`;
  const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${tag}${v}` : v), space);
  return s.replace(new RegExp(`"${JSON.stringify(tag).slice(1, -1).replace(/\\/g, '\\\\')}(-?\\d+)"`, 'g'), '$1');
}
