import { stringifyJson } from '@berth/api';

export { goQuote } from '@berth/api';
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
  return goJsonEscape(stringifyJson(v === undefined ? null : v));
}

/**
 * Go's json.Marshal of untyped data (a map[string]any: keys sorted by their bytes, so `"10"`
 * before `"2"`, which a JS object cannot keep), HTML-escaped as Go does. `leaf` turns a value into
 * what JSON.stringify should write (or keeps it), `inOrder` says which objects are Go structs
 * (their keys kept in order); `escapeHtml: false` as an encoder with SetEscapeHTML(false) (docker's
 * template `json`).
 */
export function goSortedJson(v: unknown, opts: { leaf?: (v: unknown) => unknown; inOrder?: (o: object) => boolean; escapeHtml?: boolean } = {}): string {
  const text = sortedJson(v, opts.leaf ?? ((x) => x), opts.inOrder ?? (() => false));
  return opts.escapeHtml === false ? text : goJsonEscape(text);
}

function sortedJson(v0: unknown, leaf: (v: unknown) => unknown, inOrder: (o: object) => boolean): string {
  const v = leaf(v0);
  if (Array.isArray(v)) return `[${v.map((x) => sortedJson(x === undefined || typeof x === 'function' ? null : x, leaf, inOrder)).join(',')}]`;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    const o = v as Record<string, unknown>;
    const keys = (inOrder(o) ? Object.keys(o) : Object.keys(o).sort(byBytes)).filter((k) => o[k] !== undefined && typeof o[k] !== 'function');
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k], leaf, inOrder)}`).join(',')}}`;
  }
  return stringifyJson(v) ?? 'null';
}

/** Go's string order: by UTF-8 bytes (JS's sort compares UTF-16 units, different above U+FFFF). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** docker inspect's output: a JSON array indented by four spaces, as json.Indent renders it. */
export function goJsonIndent(v: unknown): string {
  return goJsonEscape(stringifyJson(v, 4));
}

/** stringid.TruncateID: drop `sha256:`, keep 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  const s = i >= 0 ? id.slice(i + 1) : id;
  return s.slice(0, 12);
}
