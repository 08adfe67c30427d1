import { describe, expect, it } from '@jest/globals';
import { eventJsonObject, eventLine, rfc3339NanoFixed } from './event-line';

describe('events output', () => {
  it('reproduces 130-events-until', () => {
    expect(
      eventLine({
        Type: 'container',
        Action: 'pause',
        Actor: { ID: 'd60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9', Attributes: { name: 'trace-x', image: 'busybox:local' } },
        time: 1795853765,
        timeNano: 1795853765885568256, // what JSON.parse makes of the trace's 1795853765885568291 (beyond 2^53)
      }).replace(/\.\d{9}Z/, '.NNNNNNNNNZ'),
    ).toBe('2026-11-28T08:16:05.NNNNNNNNNZ container pause d60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9 (image=busybox:local, name=trace-x)');
  });
  it('keeps the nanoseconds the daemon wrote and pads to 9 digits', () => {
    expect(rfc3339NanoFixed(1795853765885568291n)).toBe('2026-11-28T08:16:05.885568291Z');
    expect(rfc3339NanoFixed(1795853765000001000n)).toBe('2026-11-28T08:16:05.000001000Z');
    expect(eventLine({ Type: 'image', Action: 'tag', Actor: { ID: 'x', Attributes: {} }, time: 1795853765 })).toBe('2026-11-28T08:16:05.000000000Z image tag x');
  });
  it('marshals like events.Message', () => {
    expect(JSON.stringify(eventJsonObject({ Type: 'container', Action: 'die', Actor: { ID: 'i', Attributes: { z: '1', a: '2' } }, scope: 'local', time: 1, timeNano: 1000000001, status: 'die', id: 'i', from: 'b' }))).toBe(
      '{"status":"die","id":"i","from":"b","Type":"container","Action":"die","Actor":{"ID":"i","Attributes":{"a":"2","z":"1"}},"scope":"local","time":1,"timeNano":1000000001}',
    );
  });
});
