/**
 * What a daemon leaves when it dies or a container goes at a bad moment: `kill -9` during a
 * commit leaves no paused container after the restart, during a build no intermediate
 * container (also when killed the moment the step's container exists), during a volume's
 * copy-up no half-filled volume (the next start copies it whole), during a load nothing of
 * the cut image in layers/ or content/ (nor its config blob, written before its record: swept at start),
 * during a create no container directory without a record; no health-probe shim outlives the removal of its container or a daemon stop
 * (the removal is raced against probes every 20 ms, a bounded number of times).
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, layerDirCount, makeDockerSaveArchive, makeTar, ok, processesUnder, rawRequest, scratchDir, sha256Hex, sleep, storeFiles, useDaemon, waitFor, whileDatabaseLocked } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

const healthShims = (): string[] => d.roots.flatMap((r) => processesUnder(r)).map((p) => p.cmdline).filter((c) => /berth-shim .*exec\/health-/.test(c));

describe('crash leftovers', () => {
  it('no health-probe shim outlives the removal of its container or a daemon stop', async () => {
    for (let i = 0; i < 8; i++) {
      const id = ok(await docker(['run', '-d', '--health-cmd', 'cat /tmp/ok', '--health-interval', '20ms', 'busybox', 'sleep', '100'])).stdout.trim();
      await sleep((i * 37) % 300);
      ok(await docker(['rm', '-f', id]));
      await sleep(300);
      expect(healthShims()).toEqual([]);
    }
    const id = ok(await docker(['run', '-d', '--health-cmd', 'cat /tmp/ok', '--health-interval', '20ms', 'busybox', 'sleep', '100'])).stdout.trim();
    for (let i = 0; i < 3; i++) {
      await sleep(150 + i * 70);
      await d.stop();
      await sleep(500);
      expect(healthShims()).toEqual([]);
      await d.restart();
    }
    ok(await docker(['rm', '-f', id]));
  }, 90_000);

  it('kill -9 during a commit: after the restart the container runs, not paused', async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=300 2>/dev/null; sleep 1000'])).stdout.trim();
    await waitFor('the container to write its file', async () => (await docker(['exec', id, 'sh', '-c', 'test $(stat -c %s /big) -ge 314572800'])).code === 0, 60_000, 200);
    const commit = docker(['commit', id, 'cut:1']);
    await waitFor('the commit to pause the container', async () => ok(await docker(['inspect', '--format', '{{.State.Paused}}', id])).stdout.trim() === 'true', 20_000, 20);
    await d.kill9();
    await commit;
    await d.restart();
    expect(ok(await docker(['inspect', '--format', '{{.State.Status}} {{.State.Paused}}', id])).stdout.trim()).toBe('running false');
    expect(ok(await docker(['exec', id, 'echo', 'thawed'])).stdout).toBe('thawed\n');
    expect(fs.existsSync(path.join(d.dataRoot, 'containers', id, 'commit-paused'))).toBe(false);
    ok(await docker(['rm', '-f', id]));
  }, 120_000);

  it('kill -9 during a build: after the restart no intermediate container is left', async () => {
    const ctx = scratchDir('crash-build');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo started && sleep 60\n');
    const before = ok(await docker(['ps', '-aq', '--no-trunc'])).stdout.trim();
    expect(before).toBe('');
    const build = docker(['build', '-t', 'cut-build', ctx]);
    await waitFor('the RUN container', async () => ok(await docker(['ps', '-q'])).stdout.trim() !== '', 30_000, 50);
    await d.kill9();
    await build;
    await d.restart();
    expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    // the earliest moment: kill -9 as soon as the step's container exists at all (a container
    // is marked as the build's in its own row, in the create's transaction: no window between)
    for (let i = 0; i < 3; i++) {
      const cut = docker(['build', '-t', 'cut-build', ctx]);
      await waitFor('the step container to exist', async () => {
        const r = await rawRequest(d.socketPath, { path: '/containers/json?all=1' });
        return Array.isArray(r.json) && r.json.length > 0;
      }, 30_000, 2);
      await d.kill9();
      await cut;
      await d.restart();
      expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    }
    // a build that ends keeps docker's rules: a failed RUN's container stays without --force-rm
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    expect((await docker(['build', ctx])).code).not.toBe(0);
    expect(ok(await docker(['ps', '-aq'])).stdout.trim()).not.toBe('');
    await d.restart();
    expect(ok(await docker(['ps', '-aq'])).stdout.trim()).not.toBe('');
  }, 120_000);

  it('kill -9 during a volume copy-up: the next start copies the image content whole, not on top of half of it', async () => {
    const ctx = scratchDir('crash-copy-up');
    fs.mkdirSync(path.join(ctx, 'data'));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(ctx, 'data', `f${i}`), randomBytes(256 << 10));
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY data /data\n');
    ok(await docker(['build', '-q', '-t', 'copy-up:1', ctx]));
    const sum = "ls /data | wc -l; cat /data/* | md5sum";
    const want = ok(await docker(['run', '--rm', 'copy-up:1', 'sh', '-c', sum])).stdout;
    const data = path.join(d.dataRoot, 'volumes', 'cv', '_data');
    let cut = false;
    for (let attempt = 0; attempt < 3 && !cut; attempt++) {
      await docker(['rm', '-f', 'cu']);
      await docker(['volume', 'rm', 'cv']);
      ok(await docker(['volume', 'create', 'cv']));
      const run = docker(['run', '-d', '--name', 'cu', '-v', 'cv:/data', 'copy-up:1', 'sleep', '1000']);
      await waitFor('the copy-up to begin', () => fs.readdirSync(data).length > 0, 30_000, 2);
      await d.kill9();
      await run;
      cut = fs.readdirSync(data).length < 300;
      await d.restart();
    }
    expect(cut).toBe(true); // the kill landed in the middle of the copy
    ok(await docker(['start', 'cu']));
    expect(ok(await docker(['exec', 'cu', 'sh', '-c', sum])).stdout).toBe(want);
    expect(fs.existsSync(path.join(d.dataRoot, 'volumes', 'cv', 'copy-up.partial'))).toBe(false);
    ok(await docker(['rm', '-f', 'cu']));
    ok(await docker(['volume', 'rm', 'cv']));
  }, 180_000);

  it('kill -9 during a load, at each layer it commits: after the restart nothing of it is left in layers/ or content/, and it loads whole after', async () => {
    const work = scratchDir('crash-load');
    const layers = [0, 1, 2, 3].map((i) => makeTar([{ name: `big${i}`, content: randomBytes(24 << 20) }]));
    const archive = path.join(work, 'big.tar');
    fs.writeFileSync(archive, makeDockerSaveArchive({ layers, repoTag: 'big:1' }));
    // what the store holds (layer dirs' content aside), tmp/ aside: emptied at every start
    const held = (): string[] => storeFiles(d.dataRoot, { layerContent: false });
    const layerDirs = (): number => layerDirCount(d.dataRoot);
    const before = held();
    const base = layerDirs();
    for (const n of [1, 2, 3]) {
      const load = docker(['load', '-i', archive]);
      await waitFor(`layer ${n} of the load in place`, () => layerDirs() >= base + n, 60_000, 2);
      await d.kill9();
      await load;
      await d.restart();
      expect(ok(await docker(['images', '-q', 'big'])).stdout).toBe('');
      expect(held()).toEqual(before);
    }
    ok(await docker(['load', '-i', archive]));
    expect(ok(await docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', 'big:1'])).stdout.trim()).toBe('4');
    // every layer's tar is there to save (a blob lost in a cut commit would fail it)
    ok(await docker(['save', '-o', path.join(work, 'again.tar'), 'big:1']));
    expect(fs.statSync(path.join(work, 'again.tar')).size).toBeGreaterThan(4 * (24 << 20));
    ok(await docker(['rmi', 'big:1']));
  }, 180_000);

  it("kill -9 between a load's config blob and its image record: after the restart the blob is gone (swept at start), and it loads whole after", async () => {
    const work = scratchDir('crash-config');
    const layer = makeTar([{ name: 'f', content: 'kept\n' }]);
    const diffId = `sha256:${sha256Hex(layer)}`;
    const config = (label: string): string =>
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Labels: { which: label } }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'e2e' }] });
    const first = path.join(work, 'first.tar');
    const second = path.join(work, 'second.tar');
    fs.writeFileSync(first, makeDockerSaveArchive({ layers: [layer], rawConfig: config('first'), repoTag: 'cfg:1' }));
    fs.writeFileSync(second, makeDockerSaveArchive({ layers: [layer], rawConfig: config('second'), repoTag: 'cfg:2' }));
    const configBlob = path.join(d.dataRoot, 'content', 'sha256', sha256Hex(config('second')));
    // the layer is in the store already: the second load writes only its config, then the record
    ok(await docker(['load', '-i', first]));
    const held = (): string[] => storeFiles(d.dataRoot);
    const before = held();
    // berth.db's write lock held by another process: the record's insert waits (busy timeout)
    // with the config blob already in content/
    await whileDatabaseLocked(d.dataRoot, async () => {
      const load = docker(['load', '-i', second]);
      await waitFor('the config blob written', () => fs.existsSync(configBlob), 4_000, 2);
      await d.kill9();
      await load;
    });
    await d.restart();
    expect(fs.existsSync(configBlob)).toBe(false);
    expect(held()).toEqual(before);
    expect(ok(await docker(['images', '-q', 'cfg:2'])).stdout).toBe('');
    ok(await docker(['load', '-i', second]));
    expect(ok(await docker(['image', 'inspect', '--format', '{{.Config.Labels.which}}', 'cfg:2'])).stdout.trim()).toBe('second');
    ok(await docker(['rmi', 'cfg:1', 'cfg:2']));
  }, 60_000);
  it("kill -9 between a create's directory and its record: after the restart the directory is gone, the other containers' stay", async () => {
    const kept = ok(await docker(['create', 'busybox', 'true'])).stdout.trim();
    const dirs = (): string[] => fs.readdirSync(path.join(d.dataRoot, 'containers')).sort();
    const before = dirs();
    // berth.db's write lock held by another process: the record's insert waits with the directory made
    await whileDatabaseLocked(d.dataRoot, async () => {
      const create = docker(['create', 'busybox', 'true']);
      await waitFor('the container directory made', () => dirs().length > before.length, 4_000, 2);
      await d.kill9();
      await create;
    });
    expect(dirs().length).toBe(before.length + 1);
    await d.restart();
    expect(dirs()).toEqual(before);
    expect(ok(await docker(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n')).toContain(kept);
    ok(await docker(['rm', kept]));
  }, 60_000);
});
