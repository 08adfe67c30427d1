import { describe, expect, it } from '@jest/globals';
import { parseDockerfile } from './dockerfile-parser';
import { goQuoteList, keyValueWords, parseDuration } from './instruction-args';

describe('instruction arguments', () => {
  it('splits ENV pairs keeping quotes for substitution', () => {
    const [, env, old] = parseDockerfile('FROM x\nENV A=1 B="two words" C=\'$x\'\nENV OLD value with spaces\n').instructions;
    expect(keyValueWords(env!, '\\')).toEqual([{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: "'$x'" }]);
    expect(keyValueWords(old!, '\\')).toEqual([{ key: 'OLD', value: 'value with spaces' }]);
  });

  it('reads ARG with and without default', () => {
    const [, arg] = parseDockerfile('FROM x\nARG A B=2\n').instructions;
    expect(keyValueWords(arg!, '\\')).toEqual([{ key: 'A', value: undefined }, { key: 'B', value: '2' }]);
  });

  it('parses Go durations and formats %q lists', () => {
    expect(parseDuration('1m30s', 'interval')).toBe(90e9);
    expect(parseDuration('500ms', 'timeout')).toBe(5e8);
    expect(() => parseDuration('5', 'interval')).toThrow('invalid duration');
    expect(goQuoteList(['cat', 'greeting.txt'])).toBe('["cat" "greeting.txt"]');
  });
});
