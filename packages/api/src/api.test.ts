import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { decodeRegistryAuth, encodeRegistryAuth } from './registry-auth';
import { encodeFrame, FrameDecoder, type Frame } from './stdcopy';
import { JsonMessageDecoder } from './json-message';
import { encodeFilters, parseBool, parseFilters } from './query';
import { decodePathStat, encodePathStat } from './path-stat';

async function collect<T>(r: NodeJS.ReadableStream): Promise<T[]> {
  const out: T[] = [];
  for await (const x of r as AsyncIterable<T>) out.push(x);
  return out;
}

describe('stdcopy framing', () => {
  it('encodes docker frames and decodes them across any chunking', async () => {
    const f = Buffer.concat([encodeFrame('stdout', Buffer.from('hi\n')), encodeFrame('stderr', Buffer.from('err'))]);
    expect(f.subarray(0, 8)).toEqual(Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]));
    const bytes = [...f].map((b) => Buffer.from([b])); // one byte a chunk
    const frames = await collect<Frame>(Readable.from(bytes).pipe(new FrameDecoder()));
    expect(frames.map((x) => [x.stream, x.payload.toString()])).toEqual([
      ['stdout', 'hi\n'],
      ['stderr', 'err'],
    ]);
  });

  it('refuses a bad stream byte and a stream cut inside a frame', async () => {
    await expect(collect(Readable.from([Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])]).pipe(new FrameDecoder()))).rejects.toThrow(/bad stream type/);
    await expect(collect(Readable.from([encodeFrame('stdout', Buffer.from('abc')).subarray(0, 10)]).pipe(new FrameDecoder()))).rejects.toThrow(/inside a frame/);
  });
});

describe('JSON message streams', () => {
  it('parses messages split over chunks and several in one chunk', async () => {
    const msgs = await collect(Readable.from(['{"status":"a"}\n{"sta', 'tus":"b"}\n', '{"stream":"c\\n"}']).pipe(new JsonMessageDecoder()));
    expect(msgs).toEqual([{ status: 'a' }, { status: 'b' }, { stream: 'c\n' }]);
  });
});

describe('query parameters', () => {
  it('booleans: 1, true and True; anything else false', () => {
    expect(['1', 'true', 'True'].map(parseBool)).toEqual([true, true, true]);
    expect(['0', 'false', '', undefined].map(parseBool)).toEqual([false, false, false, false]);
  });

  it('filters: the CLI map form and the dockerode array form', () => {
    expect(parseFilters('{"name":{"aa":true,"bb":true},"status":{"exited":true}}')).toEqual(
      new Map([
        ['name', ['aa', 'bb']],
        ['status', ['exited']],
      ]),
    );
    expect(parseFilters('{"name":["x"]}')).toEqual(new Map([['name', ['x']]]));
    expect(parseFilters(undefined).size).toBe(0);
    expect(() => parseFilters('{bad')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => parseFilters('[1]')).toThrow(/invalid filter/);
    expect(encodeFilters({ label: ['a=1'] })).toBe('{"label":{"a=1":true}}');
    // a value "__proto__" is a value (assigned, it was dropped: the filter then matched everything)
    expect(encodeFilters({ name: ['__proto__', 'x'], label: [] })).toBe('{"name":{"__proto__":true,"x":true}}');
  });
});

describe('X-Registry-Auth', () => {
  it('round-trips, and accepts both base64 alphabets', () => {
    const a = { username: 'u', password: 'p?>>', serveraddress: '127.0.0.1:5001' };
    expect(decodeRegistryAuth(encodeRegistryAuth(a))).toEqual(a);
    expect(decodeRegistryAuth(Buffer.from(JSON.stringify(a)).toString('base64'))).toEqual(a);
    expect(decodeRegistryAuth('e30=')).toBeUndefined();
    expect(() => decodeRegistryAuth('!!!notjson')).toThrow(/X-Registry-Auth/);
  });
});

describe('X-Docker-Container-Path-Stat', () => {
  it('round-trips, is undefined when absent and refuses what is not base64 JSON', () => {
    const s = { name: 'hostname', size: 13, mode: 0o644, mtime: '2026-11-28T12:00:00Z', linkTarget: '' };
    expect(decodePathStat(encodePathStat(s))).toEqual(s);
    expect(decodePathStat([encodePathStat(s)])).toEqual(s);
    expect(decodePathStat(undefined)).toBeUndefined();
    expect(() => decodePathStat('bm90IGpzb24=')).toThrow();
    expect(() => decodePathStat(Buffer.from('42').toString('base64'))).toThrow(/not a JSON object/);
  });
});
