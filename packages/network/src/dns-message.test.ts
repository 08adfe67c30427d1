import { describe, expect, it } from '@jest/globals';
import { buildResponse, encodeName, parseQuestion, RCODE_NOERROR, TYPE_A, TYPE_AAAA, TYPE_PTR } from './dns-message';
import { answerQuery, type DnsResolver } from './dns-server';

function query(name: string, type: number, id = 0x1234): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), tail]);
}

describe('DNS messages', () => {
  it('parses the question of a query (lower-cased)', () => {
    const q = parseQuestion(query('Web.Example', TYPE_A))!;
    expect(q).toMatchObject({ id: 0x1234, name: 'web.example', type: TYPE_A, class: 1 });
  });
  it('rejects responses and truncated messages', () => {
    const r = query('a', TYPE_A);
    r.writeUInt16BE(0x8100, 2);
    expect(parseQuestion(r)).toBeUndefined();
    expect(parseQuestion(query('abc', TYPE_A).subarray(0, 15))).toBeUndefined();
  });
  it('answers with the question echoed and A/AAAA/PTR records', () => {
    const qb = query('web', TYPE_A);
    const q = parseQuestion(qb)!;
    const r = buildResponse(qb, q, RCODE_NOERROR, [
      { type: TYPE_A, ttl: 600, data: '172.18.0.2' },
      { type: TYPE_A, ttl: 600, data: '172.18.0.3' },
    ]);
    expect(r.readUInt16BE(0)).toBe(0x1234);
    expect(r.readUInt16BE(2) & 0x8000).toBe(0x8000);
    expect(r.readUInt16BE(2) & 0x000f).toBe(0);
    expect(r.readUInt16BE(6)).toBe(2);
    const first = q.end;
    expect(r.readUInt16BE(first)).toBe(0xc00c);
    expect([...r.subarray(first + 12, first + 16)]).toEqual([172, 18, 0, 2]);
    const ptr = buildResponse(qb, q, RCODE_NOERROR, [{ type: TYPE_PTR, ttl: 600, data: 'web.net' }]);
    expect(ptr.subarray(first + 12).equals(encodeName('web.net'))).toBe(true);
    const six = buildResponse(qb, q, RCODE_NOERROR, [{ type: TYPE_AAAA, ttl: 600, data: 'fd00::1' }]);
    expect(six.subarray(first + 12).toString('hex')).toBe('fd000000000000000000000000000001');
  });
});

describe('answerQuery', () => {
  const resolver: DnsResolver = {
    lookup: (_src, q) => (q.name === 'web' ? (q.type === TYPE_A ? [{ type: TYPE_A, ttl: 600, data: '172.18.0.2' }] : []) : undefined),
    upstreams: (src) => (src === '172.18.0.9' ? [] : ['192.0.2.53']),
  };
  it('answers our names itself (NODATA for other types)', async () => {
    const fwd = jestFn();
    const a = await answerQuery(query('web', TYPE_A), '172.18.0.3', resolver, fwd.fn);
    expect(a.readUInt16BE(6)).toBe(1);
    const six = await answerQuery(query('web', TYPE_AAAA), '172.18.0.3', resolver, fwd.fn);
    expect(six.readUInt16BE(6)).toBe(0);
    expect(six.readUInt16BE(2) & 15).toBe(0);
    expect(fwd.calls).toHaveLength(0);
  });
  it('forwards other names to the upstream servers, SERVFAIL when there are none or they fail', async () => {
    const fwd = jestFn(Buffer.from('reply'));
    expect((await answerQuery(query('example.com', TYPE_A), '172.18.0.3', resolver, fwd.fn)).toString()).toBe('reply');
    expect(fwd.calls[0]).toEqual(['192.0.2.53']);
    const none = await answerQuery(query('example.com', TYPE_A), '172.18.0.9', resolver, fwd.fn);
    expect(none.readUInt16BE(2) & 15).toBe(2);
    const failing = jestFn(undefined);
    expect((await answerQuery(query('example.com', TYPE_A), '172.18.0.3', resolver, failing.fn)).readUInt16BE(2) & 15).toBe(2);
  });
  it('answers FORMERR to garbage', async () => {
    const r = await answerQuery(Buffer.from([1, 2, 3]), '1.2.3.4', resolver, jestFn().fn);
    expect(r.readUInt16BE(2) & 15).toBe(1);
  });
});

function jestFn(reply?: Buffer) {
  const calls: string[][] = [];
  return { calls, fn: async (_m: Buffer, servers: string[]) => (calls.push(servers), reply) };
}
