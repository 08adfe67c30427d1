/** One `.dockerignore` line, compiled. */
interface Rule {
  exclusion: boolean;
  re: RegExp;
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**` matches any number of directories (including none)
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += /[.+^${}()|]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}

/** Cleans a pattern like Go's filepath.Clean, without a leading `/`. */
function clean(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/**
 * `.dockerignore` rules (moby's patternmatcher): `#` comments, `!` exceptions, `*`, `?`, `[..]`,
 * `**`; a pattern that matches a directory matches everything under it; the last matching
 * rule wins.
 */
export class DockerIgnore {
  private readonly rules: Rule[];
  constructor(text: string) {
    this.rules = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclusion = line.startsWith('!');
      if (exclusion) line = line.slice(1).trim();
      const p = clean(line);
      if (p === '') continue;
      this.rules.push({ exclusion, re: globToRegExp(p) });
    }
  }

  /** Whether the slash-separated relative path is left out of the context. */
  ignores(rel: string): boolean {
    const parents: string[] = [];
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) parents.push(parts.slice(0, i).join('/'));
    let ignored = false;
    for (const r of this.rules) {
      if (parents.some((p) => r.re.test(p))) ignored = !r.exclusion;
    }
    return ignored;
  }

  /** Whether some exception rule could re-include something under `dir` (then the walk must go in). */
  hasExceptions(): boolean {
    return this.rules.some((r) => r.exclusion);
  }
}
