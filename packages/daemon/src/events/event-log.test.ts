import { describe, expect, jest, test } from '@jest/globals';
import { EventLog, encodeEvent, eventMatches, nanoClock } from './event-log';

const filters = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe('EventLog', () => {
  test('timeNano is exact and strictly increasing; the line is docker-shaped', () => {
    let t = 1795853432984259925n;
    const log = new EventLog(10, () => t);
    const a = log.publish('container', 'die', 'c1', { exitCode: '0', image: 'busybox:local', name: 'trace-ev' }, 'busybox:local');
    const b = log.publish('container', 'destroy', 'c1', {}, 'busybox:local');
    expect(b.timeNano).toBe(a.timeNano + 1n);
    t += 10n;
    expect(encodeEvent(a)).toBe(
      '{"status":"die","id":"c1","from":"busybox:local","Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"0","image":"busybox:local","name":"trace-ev"}},"scope":"local","time":1795853432,"timeNano":1795853432984259925}\n',
    );
    const v = log.publish('volume', 'create', 'v1', { driver: 'local' });
    expect(JSON.parse(encodeEvent(v))).not.toHaveProperty('status');
  });

  test('ring buffer and replay window', () => {
    let t = 0n;
    const log = new EventLog(3, () => (t += 1000n));
    for (let i = 0; i < 5; i++) log.publish('image', 'tag', `i${i}`);
    expect(log.replay().map((e) => e.actorId)).toEqual(['i2', 'i3', 'i4']);
    expect(log.replay(4000n, 4000n).map((e) => e.actorId)).toEqual(['i3']);
  });

  test('filters: type, event, container by name or id prefix, image, label', () => {
    const log = new EventLog();
    const e = log.publish('container', 'start', 'abcdef123', { image: 'busybox:latest', name: 'web', tier: 'front' }, 'busybox:latest');
    expect(eventMatches(e, filters({ type: ['container'] }))).toBe(true);
    expect(eventMatches(e, filters({ type: ['image'] }))).toBe(false);
    expect(eventMatches(e, filters({ event: ['start', 'die'] }))).toBe(true);
    expect(eventMatches(e, filters({ event: ['die'] }))).toBe(false);
    expect(eventMatches(e, filters({ container: ['web'] }))).toBe(true);
    expect(eventMatches(e, filters({ container: ['abc'] }))).toBe(true);
    expect(eventMatches(e, filters({ container: ['db'] }))).toBe(false);
    expect(eventMatches(e, filters({ image: ['busybox'] }))).toBe(true);
    expect(eventMatches(e, filters({ label: ['tier=front'] }))).toBe(true);
    expect(eventMatches(e, filters({ label: ['tier=back'] }))).toBe(false);
    expect(eventMatches(e, filters({ label: ['tier'] }))).toBe(true);
  });

  test('image filter as moby matchImage: exact on Actor.ID and the image name, each also without its tag', () => {
    const log = new EventLog();
    const id = `sha256:${'ab'.repeat(32)}`;
    const tag = log.publish('image', 'tag', id, { name: '127.0.0.1:5000/ev/app:1' });
    const pull = log.publish('image', 'pull', '127.0.0.1:5000/ev/app:1', { name: '127.0.0.1:5000/ev/app' });
    const byDigest = log.publish('image', 'pull', `127.0.0.1:5000/ev/app@sha256:${'cd'.repeat(32)}`, { name: '127.0.0.1:5000/ev/app' });
    const run = log.publish('container', 'start', 'c0ffee', { image: '127.0.0.1:5000/ev/app:1', name: 'web' }, '127.0.0.1:5000/ev/app:1');
    const official = log.publish('container', 'start', 'c0ffee', { image: 'docker.io/library/busybox:latest', name: 'web' });
    const m = (e: typeof tag, v: string): boolean => eventMatches(e, filters({ image: [v] }));
    // the repository matches every one of them (tag stripped from the name, the ID, the image attribute)
    for (const e of [tag, pull, byDigest, run]) expect(m(e, '127.0.0.1:5000/ev/app')).toBe(true);
    // the reference with its tag: as given
    for (const e of [tag, pull, run]) expect(m(e, '127.0.0.1:5000/ev/app:1')).toBe(true);
    expect(m(byDigest, '127.0.0.1:5000/ev/app:1')).toBe(false);
    // berth split at the first ':' (the port) before
    expect(m(run, '127.0.0.1')).toBe(false);
    // exact: no prefix of the ID or of the repository
    expect(m(tag, id)).toBe(true);
    expect(m(tag, id.slice(0, 19))).toBe(false);
    expect(m(tag, '127.0.0.1:5000/ev/ap')).toBe(false);
    expect(m(tag, '127.0.0.1:5000/ev/app:2')).toBe(false);
    // familiar form of the repository
    expect(m(official, 'busybox')).toBe(true);
    expect(m(official, 'busybox:latest')).toBe(false);
    // a container event is matched by its Actor.ID too (moby compares the ID for every type)
    expect(m(run, 'c0ffee')).toBe(true);
  });

  test('close ends subscribers', () => {
    const log = new EventLog();
    let closed = 0;
    log.onClose(() => closed++);
    log.subscribe(() => undefined);
    log.close();
    expect(closed).toBe(1);
    expect(log.listenerCount).toBe(0);
  });

  test('the clock follows the wall clock when it is set (a VM resumed, NTP): events stay inside the windows clients compute from their now', () => {
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1_800_000_000_000);
      const clock = nanoClock();
      const before = clock();
      expect(before / 1_000_000n).toBe(1_800_000_000_000n);
      now.mockReturnValue(1_800_000_060_000); // the wall clock set a minute on
      expect(clock() / 1_000_000n).toBe(1_800_000_060_000n);
    } finally {
      now.mockRestore();
    }
  });
});
