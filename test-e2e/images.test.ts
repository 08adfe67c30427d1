/**
 * Images, end to end: import, load (docker-save and OCI archives), list, inspect, tag, history,
 * rmi (untag vs delete, 409 when in use), prune, save → load round trip, and saved archives read
 * by skopeo. Driven by the real docker CLI and by berth against a real berthd.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BerthDaemon,
  busyboxRootfsTar,
  clientsFor,
  exec,
  fixtures,
  parseTable,
  rawRequest,
  failed,
  ok,
} from './harness';

const HEX64 = /^sha256:[0-9a-f]{64}$/;

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;
let busyboxId: string;

async function imageId(ref: string): Promise<string | undefined> {
  const r = await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-images-'));
  d = await BerthDaemon.start();
  c = clientsFor(d);
  const r = ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  busyboxId = r.stdout.trim();
}, 120_000);

afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await d?.dispose();
}, 120_000);

describe('import', () => {
  it('docker import prints the new image ID, and the image is listed as busybox:latest', async () => {
    expect(busyboxId).toMatch(HEX64);
    expect(await imageId('busybox:latest')).toBe(busyboxId);
    // the docker.io/library/ normalisation: all of these name the same image
    expect(await imageId('busybox')).toBe(busyboxId);
    expect(await imageId('docker.io/library/busybox:latest')).toBe(busyboxId);
  });

  it('berth import - reads the tarball from stdin', async () => {
    const r = ok(await c.berth(['import', '-', 'busybox:from-stdin'], { input: { file: busyboxRootfsTar() } }));
    const id = r.stdout.trim().split('\n').pop() ?? '';
    expect(id).toMatch(HEX64);
    expect(await imageId('busybox:from-stdin')).toBe(id);
  });

  it('import applies CMD and ENV changes, and the image runs', async () => {
    ok(
      await c.docker([
        'import',
        '-c',
        'CMD ["sh", "-c", "echo imported $IMPORTED"]',
        '-c',
        'ENV IMPORTED=yes',
        busyboxRootfsTar(),
        'with-changes:v1',
      ]),
    );
    const inspect = JSON.parse(ok(await c.docker(['image', 'inspect', 'with-changes:v1'])).stdout)[0];
    expect(inspect.Config.Cmd).toEqual(['sh', '-c', 'echo imported $IMPORTED']);
    expect(inspect.Config.Env).toEqual(expect.arrayContaining(['IMPORTED=yes']));
    const run = ok(await c.docker(['run', '--rm', 'with-changes:v1']));
    expect(run.stdout).toBe('imported yes\n');
  });

  it('import through the API with repo and tag as separate parameters (dockerode style)', async () => {
    const r = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/images/create?fromSrc=-&repo=api-import&tag=v7',
      body: fs.readFileSync(busyboxRootfsTar()),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    expect(r.status).toBe(200);
    const status = JSON.parse(r.body.toString().trim().split('\n').pop()!).status;
    expect(status).toMatch(HEX64);
    expect(await imageId('api-import:v7')).toBe(status);
  });

  it('an import without a name is a dangling image: <none> <none>, found by dangling=true', async () => {
    const id = ok(await c.docker(['import', busyboxRootfsTar()])).stdout.trim();
    expect(id).toMatch(HEX64);
    const dangling = ok(await c.docker(['images', '-q', '--no-trunc', '-f', 'dangling=true'])).stdout.split('\n');
    expect(dangling).toContain(id);
    const table = parseTable(ok(await c.docker(['images'])).stdout);
    const row = table.rows.find((r) => id.startsWith(`sha256:${r['IMAGE ID']}`));
    expect(row).toMatchObject({ REPOSITORY: '<none>', TAG: '<none>' });
    const tagged = ok(await c.docker(['images', '-q', '--no-trunc', '-f', 'dangling=false'])).stdout.split('\n');
    expect(tagged).toContain(busyboxId);
    expect(tagged).not.toContain(id);
  });
});

describe('images list', () => {
  it('docker images prints the same columns as Docker, one row per tag', async () => {
    const out = ok(await c.docker(['images'])).stdout;
    const table = parseTable(out);
    expect(table.header).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']);
    const row = table.rows.find((r) => r.REPOSITORY === 'busybox' && r.TAG === 'latest');
    expect(row).toBeDefined();
    expect(row!['IMAGE ID']).toBe(busyboxId.slice(7, 19));
    expect(row!.CREATED).toMatch(/ago$/);
    expect(row!.CREATED).not.toMatch(/years/); // a missing Created shows as "56 years ago"
    // the busybox rootfs is about 2 MB
    expect(row!.SIZE).toMatch(/^[12](\.\d+)?MB$/);
  });

  it('berth images prints the same table as docker images', async () => {
    const docker = parseTable(ok(await c.docker(['images'])).stdout);
    const berth = parseTable(ok(await c.berth(['images'])).stdout);
    expect(berth.header).toEqual(docker.header);
    const strip = (rows: Record<string, string>[]) =>
      rows.map((r) => [r.REPOSITORY, r.TAG, r['IMAGE ID'], r.SIZE].join(' ')).sort();
    expect(strip(berth.rows)).toEqual(strip(docker.rows));
    const ls = parseTable(ok(await c.berth(['image', 'ls'])).stdout);
    expect(strip(ls.rows)).toEqual(strip(docker.rows));
  });

  it('filters by reference and by repository argument; -q prints short IDs', async () => {
    const byRef = parseTable(ok(await c.docker(['images', '--filter', 'reference=busybox:lat*'])).stdout);
    expect(byRef.rows.map((r) => `${r.REPOSITORY}:${r.TAG}`)).toEqual(['busybox:latest']);
    const byRepo = parseTable(ok(await c.docker(['images', 'with-changes'])).stdout);
    expect(byRepo.rows.map((r) => `${r.REPOSITORY}:${r.TAG}`)).toEqual(['with-changes:v1']);
    const quiet = ok(await c.docker(['images', '-q'])).stdout.trim().split('\n');
    for (const q of quiet) expect(q).toMatch(/^[0-9a-f]{12}$/);
  });

  it('-a lists every image, including dangling ones', async () => {
    const all = ok(await c.docker(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n');
    const plain = ok(await c.docker(['images', '-q', '--no-trunc'])).stdout.trim().split('\n');
    expect(all).toEqual(expect.arrayContaining(plain));
    expect(all).toContain(busyboxId);
  });

  it('label filter selects images by their config labels', async () => {
    ok(await c.docker(['load', '-i', fixtures.dockerSave]));
    const out = ok(await c.docker(['images', '-q', '--no-trunc', '-f', 'label=org.example.fixture=multilayer']));
    expect(out.stdout.trim().split('\n')).toContain(fixtures.dockerSaveId);
    expect(out.stdout).not.toContain(busyboxId);
  });
});

describe('load', () => {
  it('docker load of the docker-save fixture prints "Loaded image:" and keeps its ID', async () => {
    const r = ok(await c.docker(['load', '-i', fixtures.dockerSave]));
    expect(r.stdout).toContain(`Loaded image: ${fixtures.dockerSaveTag}`);
    expect(await imageId(fixtures.dockerSaveTag)).toBe(fixtures.dockerSaveId);
  });

  it('docker load of the OCI archive fixture loads the image under its config digest', async () => {
    const r = ok(await c.docker(['load', '-i', fixtures.ociArchive]));
    expect(r.stdout).toMatch(/Loaded image/);
    expect(await imageId(fixtures.ociArchiveId)).toBe(fixtures.ociArchiveId);
    ok(await c.docker(['tag', fixtures.ociArchiveId, 'fixture-oci:1']));
  });

  it('berth load -i and berth load from stdin load both fixtures', async () => {
    const a = ok(await c.berth(['load', '-i', fixtures.dockerSave]));
    expect(a.stdout).toContain(`Loaded image: ${fixtures.dockerSaveTag}`);
    const b = ok(await c.berth(['load'], { input: { file: fixtures.ociArchive } }));
    expect(b.stdout).toMatch(/Loaded image/);
  });

  it('both fixtures run their default command (prints hello)', async () => {
    for (const ref of [fixtures.dockerSaveTag, 'fixture-oci:1']) {
      const r = ok(await c.docker(['run', '--rm', ref]));
      expect(r.stdout).toBe('hello\n');
    }
  });

  it('the loaded layers are stored once: loading again adds no layer directory', async () => {
    const layers = path.join(d.dataRoot, 'layers');
    const before = fs.readdirSync(layers).length;
    ok(await c.docker(['load', '-i', fixtures.dockerSave]));
    expect(fs.readdirSync(layers).length).toBe(before);
  });
});

describe('inspect and history', () => {
  it('image inspect shows the config of the fixture as Docker does', async () => {
    const [img] = JSON.parse(ok(await c.docker(['image', 'inspect', fixtures.dockerSaveTag])).stdout);
    expect(img.Id).toBe(fixtures.dockerSaveId);
    expect(img.RepoTags).toContain(fixtures.dockerSaveTag);
    expect(img.Config.Cmd).toEqual(['cat', '/srv/greeting.txt']);
    expect(img.Config.WorkingDir).toBe('/srv');
    expect(img.Config.Env).toEqual(expect.arrayContaining(['FOO=bar']));
    expect(img.Config.Labels).toEqual({ 'org.example.fixture': 'multilayer' });
    expect(img.Os).toBe('linux');
    expect(img.Architecture).toBe('amd64');
    expect(img.RootFS.Type).toBe('layers');
    expect(img.RootFS.Layers).toHaveLength(5);
    expect(img.RootFS.Layers[0]).toBe('sha256:78eb80b7795bae19ea0585cda9825228eef99f3f08f6e971a6c26d958831f55e');
    expect(img.Size).toBeGreaterThan(1_900_000);
    expect(new Date(img.Created).toISOString()).toBe('2026-11-28T07:50:57.462Z');
  });

  it('berth image inspect prints the same document', async () => {
    const docker = JSON.parse(ok(await c.docker(['image', 'inspect', fixtures.dockerSaveTag])).stdout);
    const berth = JSON.parse(ok(await c.berth(['image', 'inspect', fixtures.dockerSaveTag])).stdout);
    expect(berth[0].Id).toBe(docker[0].Id);
    expect(berth[0].Config).toEqual(docker[0].Config);
    expect(berth[0].RootFS).toEqual(docker[0].RootFS);
  });

  it('docker inspect without --type finds images too; nothing found is "No such object"', async () => {
    const [img] = JSON.parse(ok(await c.docker(['inspect', 'busybox:latest'])).stdout);
    expect(img.Id).toBe(busyboxId);
    const r = failed(await c.docker(['inspect', 'nothing-by-this-name']));
    expect(r.stderr).toMatch(/No such object/);
  });

  it('inspect of a missing image: exit 1, "No such image"', async () => {
    const r = failed(await c.docker(['image', 'inspect', 'no-such-image:v0']));
    expect(r.stderr).toMatch(/no such image/i);
    const raw = await rawRequest(d.socketPath, { path: '/v1.41/images/no-such-image:v0/json' });
    expect(raw.status).toBe(404);
  });

  it('docker history lists the 9 history entries newest first, the top one with the image ID', async () => {
    const out = ok(await c.docker(['history', fixtures.dockerSaveTag])).stdout;
    const table = parseTable(out);
    expect(table.header).toEqual(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']);
    expect(table.rows).toHaveLength(9);
    expect(table.rows[0].IMAGE).toBe(fixtures.dockerSaveId.slice(7, 19));
    for (const r of table.rows.slice(1)) expect(r.IMAGE).toBe('<missing>');
    expect(table.rows[8].COMMENT).toBe('Imported from -');
    const ids = ok(await c.docker(['history', '--no-trunc', '--format', '{{.ID}}\t{{.CreatedBy}}', fixtures.dockerSaveTag]));
    expect(ids.stdout.split('\n')[0]).toMatch(new RegExp(`^${fixtures.dockerSaveId}\t`));
    expect(ids.stdout).toContain('CMD ["cat" "/srv/greeting.txt"]');
  });

  it('berth history prints the same rows', async () => {
    const docker = parseTable(ok(await c.docker(['history', fixtures.dockerSaveTag])).stdout);
    const berth = parseTable(ok(await c.berth(['history', fixtures.dockerSaveTag])).stdout);
    expect(berth.header).toEqual(docker.header);
    expect(berth.rows.map((r) => [r.IMAGE, r.SIZE])).toEqual(docker.rows.map((r) => [r.IMAGE, r.SIZE]));
  });
});

describe('tag and rmi', () => {
  it('docker tag adds a name for the same image, including registry-style names', async () => {
    ok(await c.docker(['tag', 'busybox:latest', 'example/bb:v1']));
    ok(await c.docker(['tag', 'busybox', 'localhost:5000/team/bb:v2']));
    expect(await imageId('example/bb:v1')).toBe(busyboxId);
    expect(await imageId('localhost:5000/team/bb:v2')).toBe(busyboxId);
    const [img] = JSON.parse(ok(await c.docker(['image', 'inspect', busyboxId])).stdout);
    expect(img.RepoTags).toEqual(expect.arrayContaining(['busybox:latest', 'example/bb:v1', 'localhost:5000/team/bb:v2']));
    const rows = parseTable(ok(await c.docker(['images', 'example/bb'])).stdout).rows;
    expect(rows).toEqual([expect.objectContaining({ REPOSITORY: 'example/bb', TAG: 'v1' })]);
  });

  it('berth tag does the same', async () => {
    ok(await c.berth(['tag', 'busybox:latest', 'berth-tagged:v1']));
    expect(await imageId('berth-tagged:v1')).toBe(busyboxId);
  });

  it('tag of a missing image: exit 1, No such image', async () => {
    const r = failed(await c.docker(['tag', 'no-such-image:v0', 'x:y']));
    expect(r.stderr).toMatch(/No such image/i);
  });

  it('rmi of one of several tags only untags', async () => {
    ok(await c.docker(['tag', 'busybox:latest', 'untag-me:v1']));
    const r = ok(await c.docker(['rmi', 'untag-me:v1']));
    expect(r.stdout).toContain('Untagged: untag-me:v1');
    expect(r.stdout).not.toContain('Deleted:');
    expect(await imageId('untag-me:v1')).toBeUndefined();
    expect(await imageId('busybox:latest')).toBe(busyboxId);
  });

  it('rmi of the last tag deletes the image and its unshared layers', async () => {
    const id = ok(await c.docker(['import', busyboxRootfsTar(1), 'delete-me:v1'])).stdout.trim();
    const layersBefore = fs.readdirSync(path.join(d.dataRoot, 'layers')).length;
    const r = ok(await c.docker(['rmi', 'delete-me:v1']));
    expect(r.stdout).toContain('Untagged: delete-me:v1');
    expect(r.stdout).toContain(`Deleted: ${id}`);
    expect(await imageId(id)).toBeUndefined();
    expect(fs.readdirSync(path.join(d.dataRoot, 'layers')).length).toBeLessThan(layersBefore);
  });

  it('berth rmi untags and deletes', async () => {
    ok(await c.berth(['import', '-', 'berth-rmi:v1'], { input: { file: busyboxRootfsTar(1) } }));
    const r = ok(await c.berth(['rmi', 'berth-rmi:v1']));
    expect(r.stdout).toContain('Untagged: berth-rmi:v1');
    expect(r.stdout).toMatch(/Deleted: sha256:/);
  });

  it('rmi of an image a running container uses: 409; -f only untags (a hard conflict), the container runs on', async () => {
    const id = ok(await c.docker(['import', busyboxRootfsTar(1), 'in-use:v1'])).stdout.trim();
    const cid = ok(await c.docker(['run', '-d', 'in-use:v1', 'sleep', '100'])).stdout.trim();
    try {
      const r = failed(await c.docker(['rmi', 'in-use:v1']));
      expect(r.stderr).toMatch(/conflict: unable to remove repository reference "in-use:v1" \(must force\)/);
      expect(r.stderr).toContain(cid.slice(0, 12));
      const raw = await rawRequest(d.socketPath, { method: 'DELETE', path: '/v1.41/images/in-use:v1' });
      expect(raw.status).toBe(409);
      const f = ok(await c.docker(['rmi', '-f', 'in-use:v1']));
      expect(f.stdout).toBe('Untagged: in-use:v1\n');
      expect(await imageId(id)).toBe(id);
      const [info] = JSON.parse(ok(await c.docker(['inspect', cid])).stdout);
      expect(info.State.Running).toBe(true);
      expect(info.Image).toBe(id);
    } finally {
      await c.docker(['rm', '-f', cid]);
    }
    const del = ok(await c.docker(['rmi', id]));
    expect(del.stdout).toContain(`Deleted: ${id}`);
  });

  it('rmi of an image a stopped container uses: 409; -f deletes it, and the container still starts', async () => {
    const id = ok(await c.docker(['import', busyboxRootfsTar(1), 'in-use-stopped:v1'])).stdout.trim();
    const cid = ok(await c.docker(['create', 'in-use-stopped:v1', 'echo', 'still here'])).stdout.trim();
    try {
      const r = failed(await c.docker(['rmi', 'in-use-stopped:v1']));
      expect(r.stderr).toMatch(/conflict/);
      // force ignores the soft conflict of a stopped container, as dockerd does
      const f = ok(await c.docker(['rmi', '-f', 'in-use-stopped:v1']));
      expect(f.stdout).toContain('Untagged: in-use-stopped:v1');
      expect(f.stdout).toContain(`Deleted: ${id}`);
      expect(await imageId(id)).toBeUndefined();
      // its layers stay while the container needs them
      expect(ok(await c.docker(['start', '-a', cid])).stdout).toBe('still here\n');
    } finally {
      await c.docker(['rm', '-f', cid]);
    }
  });

  it('rmi of a missing image: exit 1, No such image', async () => {
    const r = failed(await c.docker(['rmi', 'no-such-image:v0']));
    expect(r.stderr).toMatch(/No such image/i);
  });
});

describe('prune', () => {
  it('image prune removes dangling images only', async () => {
    const dangling = ok(await c.docker(['import', busyboxRootfsTar(1)])).stdout.trim();
    const r = ok(await c.docker(['image', 'prune', '-f']));
    expect(r.stdout).toContain('Deleted Images:');
    expect(r.stdout).toContain(`deleted: ${dangling}`);
    expect(r.stdout).toMatch(/Total reclaimed space: /);
    expect(ok(await c.docker(['images', '-q', '-f', 'dangling=true'])).stdout.trim()).toBe('');
    expect(await imageId('busybox:latest')).toBe(busyboxId);
    expect(await imageId(fixtures.dockerSaveTag)).toBe(fixtures.dockerSaveId);
  });

  it('berth image prune -f does the same', async () => {
    const dangling = ok(await c.berth(['import', '-'], { input: { file: busyboxRootfsTar(1) } })).stdout.trim();
    const r = ok(await c.berth(['image', 'prune', '-f']));
    expect(r.stdout).toContain(dangling.split('\n').pop());
    expect(await imageId('busybox:latest')).toBe(busyboxId);
  });
});

describe('save and load', () => {
  it('docker save then docker load round-trips an image with the same ID', async () => {
    ok(await c.docker(['tag', 'busybox:latest', 'roundtrip:v1']));
    const tar = path.join(work, 'roundtrip.tar');
    ok(await c.docker(['save', '-o', tar, 'roundtrip:v1']));
    expect(fs.statSync(tar).size).toBeGreaterThan(1_000_000);
    ok(await c.docker(['rmi', 'roundtrip:v1']));
    const r = ok(await c.docker(['load', '-i', tar]));
    expect(r.stdout).toContain('Loaded image: roundtrip:v1');
    expect(await imageId('roundtrip:v1')).toBe(busyboxId);
  });

  it('save to stdout, berth save -o and berth load round-trip the fixture into another daemon', async () => {
    const viaDocker = path.join(work, 'fixture-docker.tar');
    const viaBerth = path.join(work, 'fixture-berth.tar');
    const out = ok(await c.docker(['save', fixtures.dockerSaveTag]));
    fs.writeFileSync(viaDocker, out.stdoutBuffer);
    ok(await c.berth(['save', '-o', viaBerth, fixtures.dockerSaveTag]));
    const other = await BerthDaemon.start();
    try {
      const oc = clientsFor(other);
      for (const tar of [viaDocker, viaBerth]) {
        ok(await oc.berth(['load', '-i', tar]));
        const id = ok(await oc.docker(['image', 'inspect', '-f', '{{.Id}}', fixtures.dockerSaveTag])).stdout.trim();
        expect(id).toBe(fixtures.dockerSaveId);
        ok(await oc.docker(['rmi', fixtures.dockerSaveTag]));
      }
      ok(await oc.docker(['load', '-i', viaBerth]));
      expect(ok(await oc.docker(['run', '--rm', fixtures.dockerSaveTag])).stdout).toBe('hello\n');
    } finally {
      await other.dispose();
    }
  }, 120_000);

  it('saving several images writes one archive that loads them all', async () => {
    const tar = path.join(work, 'multi.tar');
    ok(await c.docker(['save', '-o', tar, 'busybox:latest', fixtures.dockerSaveTag]));
    const other = await BerthDaemon.start();
    try {
      const oc = clientsFor(other);
      const r = ok(await oc.docker(['load', '-i', tar]));
      expect(r.stdout).toContain('Loaded image: busybox:latest');
      expect(r.stdout).toContain(`Loaded image: ${fixtures.dockerSaveTag}`);
    } finally {
      await other.dispose();
    }
  }, 120_000);

  it('an image saved by berth is readable by skopeo (docker-archive), digests and all', async () => {
    const tar = path.join(work, 'for-skopeo.tar');
    ok(await c.docker(['save', '-o', tar, fixtures.dockerSaveTag]));
    const inspect = ok(await exec('skopeo', ['inspect', `docker-archive:${tar}`]));
    const info = JSON.parse(inspect.stdout);
    expect(info.Layers).toHaveLength(5);
    expect(info.Env).toEqual(expect.arrayContaining(['FOO=bar']));
    expect(info.Labels).toEqual({ 'org.example.fixture': 'multilayer' });
    const config = JSON.parse(ok(await exec('skopeo', ['inspect', '--config', `docker-archive:${tar}`])).stdout);
    expect(config.rootfs.diff_ids[0]).toBe('sha256:78eb80b7795bae19ea0585cda9825228eef99f3f08f6e971a6c26d958831f55e');
    // a full copy verifies every layer against its digest
    const layout = path.join(work, 'oci-layout');
    ok(await exec('skopeo', ['copy', '--quiet', `docker-archive:${tar}`, `oci:${layout}:copied`], { timeoutMs: 120_000 }));
    expect(fs.existsSync(path.join(layout, 'index.json'))).toBe(true);
  }, 120_000);

  it('repeated import → save → rmi → load cycles stay consistent (berth and docker alternating)', async () => {
    const big = busyboxRootfsTar(20);
    const tar = path.join(work, 'cycle.tar');
    let firstId: string | undefined;
    for (let i = 0; i < 6; i++) {
      const cli = i % 2 ? c.berth : c.docker;
      const id = (await imageId('cycle:v1')) ?? ok(await cli(['import', big, 'cycle:v1'])).stdout.trim().split('\n').pop();
      fs.rmSync(tar, { force: true });
      ok(await cli(['save', '-o', tar, 'cycle:v1']));
      ok(await cli(['rmi', 'cycle:v1']));
      ok(await cli(['load', '-i', tar]));
      expect(await imageId('cycle:v1')).toBe(id);
      firstId ??= id;
    }
    expect(await imageId('cycle:v1')).toBe(firstId);
    ok(await c.docker(['rmi', 'cycle:v1']));
  }, 120_000);

  it('save of a missing image fails with No such image', async () => {
    const r = failed(await c.docker(['save', '-o', path.join(work, 'missing.tar'), 'no-such-image:v0']));
    expect(r.stderr).toMatch(/no such image|not found/i);
  });
});
