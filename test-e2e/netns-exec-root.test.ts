/**
 * Containers' network namespace files live on the exec root (`<exec root>/network/netns/<id>`;
 * dockerd's /var/run/docker/netns), not on the data root: runtime state, gone with a reboot.
 * A restart (live restore) finds them; removal unmounts and deletes them; a stop with no running
 * container leaves no exec root behind.
 *
 * Why not a `docker run` on a full data root (beside test-e2e/disk-full): Docker 20.10 cannot
 * do that either. Its create writes the container's config.v2.json and hostconfig.json under
 * /var/lib/docker/containers/<id> and makes the overlay's diff/work/merged dirs (and the init
 * layer) under /var/lib/docker/overlay2: each mkdir and write needs blocks of the data root's
 * filesystem and fails ENOSPC. berth's bundle (config.json, upper/, work/, init/) is on the
 * data root too. What the move buys is that a running container's namespace is not tied to
 * the data root's filesystem, as `docker exec` is not (test-e2e/exec-root).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, NetNs, ok, waitFor } from './harness';

let ns: NetNs;
let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

beforeAll(async () => {
  ns = NetNs.create('nsroot');
  d = await BerthDaemon.start({ netns: ns });
  docker = clientsFor(d).docker;
  ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 90_000);

afterAll(async () => {
  await d?.dispose();
  ns?.delete();
}, 60_000);

/** The mount points of nsfs files under `dir`, as berthd's mount namespace sees them. */
function nsfsMountsUnder(dir: string): string[] {
  return fs
    .readFileSync(`/proc/${d.pid!}/mountinfo`, 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length > 4 && f[f.indexOf('-') + 1] === 'nsfs' && f[4]!.startsWith(dir + '/'))
    .map((f) => f[4]!);
}

describe('network namespace files', () => {
  it('of a container on the default bridge are on the exec root, survive a restart and go with the container; the data root has none', async () => {
    const execRoot = d.execRoot!;
    const netnsDir = path.join(execRoot, 'network', 'netns');
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    const file = path.join(netnsDir, id);
    expect(fs.existsSync(file)).toBe(true);
    expect(nsfsMountsUnder(netnsDir)).toEqual([file]);
    expect(fs.existsSync(path.join(d.dataRoot, 'network'))).toBe(false);
    const sandboxKey = ok(await docker(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', id])).stdout.trim();
    expect(sandboxKey).toBe(file);
    const addr = ok(await docker(['exec', id, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
    expect(addr).toMatch(/inet 172\.17\./);

    // live restore: the daemon dies, the container and its namespace do not
    await d.kill9();
    await d.restart();
    expect(ok(await docker(['inspect', '-f', '{{.State.Running}}', id])).stdout.trim()).toBe('true');
    expect(nsfsMountsUnder(netnsDir)).toEqual([file]);
    expect(ok(await docker(['exec', id, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout).toBe(addr);

    ok(await docker(['rm', '-f', id]));
    await waitFor('the netns file to go', () => !fs.existsSync(file), 5_000);
    expect(nsfsMountsUnder(netnsDir)).toEqual([]);

    // a stop with nothing running leaves no exec root (the network dir included)
    await d.stop();
    expect(fs.existsSync(execRoot)).toBe(false);
    expect(fs.existsSync(path.join(d.dataRoot, 'network'))).toBe(false);
    await d.restart();
  }, 90_000);
});
