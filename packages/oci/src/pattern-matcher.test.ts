import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { PatternMatcher, parseIgnoreFile } from './pattern-matcher';

const m = (pattern: string, file: string): boolean => new PatternMatcher([pattern]).matches(file);

describe('PatternMatcher (moby patternmatcher MatchesOrParentMatches)', () => {
  // moby's TestMatches table, and a few more
  const cases: Array<[string, string, boolean]> = [
    ['**', 'file', true],
    ['**', 'file/', true],
    ['**/', 'file', true],
    ['**', 'dir/file', true],
    ['**/', 'dir/file', true],
    ['**/**', 'dir/file', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/dir2/file', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true],
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true],
    ['**file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file.txt', true],
    ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['**/**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false],
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false],
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcdef', false],
    ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['a\\\\', 'a\\', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a(b)c/def', 'a(b)c/xyz', false],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    // a pattern that names a directory matches everything under it
    ['node_modules', 'node_modules/a/b.js', true],
    ['docs/*', 'docs/a/b.md', true],
    ['*', 'sub/x.log', true],
    ['*.log', 'sub/x.log', false],
    // patterns are cleaned
    ['./a/../b/', 'b/c', true],
    ['a//b', 'a/b', true],
  ];
  it.each(cases)('%s ~ %s: %s', (pattern, file, want) => expect(m(pattern, file)).toBe(want));

  it('lets the last matching pattern decide: exceptions re-include, a later pattern excludes again', () => {
    const pm = new PatternMatcher(['*.log', '!keep*.log', 'keep-not.log']);
    expect(pm.matches('x.log')).toBe(true);
    expect(pm.matches('keep.log')).toBe(false);
    expect(pm.matches('keep-not.log')).toBe(true);
    expect(pm.hasExclusions).toBe(true);
    const dir = new PatternMatcher(['docs', '!docs/README.md']);
    expect(dir.matches('docs/a.md')).toBe(true);
    expect(dir.matches('docs/README.md')).toBe(false);
    expect(new PatternMatcher(['a']).hasExclusions).toBe(false);
  });

  it('refuses a lone ! and a malformed class', () => {
    expect(() => new PatternMatcher(['!'])).toThrow('illegal exclusion pattern: "!"');
    expect(() => new PatternMatcher(['a['])).toThrow(InvalidArgumentError);
    expect(() => new PatternMatcher(['[]a]'])).toThrow('syntax error in pattern');
  });
});

describe('parseIgnoreFile (moby ignorefile.ReadAll)', () => {
  it('drops comments, blanks and a BOM, trims, cleans and strips a leading /', () => {
    const text = '\uFEFF# comment\n\n  *.log  \r\n!  keep.log\n/abs\n./rel/./x/\n/../up\nx/../y\n#!not\n # a pattern\n!/c\n/\n';
    expect(parseIgnoreFile(text)).toEqual(['*.log', '!keep.log', 'abs', 'rel/x', 'up', 'y', '# a pattern', '!c', '/']);
  });

  it('makes a matcher of a .dockerignore', () => {
    const d = PatternMatcher.fromIgnoreFile('# c\nignored.secret\nnode_modules/\n*.log\n!keep.log\ndocs/**/*.md\n/abs\n');
    expect(d.matches('ignored.secret')).toBe(true);
    expect(d.matches('node_modules/a/b.js')).toBe(true);
    expect(d.matches('keep.log')).toBe(false);
    expect(d.matches('docs/c.md')).toBe(true);
    expect(d.matches('docs/a/b/c.md')).toBe(true);
    expect(d.matches('abs')).toBe(true);
    expect(d.matches('Dockerfile')).toBe(false);
    expect(PatternMatcher.fromIgnoreFile('# only\n\n').empty).toBe(true);
  });
});
