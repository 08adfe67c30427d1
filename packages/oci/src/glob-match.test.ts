import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { cleanPath, globMatch, hasWildcards } from './glob-match';

describe('globMatch (Go path.Match)', () => {
  // Go's own path.Match table
  const cases: Array<[string, string, boolean | 'bad']> = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[z-a]', 'm', false],
    ['a.b', 'acb', false],
    ['a+(b)|{c}$^', 'a+(b)|{c}$^', true],
    ['*x', 'xxx', true],
    ['[]a]', ']', 'bad'],
    ['[-]', '-', 'bad'],
    ['[x-]', 'x', 'bad'],
    ['[-x]', 'x', 'bad'],
    ['\\', 'a', 'bad'],
    ['[a-b-c]', 'a', 'bad'],
    ['[', 'a', 'bad'],
    ['[^', 'a', 'bad'],
    ['[^bc', 'a', 'bad'],
    ['a[', 'a', 'bad'],
    ['a/b[', 'x', 'bad'],
  ];
  it.each(cases)('%s ~ %s: %s', (pattern, name, want) => {
    if (want === 'bad') {
      expect(() => globMatch(pattern, name)).toThrow(InvalidArgumentError);
      expect(() => globMatch(pattern, name)).toThrow(`syntax error in pattern: ${pattern}`);
    } else expect(globMatch(pattern, name)).toBe(want);
  });
});

describe('hasWildcards', () => {
  it('sees *, ? and [ unless escaped', () => {
    expect(hasWildcards('a*')).toBe(true);
    expect(hasWildcards('a?')).toBe(true);
    expect(hasWildcards('a[b]')).toBe(true);
    expect(hasWildcards('a\\*b')).toBe(false);
    expect(hasWildcards('dir/file.txt')).toBe(false);
  });
});

describe('cleanPath (Go path.Clean)', () => {
  it.each([
    ['', '.'],
    ['.', '.'],
    ['a/b/', 'a/b'],
    ['a//b', 'a/b'],
    ['./a/./b', 'a/b'],
    ['a/../b', 'b'],
    ['a/b/../../..', '..'],
    ['../a', '../a'],
    ['/../a', '/a'],
    ['/', '/'],
    ['//a/', '/a'],
  ])('%s -> %s', (p, want) => expect(cleanPath(p)).toBe(want));
});
