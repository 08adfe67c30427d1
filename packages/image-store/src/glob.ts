/**
 * Go's `path.Match` patterns, as docker's reference filter uses them: `*` is any run of
 * characters but `/`, `?` one character but `/`, `[...]` a class (`[^...]` negated), `\` escapes.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/\\/g, '\\\\');
      else body = body.replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(re + '$');
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function globMatch(pattern: string, s: string): boolean {
  return globToRegExp(pattern).test(s);
}
