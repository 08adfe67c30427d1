import { describe, expect, it } from '@jest/globals';
import { StreamRequestCache } from './stream-request-cache';

describe('StreamRequestCache', () => {
  it('a token works once and expires', async () => {
    const c = new StreamRequestCache(50);
    const req = { kind: 'attach' as const, containerId: 'x', tty: false, stdin: false, stdout: true, stderr: true };
    const t = c.insert(req);
    expect(c.consume(t)).toEqual(req);
    expect(c.consume(t)).toBeUndefined();
    const t2 = c.insert(req);
    await new Promise((r) => setTimeout(r, 80));
    expect(c.consume(t2)).toBeUndefined();
  });
});
