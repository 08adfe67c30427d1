import { describe, expect, it } from '@jest/globals';
import { goJsonSyntaxError } from './go-json-syntax';

describe('goJsonSyntaxError (expectations: docker 28 `context import` of a meta.json holding the input)', () => {
  it.each([
    ['{bad', "invalid character 'b' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', 'invalid character \'"\' after object key:value pair'],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
    ['{"a":-x}', "invalid character 'x' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['{"a":', 'unexpected end of JSON input'],
    ['{"a":"abc', 'unexpected end of JSON input'],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    [' ', 'unexpected end of JSON input'],
  ])('%s', (input, want) => {
    expect(goJsonSyntaxError(Buffer.from(input))).toBe(want);
  });

  it('valid JSON has no error', () => {
    for (const ok of ['null', ' {"a":[1,-2.5e+3,{"b":"\\u00e9\\n"}],"c":true} ', '[]', '{}', '"x"', '0']) expect(goJsonSyntaxError(Buffer.from(ok))).toBeUndefined();
  });
});
