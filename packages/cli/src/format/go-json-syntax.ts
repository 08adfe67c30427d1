import { goQuote } from './go-text';

/**
 * Go's encoding/json syntax check (its scanner, as `json.Unmarshal` runs it before decoding):
 * the error text for the first byte that cannot continue a JSON value (`invalid character 'b'
 * looking for beginning of object key string`, `unexpected end of JSON input`), or undefined
 * when `data` is one valid JSON value (with surrounding white space).
 */
export function goJsonSyntaxError(data: Uint8Array): string | undefined {
  // the containers still open: '{' waiting for a key, ':' for a value, ',' inside an array
  const stack: ('key' | 'value' | 'array')[] = [];
  let i = 0;
  const n = data.length;
  const space = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  const skip = () => {
    while (i < n && space(data[i]!)) i++;
  };
  const bad = (context: string) => `invalid character ${quoteChar(data[i]!)} ${context}`;
  const digit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  const END = 'unexpected end of JSON input';

  // one scalar at i (string, number or literal); an error text, or undefined with i after it
  const scalar = (): string | undefined => {
    const c = data[i]!;
    if (c === 0x22) {
      i++;
      for (;;) {
        if (i >= n) return END;
        const s = data[i]!;
        if (s === 0x22) {
          i++;
          return undefined;
        }
        if (s === 0x5c) {
          i++;
          if (i >= n) return END;
          const e = data[i]!;
          if (e === 0x75) {
            for (let k = 0; k < 4; k++) {
              i++;
              if (i >= n) return END;
              if (!/[0-9a-fA-F]/.test(String.fromCharCode(data[i]!))) return bad('in \\u hexadecimal character escape');
            }
          } else if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) return bad('in string escape code');
        } else if (s < 0x20) return bad('in string literal');
        i++;
      }
    }
    if (c === 0x2d || digit(c)) {
      if (c === 0x2d) {
        i++;
        if (i >= n) return END;
        if (!digit(data[i])) return bad('in numeric literal');
      }
      if (data[i] === 0x30) i++;
      else while (digit(data[i])) i++;
      if (data[i] === 0x2e) {
        i++;
        if (i >= n) return END;
        if (!digit(data[i])) return bad('after decimal point in numeric literal');
        while (digit(data[i])) i++;
      }
      if (data[i] === 0x65 || data[i] === 0x45) {
        i++;
        if (data[i] === 0x2b || data[i] === 0x2d) i++;
        if (i >= n) return END;
        if (!digit(data[i])) return bad('in exponent of numeric literal');
        while (digit(data[i])) i++;
      }
      return undefined;
    }
    for (const word of ['true', 'false', 'null']) {
      if (c !== word.charCodeAt(0)) continue;
      for (let k = 1; k < word.length; k++) {
        i++;
        if (i >= n) return END;
        if (data[i] !== word.charCodeAt(k)) return bad(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`);
      }
      i++;
      return undefined;
    }
    return bad('looking for beginning of value');
  };

  // state: expecting a value (or, just after '[' / '{', possibly the closing bracket)
  let expect: 'value' | 'value-or-]' | 'key' | 'key-or-}' = 'value';
  for (;;) {
    skip();
    if (i >= n) return END;
    const c = data[i]!;
    if (expect === 'value-or-]' && c === 0x5d) {
      stack.pop();
      i++;
    } else if (expect === 'key-or-}' && c === 0x7d) {
      stack.pop();
      i++;
    } else if (expect === 'key' || expect === 'key-or-}') {
      if (c !== 0x22) return bad('looking for beginning of object key string');
      const e = scalar();
      if (e) return e;
      skip();
      if (i >= n) return END;
      if (data[i] !== 0x3a) return bad('after object key');
      i++;
      stack[stack.length - 1] = 'value';
      expect = 'value';
      continue;
    } else if (c === 0x7b) {
      stack.push('key');
      i++;
      expect = 'key-or-}';
      continue;
    } else if (c === 0x5b) {
      stack.push('array');
      i++;
      expect = 'value-or-]';
      continue;
    } else {
      const e = scalar();
      if (e) return e;
    }
    // a value ended: what its container allows next
    for (;;) {
      skip();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (i < n) return bad('after top-level value');
        return undefined;
      }
      if (i >= n) return END;
      const d = data[i]!;
      if (top === 'value') {
        if (d === 0x2c) {
          i++;
          stack[stack.length - 1] = 'key';
          expect = 'key';
          break;
        }
        if (d !== 0x7d) return bad('after object key:value pair');
      } else {
        if (d === 0x2c) {
          i++;
          expect = 'value';
          break;
        }
        if (d !== 0x5d) return bad('after array element');
      }
      stack.pop();
      i++;
    }
  }
}

/** Go's json quoteChar: `'x'`, with strconv.Quote's escapes of the byte taken as a rune. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  return `'${goQuote(String.fromCharCode(c)).slice(1, -1)}'`;
}
