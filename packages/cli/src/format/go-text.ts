/** Go's strconv.Quote: double quotes, `\"`, `\\`, control characters escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** docker's formatter.Ellipsis: at most `max` runes, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const runes = [...s];
  if (runes.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  return runes.slice(0, max - 1).join('') + '…';
}

/** Go's encoding/json escaping of `<`, `>`, `&`, U+2028 and U+2029 in already serialised JSON. */
export function goJsonEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.Marshal`-like: compact, Go's HTML escaping. */
export function goJson(v: unknown): string {
  return goJsonEscape(JSON.stringify(v === undefined ? null : v));
}

/** docker inspect's output: a JSON array indented by four spaces, as json.Indent renders it. */
export function goJsonIndent(v: unknown): string {
  return goJsonEscape(JSON.stringify(v, null, 4));
}

/** stringid.TruncateID: drop `sha256:`, keep 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  const s = i >= 0 ? id.slice(i + 1) : id;
  return s.slice(0, 12);
}
