/**
 * The exec root (dockerd's --exec-root): what only matters while the machine runs (the OCI
 * runtimes' --root, each container's shim files, the execs' and health probes' dirs) lives off
 * the data root, in /run/berth-roots/<hash of the data root> by default for a data root other
 * than /var/lib/berth. One berthd per exec root; a restart (live restore) finds its shims there;
 * a reboot (the exec root emptied) leaves running containers exited (255), as Docker 20.10's
 * restore does when containerd has no task; removal and a stop leave nothing there.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, cleanUpLeaks, clientsFor, listFiles, ok, processesUnder, scratchDir, waitFor } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

beforeAll(async () => {
  d = await BerthDaemon.start();
  docker = clientsFor(d).docker;
  ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 90_000);

afterAll(async () => {
  await d?.dispose();
}, 60_000);

const status = async (id: string): Promise<string> => ok(await docker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).stdout.trim();

describe('the exec root', () => {
  it("is /run/berth-roots/<16 hex> for a data root of the test's own, holds the runtime state, the shims' and the execs' files; the data root none", async () => {
    const execRoot = d.execRoot!;
    expect(execRoot).toMatch(/^\/run\/berth-roots\/[0-9a-f]{16}$/);
    const id = ok(await docker(['run', '-d', '--health-cmd', 'sleep 0.3', '--health-interval', '100ms', 'busybox', 'sleep', '1000'])).stdout.trim();
    const state = path.join(execRoot, 'containers', id);
    expect(fs.readdirSync(state)).toEqual(expect.arrayContaining(['shim.sock', 'init.pid']));
    const runtimes = fs.readdirSync(path.join(execRoot, 'runtime'));
    expect(runtimes.some((r) => fs.existsSync(path.join(execRoot, 'runtime', r, id)))).toBe(true);
    // an exec's dir while it runs, and a health probe's
    ok(await docker(['exec', '-d', id, 'sleep', '3']));
    await waitFor('an exec dir and a health probe dir', () => {
      const execs = fs.existsSync(path.join(state, 'exec')) ? fs.readdirSync(path.join(state, 'exec')) : [];
      return execs.some((n) => /^[0-9a-f]{64}$/.test(n)) && execs.some((n) => n.startsWith('health-'));
    }, 5_000);
    // and the exec's shim is found by the leak checks (its command line names the exec root)
    expect(processesUnder(execRoot).some((p) => /berth-shim .*\/exec\/[0-9a-f]{64}/.test(p.cmdline))).toBe(true);
    // nothing of it on the data root
    expect(fs.existsSync(path.join(d.dataRoot, 'runtime'))).toBe(false);
    expect(listFiles(path.join(d.dataRoot, 'containers', id)).filter((f) => /(^|\/)(shim\.sock|shim\.log|init\.pid|exit\.json|process\.json)$|^exec\//.test(f))).toEqual([]);
    ok(await docker(['rm', '-f', id]));
    // removal takes its runtime state with it
    await waitFor('the state dir to go', () => !fs.existsSync(state), 5_000);
  }, 60_000);

  it('a second berthd on another data root with the same --exec-root refuses and changes nothing of the first', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    const other = scratchDir('exec-root-second');
    const second = BerthDaemon.start({ dataRoot: path.join(other, 'root'), args: ['--exec-root', d.execRoot!], startTimeoutMs: 15_000 });
    await expect(second).rejects.toThrow(new RegExp(`exec root ${d.execRoot!} is in use by another berthd \\(pid ${d.pid}\\)`));
    expect(await status(id)).toMatch(/^Up /);
    expect(ok(await docker(['exec', id, 'echo', 'still here'])).stdout).toBe('still here\n');
    ok(await docker(['rm', '-f', id]));
  }, 60_000);

  it('after its berthd stopped with containers running, another data root is refused the exec root (nothing of it changed) until no state is left there', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    // one that exits while no daemon runs: only its state dir's exit.json tells its exit
    const quick = ok(await docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 2; exit 3'])).stdout.trim();
    await d.stop();
    const state = path.join(d.execRoot!, 'containers');
    expect(fs.readdirSync(state).sort()).toEqual([id, quick].sort());
    await waitFor('the quick container to exit', () => fs.existsSync(path.join(state, quick, 'exit.json')), 10_000);
    const before = listFiles(d.execRoot!).filter((f) => f !== 'berthd.lock');
    const other = scratchDir('exec-root-after');
    const second = BerthDaemon.start({ dataRoot: path.join(other, 'root'), args: ['--exec-root', d.execRoot!], startTimeoutMs: 15_000 });
    await expect(second).rejects.toThrow(
      new RegExp(`exec root ${d.execRoot!} holds the state of containers of the data root ${fs.realpathSync(d.dataRoot)} \\(its berthd stopped while they ran\\): start berthd on that data root first, or give this one another --exec-root`),
    );
    expect(listFiles(d.execRoot!).filter((f) => f !== 'berthd.lock')).toEqual(before);
    await d.restart();
    expect(await status(id)).toMatch(/^Up /);
    expect(await status(quick)).toMatch(/^Exited \(3\) /);
    ok(await docker(['rm', '-f', id, quick]));
    // rm answers before its shim is done (the bundle and the state dir go after): a stop meanwhile keeps that state
    await waitFor('their state dirs to go', () => !fs.existsSync(path.join(state, id)) && !fs.existsSync(path.join(state, quick)), 10_000);
    // no state left: the other data root may have it now
    await d.stop();
    const third = await BerthDaemon.start({ dataRoot: path.join(other, 'root2'), args: ['--exec-root', d.execRoot!] });
    try {
      await waitFor('its started line', () => third.execRoot !== undefined, 5_000);
      expect(third.execRoot).toBe(d.execRoot);
    } finally {
      await third.dispose();
    }
    await d.restart();
    expect(ok(await docker(['run', '--rm', 'busybox', 'echo', 'back'])).stdout).toBe('back\n');
  }, 90_000);

  it('a restart reconnects to the shims there (live restore); a reboot (the exec root emptied) leaves the container exited (255), startable again', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    await d.restart();
    expect(await status(id)).toMatch(/^Up /);
    expect(ok(await docker(['exec', id, 'echo', 'after restart'])).stdout).toBe('after restart\n');
    // a reboot: the daemon, the shims and the container's processes die, mounts and the tmpfs go
    await d.kill9();
    cleanUpLeaks(d.roots, d.runtimeStateDir);
    fs.rmSync(d.execRoot!, { recursive: true, force: true });
    await d.restart();
    expect(await status(id)).toMatch(/^Exited \(255\) /);
    ok(await docker(['start', id]));
    expect(ok(await docker(['exec', id, 'echo', 'started again'])).stdout).toBe('started again\n');
    ok(await docker(['rm', '-f', id]));
  }, 90_000);

  it('--exec-root = the data root is the layout before exec roots; a container it ran (paused too) is stopped (137) by the first start without it, its old shim files go, and it starts anew (a reboot then: 255)', async () => {
    const work = scratchDir('exec-root-old');
    const dataRoot = path.join(work, 'root');
    const old = await BerthDaemon.start({ dataRoot, args: ['--exec-root', dataRoot] });
    let now: BerthDaemon | undefined;
    try {
      const oldDocker = clientsFor(old).docker;
      ok(await oldDocker(['import', busyboxRootfsTar(), 'busybox:latest']));
      const id = ok(await oldDocker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
      // the old layout: the shim's files in the bundle, the runtime's state under the data root
      expect(fs.existsSync(path.join(dataRoot, 'containers', id, 'shim.sock'))).toBe(true);
      expect(fs.readdirSync(path.join(dataRoot, 'runtime')).some((r) => fs.existsSync(path.join(dataRoot, 'runtime', r, id)))).toBe(true);
      const shimPid = processesUnder(path.join(dataRoot, 'containers', id)).find((p) => /berth-shim/.test(p.cmdline))!.pid;
      // a paused one: a frozen cgroup (v1 freezer) ignores SIGKILL until thawed
      const paused = ok(await oldDocker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
      ok(await oldDocker(['pause', paused]));
      const pausedShimPid = processesUnder(path.join(dataRoot, 'containers', paused)).find((p) => /berth-shim/.test(p.cmdline))!.pid;
      await old.stop();
      now = await BerthDaemon.start({ dataRoot });
      const nowDocker = clientsFor(now).docker;
      expect(now.execRoot).not.toBe(dataRoot);
      expect(ok(await nowDocker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).stdout).toMatch(/^Exited \(137\) /);
      expect(ok(await nowDocker(['ps', '-a', '--filter', `id=${paused}`, '--format', '{{.Status}}'])).stdout).toMatch(/^Exited \(137\) /);
      await waitFor('the old shims to exit', () => !fs.existsSync(`/proc/${shimPid}`) && !fs.existsSync(`/proc/${pausedShimPid}`), 5_000);
      expect(fs.readdirSync(path.join(dataRoot, 'runtime')).flatMap((r) => fs.readdirSync(path.join(dataRoot, 'runtime', r)))).toEqual([]);
      // nothing of the old shims is left in the bundles (their exit.json would pass for a later exit)
      const shimFiles = (c: string): string[] => fs.readdirSync(path.join(dataRoot, 'containers', c)).filter((f) => /^(shim\.sock|shim\.log|init\.pid|exit\.json|console\.sock)/.test(f));
      expect([...shimFiles(id), ...shimFiles(paused)]).toEqual([]);
      ok(await nowDocker(['start', id]));
      expect(ok(await nowDocker(['exec', id, 'echo', 'new layout'])).stdout).toBe('new layout\n');
      // a reboot now: the container that runs under the new layout comes back Exited (255), not the old shim's 137
      await now.kill9();
      cleanUpLeaks(now.roots, now.runtimeStateDir);
      fs.rmSync(now.execRoot!, { recursive: true, force: true });
      await now.restart();
      expect(ok(await nowDocker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).stdout).toMatch(/^Exited \(255\) /);
      ok(await nowDocker(['rm', '-f', id, paused]));
    } finally {
      await now?.dispose();
      await old.dispose();
    }
  }, 90_000);

  it('a stop with no container running leaves no exec root behind; one with a running container keeps what the restart uses', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    const stopped = ok(await docker(['run', '-d', 'busybox', 'true'])).stdout.trim();
    ok(await docker(['wait', stopped]));
    await d.stop();
    expect(fs.readdirSync(path.join(d.execRoot!, 'containers'))).toEqual([id]);
    await d.restart();
    expect(await status(id)).toMatch(/^Up /);
    ok(await docker(['rm', '-f', id, stopped]));
    await waitFor('its state dir to go', () => !fs.existsSync(path.join(d.execRoot!, 'containers', id)), 10_000);
    await d.stop();
    expect(fs.existsSync(d.execRoot!)).toBe(false);
    await d.restart();
  }, 90_000);
});
