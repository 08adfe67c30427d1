import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { GZIP_MEMBER_BYTES, ParallelGzip } from './parallel-gzip';

async function compress(input: Buffer, level = 6): Promise<Buffer> {
  const out: Buffer[] = [];
  const gz = Readable.from([input.subarray(0, 1000), input.subarray(1000)]).pipe(new ParallelGzip(level));
  for await (const c of gz) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('ParallelGzip', () => {
  it('is one gzip stream of the input (several members), the same bytes every time', async () => {
    const input = Buffer.concat([randomBytes(GZIP_MEMBER_BYTES), Buffer.alloc(GZIP_MEMBER_BYTES * 2 + 12345, 'text ')]);
    const a = await compress(input);
    expect(gunzipSync(a).equals(input)).toBe(true);
    expect((await compress(input)).equals(a)).toBe(true);
    expect(a.length).toBeLessThan(input.length);
  });
  it('an empty input is one empty member', async () => {
    const a = await compress(Buffer.alloc(0));
    expect(gunzipSync(a).length).toBe(0);
  });
});
