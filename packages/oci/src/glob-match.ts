import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Go's `path.Match` / `filepath.Match` (on Linux) as a RegExp over a whole `/`-separated name:
 * `*` is any run of characters but `/`, `?` one character but `/`, `[...]` a class (`[^...]`
 * negated, `a-z` ranges, `\` escapes inside), `\x` the character x. A malformed pattern
 * (unterminated or empty class, `-` or `]` where a class character belongs, trailing `\`) is
 * Go's ErrBadPattern: an InvalidArgumentError `syntax error in pattern: P`.
 *
 * The one glob of berth: COPY/ADD sources, image reference filters and (through
 * {@link PatternMatcher}, with `doubleStar`: moby's `**`) `.dockerignore` all use it.
 */
export function compileGlob(pattern: string, opts: { doubleStar?: boolean } = {}): RegExp {
  let re = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*' && opts.doubleStar && chars[i + 1] === '*') {
      // moby's patternmatcher: `**` crosses `/` (and `**/` also matches nothing at all)
      i++;
      if (chars[i + 1] === '/') i++;
      re += i + 1 >= chars.length ? '.*' : '(?:.*/)?';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= chars.length) throw badPattern(pattern);
      re += escapeRegExp(chars[++i]!);
    } else if (c === '[') {
      const cls = globClass(chars, i, pattern);
      re += cls.re;
      i = cls.end;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

/** Whether `name` matches the Go `path.Match` pattern (throws on a malformed pattern, as Go's error). */
export function globMatch(pattern: string, name: string): boolean {
  return compileGlob(pattern).test(name);
}

/** Whether a path has glob characters (`*`, `?`, `[`) not escaped by `\` (docker's containsWildcards). */
export function hasWildcards(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/**
 * Go's `path.Clean`: one `/` between elements, no `.` elements, `x/..` removed, `..` at the
 * root of a rooted path removed; the empty path is `.`.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const s = out.join('/');
  if (rooted) return `/${s}`;
  return s === '' ? '.' : s;
}

/**
 * A `[...]` class starting at `chars[start]`, as a JS class; `end` is the index of its `]`.
 * Go's rules: optional `^`, then at least one `lo` or `lo-hi`, each char possibly `\`-escaped.
 */
function globClass(chars: string[], start: number, pattern: string): { re: string; end: number } {
  let i = start + 1;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i++;
  }
  const items: string[] = [];
  let n = 0;
  const one = (): string => {
    let c = chars[i];
    if (c === undefined || c === '-' || c === ']') throw badPattern(pattern);
    if (c === '\\') {
      i++;
      c = chars[i];
      if (c === undefined) throw badPattern(pattern);
    }
    i++;
    return c;
  };
  for (;;) {
    if (chars[i] === ']' && n > 0) break;
    const lo = one();
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      hi = one();
    }
    n++;
    // Go matches nothing for an out-of-order range; a JS class would not compile
    if (lo.codePointAt(0)! <= hi.codePointAt(0)!) items.push(lo === hi ? escapeClass(lo) : `${escapeClass(lo)}-${escapeClass(hi)}`);
  }
  return { re: `[${negated ? '^' : ''}${items.join('')}]`, end: i };
}

/** One character as a literal in a `u`-flag RegExp. */
function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(c: string): string {
  return c.replace(/[\\\][^-]/g, '\\$&');
}

function badPattern(pattern: string): InvalidArgumentError {
  return new InvalidArgumentError(`syntax error in pattern: ${pattern}`);
}
