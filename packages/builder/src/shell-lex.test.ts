import { describe, expect, it } from '@jest/globals';
import { ShellLex } from './shell-lex';

const vars: Record<string, string> = { A: 'a', E: '', P: '/usr/bin' };
const look = (n: string): string | undefined => vars[n];

describe('ShellLex', () => {
  const lex = new ShellLex();
  it.each([
    ['$A', 'a'],
    ['${A}x', 'ax'],
    ['${NO:-def}', 'def'],
    ['${E:-def}', 'def'],
    ['${E-def}', ''],
    ['${A:+alt}', 'alt'],
    ['${NO:+alt}', ''],
    ['${NO:-${A}b}', 'ab'],
    ['\\$A', '$A'],
    ["'$A'", '$A'],
    ['"$A b"', 'a b'],
    ['"\\$A"', '$A'],
    ['$', '$'],
    ['a$1', 'a'],
    ['${P}:/x', '/usr/bin:/x'],
  ])('%s -> %s', (input, want) => {
    expect(lex.processWord(input, look)).toBe(want);
  });

  it('splits words outside quotes', () => {
    expect(lex.processWords('80 "a b" $A', look)).toEqual(['80', 'a b', 'a']);
  });

  it('reports a missing quote and ${X:?}', () => {
    expect(() => lex.processWord('"abc', look)).toThrow('double-quote');
    expect(() => lex.processWord('${NO:?must be set}', look)).toThrow('NO: must be set');
  });

  it('uses the escape directive character', () => {
    expect(new ShellLex('`').processWord('`$A', look)).toBe('$A');
  });
});
