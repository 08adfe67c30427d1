import { describe, expect, it } from '@jest/globals';
import { chainIds, Digester, isDigest, parseDigest, sha256Digest, shortId } from './digest';

describe('digests', () => {
  it('hashes incrementally as in one go', () => {
    const d = new Digester();
    d.update(Buffer.from('hel'));
    d.update(Buffer.from('lo'));
    expect(d.digest()).toBe(sha256Digest('hello'));
    expect(d.size).toBe(5);
  });

  it('validates the form', () => {
    expect(isDigest('sha256:' + 'a'.repeat(64))).toBe(true);
    expect(isDigest('sha256:' + 'A'.repeat(64))).toBe(false);
    expect(() => parseDigest('sha256:abc')).toThrow(/invalid format/);
    expect(shortId('sha256:0123456789abcdef')).toBe('0123456789ab');
  });

  it('chainIDs follow the OCI definition', () => {
    const a = sha256Digest('a');
    const b = sha256Digest('b');
    expect(chainIds([a, b])).toEqual([a, sha256Digest(`${a} ${b}`)]);
  });
});
