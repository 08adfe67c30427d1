/**
 * Issue 12: lifecycle behaviours as Docker 20.10 serves them to Docker's Python SDK
 * (python3-docker): `wait` of an `--restart always` container answers at its first exit (moby
 * State.SetRestarting fires the stop waiters), concurrent restarts are serialised (all 204), a
 * commit of a container that is just exiting succeeds (moby daemon/commit.go ignores the pause).
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, pythonSdk, rawRequest, useDaemon } from './harness';

let d: BerthDaemon;
useDaemon((daemon) => {
  d = daemon;
});

describe('wait', () => {
  it('answers at the first exit of a container that restart policy always restarts', async () => {
    const r = (await pythonSdk(d, `
import time
c = client.containers.run('busybox', ['sh', '-c', 'sleep 1; exit 3'], restart_policy={'Name': 'always'}, detach=True, name='flap')
t0 = time.time()
first = c.wait(timeout=20)
took = time.time() - t0
second = c.wait(timeout=20, condition='next-exit')
c.reload()
out({'first': first, 'second': second, 'took': took, 'restarts': c.attrs['RestartCount']})
c.remove(force=True)
`)) as { first: unknown; second: unknown; took: number; restarts: number };
    expect(r.first).toEqual({ StatusCode: 3, Error: null });
    expect(r.second).toEqual({ StatusCode: 3, Error: null });
    expect(r.took).toBeLessThan(10);
    expect(r.restarts).toBeGreaterThanOrEqual(1);
  });
});

describe('races docker serialises', () => {
  it('concurrent restarts all succeed and leave the container running', async () => {
    const r = (await pythonSdk(d, `
import threading
c = client.containers.run('busybox', ['sleep', '1000'], detach=True, name='rr')
errors = []
def restart():
    try:
        api.restart(c.id, timeout=0)
    except Exception as e:
        errors.append(str(e))
ts = [threading.Thread(target=restart) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
c.reload()
out({'errors': errors, 'status': c.status})
c.remove(force=True)
`)) as { errors: string[]; status: string };
    expect(r).toEqual({ errors: [], status: 'running' });
    // the SDK takes a 304 for success: the statuses themselves, on the wire
    ok(await clientsFor(d).docker(['run', '-d', '--name', 'rr2', 'busybox', 'sleep', '1000']));
    const codes = await Promise.all(
      [0, 1, 2, 3].map(async () => (await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/rr2/restart?t=0' })).status),
    );
    expect(codes).toEqual([204, 204, 204, 204]);
    ok(await clientsFor(d).docker(['rm', '-f', 'rr2']));
  });

  it('a commit of a container that is just exiting succeeds', async () => {
    const r = (await pythonSdk(d, `
import time
errors = []
ids = []
for i in range(6):
    c = client.containers.run('busybox', ['sh', '-c', 'echo x > /f; sleep 0.%d' % (2 + i % 3)], detach=True)
    time.sleep(0.2 + 0.1 * (i % 3))
    try:
        ids.append(c.commit(repository='committed', tag=str(i)).id)
    except Exception as e:
        errors.append(str(e))
    c.wait(timeout=20)
    c.remove()
out({'errors': errors, 'commits': len(ids)})
`, { timeoutMs: 60_000 })) as { errors: string[]; commits: number };
    expect(r).toEqual({ errors: [], commits: 6 });
  }, 70_000);
});
