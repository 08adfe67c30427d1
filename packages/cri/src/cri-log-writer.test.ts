import { describe, expect, it } from '@jest/globals';
import { encodeFrame } from '@berth/api';
import { criLogLine, parseLogChunk, timeNs } from './cri-log-writer';

describe('CRI log lines', () => {
  it('marks full lines F and partial ones P, without the newline', () => {
    expect(criLogLine('2026-01-01T00:00:00.1Z', 'stdout', Buffer.from('hello\n')).toString()).toBe('2026-01-01T00:00:00.1Z stdout F hello\n');
    expect(criLogLine('2026-01-01T00:00:00.1Z', 'stderr', Buffer.from('part')).toString()).toBe('2026-01-01T00:00:00.1Z stderr P part\n');
  });

  it('reads every frame of a chunk, with its stream and timestamp', () => {
    const chunk = Buffer.concat([encodeFrame('stdout', Buffer.from('T1 a\n')), encodeFrame('stderr', Buffer.from('T2 b\n'))]);
    expect(parseLogChunk(chunk, false).map((e) => [e.stream, e.time, e.content.toString()])).toEqual([
      ['stdout', 'T1', 'a\n'],
      ['stderr', 'T2', 'b\n'],
    ]);
    expect(parseLogChunk(Buffer.from('T3 raw'), true).map((e) => [e.stream, e.time, e.content.toString()])).toEqual([['stdout', 'T3', 'raw']]);
  });
});

describe('timeNs', () => {
  it('orders RFC3339Nano times to the nanosecond, whatever the length of the fraction', () => {
    expect(timeNs('2026-01-01T00:00:00.5Z') - timeNs('2026-01-01T00:00:00.499999999Z')).toBe(1n);
    expect(timeNs('2026-01-01T00:00:01Z') - timeNs('2026-01-01T00:00:00Z')).toBe(1_000_000_000n);
  });
});
