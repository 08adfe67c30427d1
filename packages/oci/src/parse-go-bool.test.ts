import { describe, expect, it } from '@jest/globals';
import { parseGoBool } from './parse-go-bool';

describe('parseGoBool (Go strconv.ParseBool)', () => {
  it('reads the six true forms', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(v)).toBe(true);
  });

  it('reads the six false forms', () => {
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(v)).toBe(false);
  });

  it('is no boolean for anything else (Go: ErrSyntax), BoolValue words and padding included', () => {
    for (const v of ['', 'yes', 'no', 'on', 'off', 'none', 'tRUE', 'fALSE', 'TrUe', ' true', 'false ', '2', '-1', '01', 'y']) {
      expect(parseGoBool(v)).toBeUndefined();
    }
  });
});
