import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventLog } from '../events/event-log';
import { createApiApp } from '../server/app';
import { ConnectionTracker } from '../server/connection-tracker';
import type { SystemInfo } from '../system/system-info';
import { parseEventTime, systemRouter } from './system';

let server: http.Server;
let tracker: ConnectionTracker;
let port: number;

beforeAll(async () => {
  tracker = new ConnectionTracker();
  const app = createApiApp({ routers: [systemRouter({ system: {} as SystemInfo, events: new EventLog() })], tracker });
  server = http.createServer(app);
  server.on('connection', (s) => tracker.track(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  tracker.destroyAll();
  await new Promise((r) => server.close(r));
});

/** GET /events?until=… : whether the stream has ended `waitMs` after its headers. */
function endedWithin(until: string, waitMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/v1.41/events?until=${until}` }, (res) => {
      res.resume();
      const timer = setTimeout(() => {
        req.destroy();
        resolve(false);
      }, waitMs);
      res.on('end', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    req.on('error', reject);
  });
}

describe('events since/until', () => {
  it('reads seconds with nanoseconds; seconds past 2^63-1 are a 400 (Go ParseInt), not an empty stream', () => {
    expect(parseEventTime('1795853721.5', 'since')).toBe(1795853721500000000n);
    expect(() => parseEventTime('99999999999999999999.5', 'since')).toThrow('invalid value for since: "99999999999999999999.5"');
  });

  it('an until more than 24.8 days off is waited for (one setTimeout that long fires at once); a near one ends the stream', async () => {
    const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s);
    expect(await endedWithin(inSeconds(30 * 86_400), 500)).toBe(false);
    expect(await endedWithin(inSeconds(1), 3000)).toBe(true);
  });
});
