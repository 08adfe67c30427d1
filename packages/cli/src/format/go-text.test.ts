import { describe, expect, it } from '@jest/globals';
import { ellipsis, goJson, goQuote, goSortedJson, truncateId } from './go-text';

describe('go text helpers', () => {
  it('truncates commands like docker ps (20 runes, …) and quotes like strconv.Quote', () => {
    expect(goQuote(ellipsis('dd if=/dev/zero bs=1M count=100', 20))).toBe('"dd if=/dev/zero bs=…"');
    expect(goQuote(ellipsis("sh -c 'sleep 2; exit 3'", 20))).toBe(`"sh -c 'sleep 2; exi…"`);
    expect(goQuote('sleep 3600')).toBe('"sleep 3600"');
    expect(goQuote('a"b\\c\td\x01')).toBe('"a\\"b\\\\c\\td\\x01"');
    expect(goQuote('é')).toBe('"é"');
  });
  it('escapes HTML like encoding/json', () => {
    expect(goJson({ a: '<none>&' })).toBe('{"a":"\\u003cnone\\u003e\\u0026"}');
  });
  it('truncates ids', () => {
    expect(truncateId('sha256:7a0f54585e7aa750ac0b6bf9e2179358609f9f8564fae4d2209153dd7ea31f32')).toBe('7a0f54585e7a');
    expect(truncateId('d60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9')).toBe('d60a65032f8e');
  });
  it('goSortedJson: json.Marshal of a map[string]any (keys by bytes, HTML escaped unless asked not to)', () => {
    expect(goSortedJson({ '2': 1, '10': [2, { b: '<', a: undefined }], a: null })).toBe('{"10":[2,{"b":"\\u003c"}],"2":1,"a":null}');
    expect(goSortedJson({ b: '<', a: 1 }, { escapeHtml: false })).toBe('{"a":1,"b":"<"}');
  });
});
