import type { EventMessage } from '@berth/api';
import type { Filters } from '@berth/api';
import { familiarName, parseReference } from '@berth/oci';

/** Event types berthd emits (docker's `Type`). */
export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon';

/** One event, with its exact nanosecond time (a bigint: `timeNano` exceeds 2^53). */
export interface DaemonEvent {
  type: EventType;
  action: string;
  actorId: string;
  attributes: Record<string, string>;
  /** Container events: the image as given at create (docker's `from`). */
  from?: string;
  timeNano: bigint;
}

export type EventListener = (e: DaemonEvent) => void;

/**
 * Wall-clock nanoseconds, as Docker's time.Now(): the wall clock read at each call (its
 * milliseconds, the monotonic clock's sub-millisecond digits below them; the log keeps its
 * times strictly increasing). Not the wall clock at start plus the monotonic clock's progress:
 * when the wall clock is set (a VM resumed, NTP stepping it) that drifts from what clients call
 * now, and `--since`/`--until` windows they compute miss the events (the fresh-clone CI saw three
 * such windows come back empty in one run).
 */
export function nanoClock(): () => bigint {
  return () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/**
 * The daemon's event stream: every component publishes here, `/events` subscribes. Recent
 * events are kept in a ring so `--since` can replay them (dockerd keeps 256; we keep more).
 */
export class EventLog {
  private readonly ring: DaemonEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly closeHandlers = new Set<() => void>();
  private lastNano = 0n;

  constructor(private readonly capacity = 1024, private readonly clock: () => bigint = nanoClock()) {}

  publish(type: EventType, action: string, actorId: string, attributes: Record<string, string> = {}, from?: string): DaemonEvent {
    let t = this.clock();
    if (t <= this.lastNano) t = this.lastNano + 1n; // strictly increasing: replay boundaries stay exact
    this.lastNano = t;
    const e: DaemonEvent = { type, action, actorId, attributes, timeNano: t };
    if (from !== undefined) e.from = from;
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a broken subscriber must not break publishers
      }
    }
    return e;
  }

  /** Events kept in memory with since <= time <= until (nanoseconds). */
  replay(sinceNano?: bigint, untilNano?: bigint): DaemonEvent[] {
    return this.ring.filter((e) => (sinceNano === undefined || e.timeNano >= sinceNano) && (untilNano === undefined || e.timeNano <= untilNano));
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Called once when the daemon shuts down (event streams end then); returns an unregister function. */
  onClose(fn: () => void): () => void {
    this.closeHandlers.add(fn);
    return () => this.closeHandlers.delete(fn);
  }

  /** Ends every open event stream (daemon shutdown). */
  close(): void {
    for (const fn of [...this.closeHandlers]) fn();
    this.closeHandlers.clear();
    this.listeners.clear();
  }
}

/** The wire form of an event (SPEC §4.1), as a JSON line with the exact `timeNano`. */
export function encodeEvent(e: DaemonEvent): string {
  const msg: EventMessage = {
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.actorId, Attributes: e.attributes },
    scope: 'local',
    time: Number(e.timeNano / 1_000_000_000n),
    timeNano: 0,
  };
  const legacy: Partial<EventMessage> = {};
  if (e.type === 'container' || e.type === 'image') {
    legacy.status = e.action;
    legacy.id = e.actorId;
    if (e.from !== undefined) legacy.from = e.from;
  }
  return JSON.stringify({ ...legacy, ...msg }).replace(/"timeNano":0}$/, `"timeNano":${e.timeNano}}`) + '\n';
}

/**
 * Actions whose presence among the `event` values makes every value a prefix (moby #25798: these
 * actions carry a suffix, `exec_start: sh -c …`, `health_status: healthy`).
 */
const PREFIX_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

/**
 * Filters matched as moby's fuzzyMatchName: a prefix of the Actor.ID or of the `name` attribute,
 * for events of any type (a `container=` filter drops a network's connect event unless the
 * network's own ID or name starts with the value).
 */
const NAME_FILTERS = ['daemon', 'container', 'plugin', 'volume', 'network', 'service', 'node', 'secret', 'config'];

/**
 * docker's event filters, as moby's daemon/events/filter.go Include (Docker 20.10):
 * - `type`, `scope`: exact;
 * - `event`: exact, or a prefix of the action for all values once one of them is
 *   `health_status`, `exec_create` or `exec_start` (matchEvent);
 * - NAME_FILTERS: a prefix of the Actor.ID or of the `name` attribute, whatever the event's type;
 * - `image`: moby's matchImage (below);
 * - `label`: each value `key` or `key=value` over the attributes (MatchKVList: an event without
 *   attributes matches no label filter).
 * A key given without values filters nothing (Go's ExactMatch).
 */
export function eventMatches(e: DaemonEvent, f: Filters): boolean {
  const values = (key: string): string[] => f.get(key) ?? [];
  const exact = (key: string, source: string): boolean => values(key).length === 0 || values(key).includes(source);
  const fuzzy = (key: string, source: string): boolean => exact(key, source) || values(key).some((v) => source.startsWith(v));
  const name = attribute(e.attributes, 'name') ?? '';
  const eventOk = values('event').some((v) => PREFIX_ACTIONS.has(v)) ? fuzzy('event', e.action) : exact('event', e.action);
  if (!eventOk || !exact('type', e.type) || !exact('scope', 'local')) return false;
  if (!NAME_FILTERS.every((key) => fuzzy(key, e.actorId) || fuzzy(key, name))) return false;
  if (values('image').length > 0 && !values('image').some(imageMatcher(e))) return false;
  const labels = values('label');
  if (labels.length > 0 && Object.keys(e.attributes).length === 0) return false;
  for (const l of labels) {
    const i = l.indexOf('=');
    const v = attribute(e.attributes, i < 0 ? l : l.slice(0, i));
    if (v === undefined || (i >= 0 && v !== l.slice(i + 1))) return false;
  }
  return true;
}

/** An attribute the event has (its own key: `constructor` or `__proto__` is no attribute of every event). */
function attribute(attrs: Record<string, string>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined;
}

/**
 * moby's matchImage (daemon/events/filter.go): a value of the `image` filter matches an event of
 * any type whose Actor.ID, or whose image name (attribute `name` of an image event, `image` of
 * the others), equals it exactly, each also with its tag or digest stripped (the familiar
 * repository: `127.0.0.1:5000/app:1` -> `127.0.0.1:5000/app`, `docker.io/library/busybox` ->
 * `busybox`). Exact: an ID prefix or a repository prefix matches nothing.
 */
function imageMatcher(e: DaemonEvent): (v: string) => boolean {
  const name = attribute(e.attributes, e.type === 'image' ? 'name' : 'image') ?? '';
  const candidates = new Set([e.actorId, name, withoutTag(e.actorId), withoutTag(name)]);
  return (v) => candidates.has(v);
}

/** moby's stripTag: the familiar repository of a reference, or the string itself when it is none. */
function withoutTag(image: string): string {
  try {
    return familiarName(parseReference(image));
  } catch {
    return image;
  }
}
