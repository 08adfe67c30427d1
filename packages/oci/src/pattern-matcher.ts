import { InvalidArgumentError } from '@berth/errdefs';
import { cleanPath, compileGlob } from './glob-match';

interface Pattern {
  exclusion: boolean;
  re: RegExp;
}

/**
 * The lines of a `.dockerignore` file as patterns (moby's ignorefile.ReadAll): a leading BOM is
 * dropped, lines starting with `#` are comments, surrounding blanks are trimmed, empty lines
 * skipped; each pattern (after its `!`) is cleaned like Go's `filepath.Clean` and loses a
 * leading `/` (so `/abs`, `./abs` and `x/../abs` are all `abs`).
 */
export function parseIgnoreFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (p === '') continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p !== '') {
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

/**
 * moby's patternmatcher: `.dockerignore` semantics, one implementation for the CLI (what it
 * leaves out of the context it sends) and the builder (the same again, server side).
 *
 * - Patterns are relative to the context root, cleaned (`filepath.Clean`); `!p` is an exception.
 * - `*` and `?` never cross `/`; `[...]` and `\x` as Go's `filepath.Match`; `**` is any number of
 *   directories (`**∕x` also matches `x`, a trailing `**` everything below).
 * - A path is matched when it or one of its parent directories matches; the last matching
 *   pattern decides (an exception re-includes).
 * - A malformed pattern (`[`, `!` alone) is an InvalidArgumentError.
 */
export class PatternMatcher {
  private readonly list: Pattern[] = [];
  /** Whether some pattern is an exception (`!p`): a walk must then look inside ignored directories. */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    for (let p of patterns) {
      p = p.trim();
      if (p === '') continue;
      p = cleanPath(p);
      const exclusion = p.startsWith('!');
      if (exclusion) {
        if (p.length === 1) throw new InvalidArgumentError('illegal exclusion pattern: "!"');
        p = p.slice(1);
      }
      // moby's Pattern.compile; Go's filepath.Match syntax errors (a bad class) are errors here, not later
      this.list.push({ exclusion, re: compileGlob(p, { doubleStar: true }) });
    }
    this.hasExclusions = this.list.some((p) => p.exclusion);
  }

  /** A matcher from the text of a `.dockerignore` file. */
  static fromIgnoreFile(text: string): PatternMatcher {
    return new PatternMatcher(parseIgnoreFile(text));
  }

  /** Whether there are no patterns at all. */
  get empty(): boolean {
    return this.list.length === 0;
  }

  /**
   * Whether the `/`-separated relative path (or one of its parent directories) is matched
   * (moby's MatchesOrParentMatches): true means left out of the context.
   */
  matches(file: string): boolean {
    const f = cleanPath(file);
    const dirs = f.split('/');
    dirs.pop();
    let matched = false;
    for (const p of this.list) {
      // an inclusion cannot change a match, an exception cannot change a non-match
      if (p.exclusion !== matched) continue;
      let m = p.re.test(f);
      for (let i = 1; !m && i <= dirs.length; i++) m = p.re.test(dirs.slice(0, i).join('/'));
      if (m) matched = !p.exclusion;
    }
    return matched;
  }
}

