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

  test('name filters as moby fuzzyMatchName: a prefix of the Actor.ID or the name, for events of any type', () => {
    const log = new EventLog();
    const start = log.publish('container', 'start', 'abcdef123', { image: 'busybox', name: 'web2' }, 'busybox');
    const connect = log.publish('network', 'connect', 'beef0001', { container: 'abcdef123', name: 'bridge', type: 'bridge' });
    const vol = log.publish('volume', 'create', 'data', { driver: 'local' });
    const reload = log.publish('daemon', 'reload', 'DAEMONID', { name: 'host1' });
    const m = (e: typeof start, key: string, ...v: string[]): boolean => eventMatches(e, filters({ [key]: v }));
    // a prefix of the name, not only the whole name
    expect(m(start, 'container', 'web')).toBe(true);
    expect(m(start, 'container', 'abc')).toBe(true);
    expect(m(start, 'container', 'eb2')).toBe(false);
    // a network event is matched by the network's ID or name, not by its container attribute
    expect(m(connect, 'container', 'abcdef123')).toBe(false);
    expect(m(connect, 'container', 'br')).toBe(true);
    expect(m(connect, 'network', 'bridge')).toBe(true);
    expect(m(connect, 'network', 'beef')).toBe(true);
    // events of other types pass a name filter their own ID or name starts with
    expect(m(vol, 'container', 'da')).toBe(true);
    expect(m(start, 'volume', 'w')).toBe(true);
    expect(m(start, 'volume', 'data')).toBe(false);
    // a volume event has no name attribute: the Actor.ID only
    expect(m(vol, 'volume', 'dat')).toBe(true);
    expect(m(vol, 'volume', 'x', 'd')).toBe(true);
    // daemon, and the swarm/plugin keys berth never emits events for: same rule
    expect(m(reload, 'daemon', 'host')).toBe(true);
    expect(m(reload, 'daemon', 'DAEMON')).toBe(true);
    expect(m(reload, 'daemon', 'other')).toBe(false);
    expect(m(start, 'plugin', 'sshfs')).toBe(false);
    expect(m(start, 'service', 'web')).toBe(true);
    // a key without values filters nothing (Go's ExactMatch)
    expect(m(start, 'container')).toBe(true);
    // every key must match (AND), any value of a key (OR)
    expect(eventMatches(start, filters({ container: ['web'], type: ['container', 'network'] }))).toBe(true);
    expect(eventMatches(connect, filters({ container: ['web'], type: ['network'] }))).toBe(false);
    expect(eventMatches(start, filters({ container: ['web'], type: ['image'] }))).toBe(false);
  });

  test('event filter as moby matchEvent: exact, or prefixes for all values once exec_create/exec_start/health_status is one', () => {
    const log = new EventLog();
    const exec = log.publish('container', 'exec_start: sh -c true', 'c1', { name: 'web' });
    const created = log.publish('container', 'exec_create: sh -c true', 'c1', { name: 'web' });
    const health = log.publish('container', 'health_status: healthy', 'c1', { name: 'web' });
    const die = log.publish('container', 'exec_die', 'c1', { name: 'web' });
    const m = (e: typeof exec, ...v: string[]): boolean => eventMatches(e, filters({ event: v }));
    expect(m(exec, 'exec_start')).toBe(true);
    expect(m(exec, 'exec_start: sh -c true')).toBe(true);
    expect(m(created, 'exec_create')).toBe(true);
    expect(m(health, 'health_status')).toBe(true);
    expect(m(health, 'health_status: healthy')).toBe(true);
    expect(m(health, 'health_status: unhealthy')).toBe(false);
    // without one of the three, exact: a value with a suffix left off matches nothing
    expect(m(exec, 'exec')).toBe(false);
    expect(m(die, 'exec_d')).toBe(false);
    // with one of them, every value is a prefix
    expect(m(die, 'exec_start', 'exec_d')).toBe(true);
    expect(m(health, 'exec_start', 'h')).toBe(true);
    expect(m(exec, 'health_status', 'exec_st')).toBe(true);
  });

  test('label filter as moby MatchKVList: own attributes only; none at all matches no label filter', () => {
    const log = new EventLog();
    const e = log.publish('container', 'start', 'c1', { name: 'web', tier: 'front', empty: '' });
    const bare = log.publish('volume', 'create', 'v1', {});
    const m = (ev: typeof e, ...v: string[]): boolean => eventMatches(ev, filters({ label: v }));
    expect(m(e, 'tier', 'name=web')).toBe(true);
    expect(m(e, 'tier', 'db')).toBe(false);
    expect(m(e, 'empty=')).toBe(true);
    expect(m(e, 'empty')).toBe(true);
    expect(m(e, 'tier=front=x')).toBe(false);
    // an inherited property is no attribute
    expect(m(e, 'constructor')).toBe(false);
    expect(m(e, 'toString')).toBe(false);
    expect(m(bare, 'constructor')).toBe(false);
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
