import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { normalizeContainerName, randomContainerName } from './container-names';

describe('container names', () => {
  it('accepts docker names with or without the slash', () => {
    expect(normalizeContainerName('trace-x')).toBe('/trace-x');
    expect(normalizeContainerName('/trace-x')).toBe('/trace-x');
    expect(normalizeContainerName('a.b_c-1')).toBe('/a.b_c-1');
  });

  it('refuses invalid names with docker message', () => {
    for (const bad of ['', 'a', '-x', '_x', 'has space', 'a/b', '../etc', 'x\u0000y', '//x']) {
      expect(() => normalizeContainerName(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => normalizeContainerName('a/b')).toThrow('Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });

  it('generates adjective_surname names that are valid', () => {
    for (let i = 0; i < 50; i++) {
      const n = randomContainerName();
      expect(n).toMatch(/^[a-z]+_[a-z]+$/);
      expect(() => normalizeContainerName(n)).not.toThrow();
    }
    expect(randomContainerName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
  });
});
