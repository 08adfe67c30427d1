import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { encodeFrame } from '@berth/api';
import { demultiplex } from './demux';
import { readAll } from './node-http-transport';

describe('demultiplex', () => {
  it('splits frames that span and share chunks', async () => {
    const src = new PassThrough();
    const { stdout, stderr } = demultiplex(src);
    const all = Buffer.concat([encodeFrame('stdout', Buffer.from('a')), encodeFrame('stderr', Buffer.from('bb')), encodeFrame('stdout', Buffer.from('ccc'))]);
    for (let i = 0; i < all.length; i += 3) src.write(all.subarray(i, i + 3));
    src.end();
    expect((await readAll(stdout)).toString()).toBe('accc');
    expect((await readAll(stderr)).toString()).toBe('bb');
  });
  it('passes a raw (TTY) stream through on stdout', async () => {
    const src = new PassThrough();
    const { stdout, stderr } = demultiplex(src);
    src.end('hello\r\n');
    expect((await readAll(stdout)).toString()).toBe('hello\r\n');
    expect((await readAll(stderr)).toString()).toBe('');
  });
  it('ends both streams on an empty source', async () => {
    const src = new PassThrough();
    const { stdout, stderr } = demultiplex(src);
    src.end();
    expect((await readAll(stdout)).length + (await readAll(stderr)).length).toBe(0);
  });
});
