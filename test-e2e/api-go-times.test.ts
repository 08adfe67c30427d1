/**
 * Times berthd writes, as Docker's daemon writes them (moby v20.10.24): Go's RFC3339Nano
 * (nanoseconds, the fraction's trailing zeros dropped) and RFC3339, in UTC where moby takes
 * `time.Now().UTC()` (a container's Created/StartedAt, a commit's and an import's `Created`) and
 * in the daemon's own zone where it takes `time.Now()` (a network's Created: libnetwork; a health
 * probe's Start/End: daemon/health.go; an image's LastTagTime: image/store.go SetLastUpdated;
 * info's SystemTime: daemon/info.go; a volume's CreatedAt, RFC3339: volume/service/convert.go;
 * an archive stat's mtime: lstat's ModTime()); a stats sample's `read` is containerd's UTC.
 * berthd runs here with TZ=Asia/Kolkata (+05:30), so that a local time cannot pass for UTC.
 * Networks: in a namespace of the test's own (BRIEF: network safety).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BerthDaemon, busyboxRootfsTar, clientsFor, NetNs, ok, rawRequest, waitFor } from './harness';

let d: BerthDaemon;
let ns: NetNs;
let docker: ReturnType<typeof clientsFor>['docker'];
beforeAll(async () => {
  ns = NetNs.create('times');
  d = await BerthDaemon.start({ netns: ns, env: { TZ: 'Asia/Kolkata' } });
  docker = clientsFor(d).docker;
  ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 120_000);
afterAll(async () => {
  try {
    await d?.dispose();
  } finally {
    ns?.delete();
  }
}, 120_000);

const get = async <T>(path: string): Promise<T> => {
  const r = await rawRequest(d.socketPath, { path });
  expect(r.status).toBe(200);
  return r.json as T;
};

/** Go's RFC3339Nano: a fraction never ends in 0 and has at most 9 digits. */
const NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?/;
const LOCAL = new RegExp(`${NANO.source}\\+05:30$`);
const UTC = new RegExp(`${NANO.source}Z$`);
/** Close to now (the clock of the test and of berthd are the same machine's). */
const recent = (t: string): void => expect(Math.abs(Date.parse(t) - Date.now())).toBeLessThan(120_000);

describe('times as Go writes them', () => {
  it("in the daemon's zone: info SystemTime, network Created, volume CreatedAt, LastTagTime, health log Start/End", async () => {
    const info = await get<{ SystemTime: string }>('/v1.41/info');
    expect(info.SystemTime).toMatch(LOCAL);
    recent(info.SystemTime);

    ok(await docker(['network', 'create', 'times-net']));
    const net = await get<{ Created: string }>('/v1.41/networks/times-net');
    expect(net.Created).toMatch(LOCAL);
    recent(net.Created);

    ok(await docker(['volume', 'create', 'times-vol']));
    const vol = await get<{ CreatedAt: string }>('/v1.41/volumes/times-vol');
    expect(vol.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
    recent(vol.CreatedAt);

    ok(await docker(['tag', 'busybox', 'times-tag:1']));
    const img = await get<{ Metadata: { LastTagTime: string } }>('/v1.41/images/times-tag:1/json');
    expect(img.Metadata.LastTagTime).toMatch(LOCAL);
    recent(img.Metadata.LastTagTime);

    ok(await docker(['run', '-d', '--name', 'times-hc', '--network', 'none', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '60']));
    type Health = { State: { Health?: { Log: { Start: string; End: string }[] } } };
    const log = await waitFor('a health probe in the log', async () => {
      const l = (await get<Health>('/v1.41/containers/times-hc/json')).State.Health?.Log ?? [];
      return l.length > 0 ? l : undefined;
    }, 30_000);
    for (const p of log) {
      expect(p.Start).toMatch(LOCAL);
      expect(p.End).toMatch(LOCAL);
      recent(p.Start);
      expect(Date.parse(p.End)).toBeGreaterThanOrEqual(Date.parse(p.Start));
    }

    // the archive stat header's mtime: lstat's ModTime(), the daemon's zone, nanoseconds
    ok(await docker(['exec', 'times-hc', 'touch', '/tmp/f']));
    const head = await rawRequest(d.socketPath, { method: 'HEAD', path: '/v1.41/containers/times-hc/archive?path=/tmp/f' });
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()) as { mtime: string };
    expect(stat.mtime).toMatch(LOCAL);
    recent(stat.mtime);
  }, 90_000);

  it("in UTC with nanoseconds: a stats sample's read (containerd's metrics Timestamp)", async () => {
    const s = await get<{ read: string }>('/v1.41/containers/times-hc/stats?stream=false');
    expect(s.read).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,8}[1-9]Z$/);
    expect(s.read).not.toMatch(/\.\d{1,3}Z$/); // more than milliseconds (JavaScript's toISOString)
    recent(s.read);
  });

  it('in UTC: a container Created/StartedAt, a commit and an import', async () => {
    const c = await get<{ Created: string; State: { StartedAt: string } }>('/v1.41/containers/times-hc/json');
    expect(c.Created).toMatch(UTC);
    expect(c.State.StartedAt).toMatch(UTC);
    ok(await docker(['commit', 'times-hc', 'times-commit:1']));
    const commit = await get<{ Created: string }>('/v1.41/images/times-commit:1/json');
    expect(commit.Created).toMatch(UTC);
    recent(commit.Created);
    const history = await get<{ Created: number }[]>('/v1.41/images/times-commit:1/history');
    expect(typeof history[0]!.Created).toBe('number');
    const imported = await get<{ Created: string }>('/v1.41/images/busybox/json');
    expect(imported.Created).toMatch(UTC);
    ok(await docker(['rm', '-f', 'times-hc']));
    ok(await docker(['rmi', 'times-commit:1', 'times-tag:1']));
    ok(await docker(['network', 'rm', 'times-net']));
    ok(await docker(['volume', 'rm', 'times-vol']));
  }, 60_000);
});
