import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Database } from '@berth/sqlite';
import { openImageStore, type ImageStore } from '@berth/image-store';
import { ApiServer } from '../server/api-server';
import { createApiApp } from '../server/app';
import { ConnectionTracker } from '../server/connection-tracker';
import { parseListenAddress } from '../server/listen-address';
import { EventLog } from '../events/event-log';
import { imagesRouter } from './images';
import { request } from '../__fixtures__/http-client';

const FIXTURE = path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');

let dir: string;
let sock: string;
let db: Database;
let store: ImageStore;
let server: ApiServer;
const inUse = new Map<string, string>();
const events = new EventLog();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-images-'));
  sock = path.join(dir, 'api.sock');
  db = await Database.open(path.join(dir, 'berth.db'));
  store = await openImageStore({ root: dir, db });
  const tracker = new ConnectionTracker();
  const router = imagesRouter({
    images: store.images,
    archives: store.archives,
    events,
    imageInUse: async (id) => inUse.get(id),
  });
  server = new ApiServer(createApiApp({ routers: [router], tracker }), { tracker });
  await server.listen(parseListenAddress(`unix://${sock}`));
});

afterAll(async () => {
  await server?.close(100);
  await db?.close?.();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function load(): Promise<string> {
  const r = await request(sock, 'POST', '/v1.41/images/load?quiet=1', { headers: { 'Content-Type': 'application/x-tar' }, body: fs.readFileSync(FIXTURE) });
  expect(r.status).toBe(200);
  return r.text;
}

describe('images routes', () => {
  let id = '';

  test('load the docker-save fixture', async () => {
    const text = await load();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0].stream).toMatch(/^Loaded image: \S+\n$/);
    expect(text).not.toContain('errorDetail');
  });

  test('list, both unversioned and versioned; dangling and reference filters', async () => {
    const r = await request(sock, 'GET', '/v1.41/images/json');
    expect(r.status).toBe(200);
    const list = r.json();
    expect(list).toHaveLength(1);
    const img = list[0];
    id = img.Id;
    expect(img.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img.RepoTags.length).toBe(1);
    expect(img.Containers).toBe(-1);
    expect(typeof img.Created).toBe('number');
    expect(img.Size).toBeGreaterThan(0);
    expect(img.Labels).toEqual({ 'org.example.fixture': 'multilayer' });
    const dangling = await request(sock, 'GET', `/images/json?filters=${encodeURIComponent('{"dangling":{"true":true}}')}`);
    expect(dangling.json()).toEqual([]);
    const name = img.RepoTags[0].split(':')[0];
    const byRef = await request(sock, 'GET', `/images/json?filters=${encodeURIComponent(JSON.stringify({ reference: [name + '*'] }))}`);
    expect(byRef.json()).toHaveLength(1);
    const bad = await request(sock, 'GET', `/images/json?filters=${encodeURIComponent('{"nope":{"x":true}}')}`);
    expect(bad.status).toBe(400);
  });

  test('tag with a registry name (slashes in the path), inspect it', async () => {
    const t = await request(sock, 'POST', `/v1.41/images/${id}/tag?repo=${encodeURIComponent('127.0.0.1:5000/trace/multi')}&tag=v1`);
    expect(t.status).toBe(201);
    expect(t.body.length).toBe(0);
    const t2 = await request(sock, 'POST', `/v1.41/images/127.0.0.1:5000/trace/multi:v1/tag?repo=${encodeURIComponent('docker.io/library/other')}&tag=v3`);
    expect(t2.status).toBe(201);
    const i = await request(sock, 'GET', '/v1.41/images/127.0.0.1:5000/trace/multi:v1/json');
    expect(i.status).toBe(200);
    const insp = i.json();
    expect(insp.Id).toBe(id);
    expect(insp.RepoTags).toEqual(expect.arrayContaining(['127.0.0.1:5000/trace/multi:v1', 'other:v3']));
    expect(insp.RootFS.Type).toBe('layers');
    expect(insp.RootFS.Layers.length).toBeGreaterThan(1);
    expect(insp.RootFS.Layers.every((l: string) => /^sha256:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect(insp.Config.WorkingDir).toBe('/srv');
    expect(insp.Config.Env).toEqual(expect.arrayContaining(['FOO=bar']));
    expect(insp.GraphDriver.Name).toBe('overlay2');
    expect(insp.Metadata.LastTagTime).not.toBe('0001-01-01T00:00:00Z');
    const other = await request(sock, 'GET', '/images/other:v3/json');
    expect(other.json().Id).toBe(id);
  });

  test('inspect and tag of a missing image: docker wording', async () => {
    const i = await request(sock, 'GET', '/v1.41/images/trace-nonexistent/json');
    expect(i.status).toBe(404);
    expect(i.json()).toEqual({ message: 'no such image: trace-nonexistent: No such image: trace-nonexistent:latest' });
    const t = await request(sock, 'POST', '/v1.41/images/trace-nonexistent:v1/tag?repo=docker.io%2Flibrary%2Ftrace-never&tag=v1');
    expect(t.status).toBe(404);
    expect(t.json()).toEqual({ message: 'No such image: trace-nonexistent:v1' });
    const bad = await request(sock, 'POST', `/v1.41/images/${id}/tag?repo=UPPER&tag=v1`);
    expect(bad.status).toBe(400);
    // Docker 20.10's order (TagImage): the image first, so a missing image without a repo is a 404;
    // then the repo, where an empty or missing one is ParseNormalizedNamed("")'s text (Docker: 500)
    const gone = await request(sock, 'POST', '/v1.41/images/trace-nonexistent:v1/tag?tag=v1');
    expect([gone.status, gone.json()]).toEqual([404, { message: 'No such image: trace-nonexistent:v1' }]);
    const gone2 = await request(sock, 'POST', '/v1.41/images/trace-nonexistent:v1/tag?repo=');
    expect(gone2.status).toBe(404);
    for (const q of ['', '?repo=', '?repo=&tag=v1']) {
      const norepo = await request(sock, 'POST', `/v1.41/images/${id}/tag${q}`);
      expect([norepo.status, norepo.json()]).toEqual([400, { message: 'invalid reference format' }]);
    }
    // moby's AddTag refuses a digest reference; with a tag the digest is trimmed (WithTag(TrimNamed(repo), tag))
    const dg = `sha256:${'d'.repeat(64)}`;
    const dr = await request(sock, 'POST', `/v1.41/images/${id}/tag?repo=${encodeURIComponent(`digested@${dg}`)}`);
    expect([dr.status, dr.json()]).toEqual([400, { message: 'refusing to create a tag with a digest reference' }]);
    const dt = await request(sock, 'POST', `/v1.41/images/${id}/tag?repo=${encodeURIComponent(`digested@${dg}`)}&tag=v1`);
    expect(dt.status).toBe(201);
    expect((await request(sock, 'GET', '/v1.41/images/digested:v1/json')).json().Id).toBe(id);
    expect((await request(sock, 'DELETE', '/v1.41/images/digested:v1')).status).toBe(200);
  });

  test('history, newest first', async () => {
    const r = await request(sock, 'GET', '/v1.41/images/other:v3/history');
    expect(r.status).toBe(200);
    const h = r.json();
    expect(h.length).toBeGreaterThanOrEqual(9);
    expect(h[0].Id).toBe(id);
    expect(h[0].Tags).toEqual(expect.arrayContaining(['other:v3']));
    for (const e of h) expect(Object.keys(e).sort()).toEqual(['Comment', 'Created', 'CreatedBy', 'Id', 'Size', 'Tags']);
  });

  test('save (both routes) produces a tar that loads again', async () => {
    const a = await request(sock, 'GET', '/v1.41/images/get?names=other%3Av3');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/x-tar');
    expect(a.body.length).toBeGreaterThan(1024);
    const b = await request(sock, 'GET', '/v1.41/images/other:v3/get');
    expect(b.status).toBe(200);
    const missing = await request(sock, 'GET', '/v1.41/images/get?names=nothere%3Av1');
    expect(missing.status).toBe(404);
    const again = await request(sock, 'POST', '/images/load?quiet=1', { body: a.body });
    expect(again.text).toMatch(/Loaded image: other:v3\\n/);
  });

  test('rmi: 409 while a container uses it, untag with force, 404 for missing', async () => {
    inUse.set(id, 'e6aa06ece6cd0000000000000000000000000000000000000000000000000000');
    const tags: string[] = (await request(sock, 'GET', `/images/${id}/json`)).json().RepoTags;
    for (const t of tags.filter((x) => x !== 'other:v3')) {
      const u = await request(sock, 'DELETE', `/v1.41/images/${t}`);
      expect(u.json()).toEqual([{ Untagged: t }]);
    }
    const c = await request(sock, 'DELETE', '/v1.41/images/other:v3');
    expect(c.status).toBe(409);
    expect(c.json().message).toMatch(/^conflict: unable to remove repository reference "other:v3" \(must force\) - container e6aa06ece6cd is using its referenced image/);
    const f = await request(sock, 'DELETE', '/v1.41/images/other:v3?force=1');
    expect(f.status).toBe(200);
    expect(f.json()).toEqual([{ Untagged: 'other:v3' }]);
    inUse.clear();
    const nf = await request(sock, 'DELETE', '/v1.41/images/trace-nonexistent:v1');
    expect(nf.status).toBe(404);
    expect(nf.json()).toEqual({ message: 'No such image: trace-nonexistent:v1' });
  });

  test('load of garbage: 200 with one errorDetail line', async () => {
    const r = await request(sock, 'POST', '/v1.41/images/load?quiet=1', { body: 'this is not a tar archive at all, just words'.repeat(20) });
    expect(r.status).toBe(200);
    const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].errorDetail.message).toBeTruthy();
    expect(lines[0].error).toBe(lines[0].errorDetail.message);
  });

  test('import a rootfs tar with changes; repo carries the tag', async () => {
    // any tar will do as a rootfs: import the fixture archive itself
    const saved = { body: fs.readFileSync(FIXTURE) };
    const q = new URLSearchParams();
    q.append('changes', 'CMD ["sh"]');
    q.append('changes', 'ENV IMPORTED=1');
    q.append('fromSrc', '-');
    q.append('message', 'trace import');
    q.append('repo', 'trace-imported:v1');
    const r = await request(sock, 'POST', `/v1.41/images/create?${q.toString()}`, { headers: { 'Content-Type': 'text/plain' }, body: saved.body });
    expect([r.status, r.text]).toEqual([200, expect.stringMatching(/^\{"status":"sha256:[0-9a-f]{64}"\}\n$/)]);
    const line = JSON.parse(r.text.trim());
    expect(line.status).toMatch(/^sha256:[0-9a-f]{64}$/);
    const i = (await request(sock, 'GET', '/images/trace-imported:v1/json')).json();
    expect(i.Id).toBe(line.status);
    expect(i.Config.Cmd).toEqual(['sh']);
    expect(i.Config.Env).toEqual(['IMPORTED=1']);
    expect(i.Comment).toBe('trace import');
    const bad = await request(sock, 'POST', `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent('RUN x')}`, { body: 'x' });
    expect(bad.status).toBe(400);
    // moby's ImportImage refuses a digest reference before reading the body; nothing is stored
    const before = (await request(sock, 'GET', '/v1.41/images/json?all=1')).json().length;
    const dg = await request(sock, 'POST', `/v1.41/images/create?fromSrc=-&repo=${encodeURIComponent(`imp@sha256:${'e'.repeat(64)}`)}`, { headers: { 'Content-Type': 'text/plain' }, body: saved.body });
    expect([dg.status, dg.json()]).toEqual([400, { message: 'cannot import digest reference' }]);
    expect((await request(sock, 'GET', '/v1.41/images/json?all=1')).json().length).toBe(before);
    // a tag replaces the one the repo carries (moby: WithTag)
    const re = await request(sock, 'POST', `/v1.41/images/create?fromSrc=-&repo=${encodeURIComponent('trace-imported:old')}&tag=v2`, { headers: { 'Content-Type': 'text/plain' }, body: saved.body });
    expect(re.status).toBe(200);
    expect((await request(sock, 'GET', '/v1.41/images/trace-imported:v2/json')).status).toBe(200);
    expect((await request(sock, 'GET', '/v1.41/images/trace-imported:old/json')).status).toBe(404);
    const pull = await request(sock, 'POST', '/v1.41/images/create?fromImage=docker.io%2Flibrary%2Ffakeimg&tag=latest');
    expect(pull.status).toBe(501);
  });

  test('prune dangling images; events were published', async () => {
    const r = await request(sock, 'POST', `/v1.41/images/prune?filters=${encodeURIComponent('{"dangling":{"true":true}}')}`);
    expect(r.status).toBe(200);
    expect(r.json()).toHaveProperty('SpaceReclaimed');
    const actions = events.replay().map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['load', 'tag', 'untag', 'import']));
  });
});

describe('pull and push events (moby: Actor.ID the reference, name its repository, the image labels)', () => {
  test('one event each, in familiar form', async () => {
    const pushEvents = new EventLog();
    const asked: string[] = [];
    const imported = await store.images.create(
      Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { team: 'green' } }, rootfs: { type: 'layers', diff_ids: [] } })),
    );
    const router = imagesRouter({
      images: store.images,
      archives: store.archives,
      events: pushEvents,
      pull: async (o) => {
        asked.push(o.allTags ? `${o.reference} (all tags)` : o.reference);
        if (!o.allTags) await store.images.tag(imported.id, o.reference);
        return { imageId: imported.id, name: o.reference };
      },
      push: async () => undefined,
    });
    const tracker = new ConnectionTracker();
    const second = new ApiServer(createApiApp({ routers: [router], tracker }), { tracker });
    const sock2 = path.join(dir, 'api2.sock');
    await second.listen(parseListenAddress(`unix://${sock2}`));
    try {
      expect((await request(sock2, 'POST', '/v1.41/images/create?fromImage=docker.io%2Fteam%2Fapp&tag=v1')).status).toBe(200);
      expect((await request(sock2, 'POST', '/v1.41/images/team/app/push?tag=v1')).status).toBe(200);
      // moby's PullImage: the tag given replaces fromImage's (WithTag), a digest replaces the tag
      // (WithDigest(TrimNamed)); `pull -a` of an old client sends `name:` (trailing ':' trimmed)
      const digest = `sha256:${'ab'.repeat(32)}`;
      expect((await request(sock2, 'POST', '/v1.41/images/create?fromImage=team%2Fapp%3Av0&tag=v2')).status).toBe(200);
      expect((await request(sock2, 'POST', `/v1.41/images/create?fromImage=team%2Fapp%3Av0&tag=${digest}`)).status).toBe(200);
      expect((await request(sock2, 'POST', '/v1.41/images/create?fromImage=team%2Fapp%3A')).status).toBe(200);
      // a digest in fromImage: a `tag` is added to it (WithTag keeps the digest: repo:T@D), a
      // digest `tag` replaces it; berth dropped the tag and kept fromImage's digest in both
      const other = `sha256:${'cd'.repeat(32)}`;
      expect((await request(sock2, 'POST', `/v1.41/images/create?fromImage=team%2Fapp%40${digest}&tag=v3`)).status).toBe(200);
      expect((await request(sock2, 'POST', `/v1.41/images/create?fromImage=team%2Fapp%3Av0%40${digest}&tag=v4`)).status).toBe(200);
      expect((await request(sock2, 'POST', `/v1.41/images/create?fromImage=team%2Fapp%3Av0%40${digest}&tag=${other}`)).status).toBe(200);
      // WithTag's refusal of a tag outside the grammar (berth made it part of the reference)
      const bad = await request(sock2, 'POST', '/v1.41/images/create?fromImage=team%2Fapp&tag=-x');
      expect([bad.status, JSON.parse(bad.body.toString()).message]).toEqual([400, 'invalid tag format']);
      expect(pushEvents.replay().map((e) => [e.action, e.actorId, e.attributes])).toEqual([
        ['pull', 'team/app:v1', { team: 'green', name: 'team/app' }],
        ['push', 'team/app:v1', { team: 'green', name: 'team/app' }],
        ['pull', 'team/app:v2', { team: 'green', name: 'team/app' }],
        ['pull', `team/app@${digest}`, { team: 'green', name: 'team/app' }],
        ['pull', 'team/app', { name: 'team/app' }],
        ['pull', `team/app:v3@${digest}`, { team: 'green', name: 'team/app' }],
        ['pull', `team/app:v4@${digest}`, { team: 'green', name: 'team/app' }],
        ['pull', `team/app@${other}`, { team: 'green', name: 'team/app' }],
      ]);
      expect(asked).toEqual(['team/app:v1', 'team/app:v2', `team/app@${digest}`, 'team/app (all tags)', `team/app:v3@${digest}`, `team/app:v4@${digest}`, `team/app@${other}`]);
    } finally {
      await second.close(100);
    }
  });
});

describe('save of a bare repository (every tag of it, as Docker)', () => {
  test('a repository without :latest saves; one save event per image saved', async () => {
    const mk = async (label: string): Promise<string> =>
      (await store.images.create(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { which: label } }, rootfs: { type: 'layers', diff_ids: [] } })))).id;
    const a = await mk('a');
    const b = await mk('b');
    await store.images.tag(a, 'onlyv1:v1');
    await store.images.tag(b, 'onlyv1:v2');
    const since = events.replay().length;
    const r = await request(sock, 'GET', '/v1.41/images/get?names=onlyv1');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-tar');
    // the events follow the stream's end (the client may read it first)
    const saved = async (from: number, n: number): Promise<string[]> => {
      for (let i = 0; i < 50; i++) {
        const s = events.replay().slice(from).filter((e) => e.action === 'save').map((e) => e.actorId);
        if (s.length >= n) return s.sort();
        await new Promise((res) => setTimeout(res, 20));
      }
      return events.replay().slice(from).filter((e) => e.action === 'save').map((e) => e.actorId).sort();
    };
    expect(await saved(since, 2)).toEqual([a, b].sort());
    // with a :latest present too, the bare name is still every tag: three images, three events
    const c = await mk('c');
    await store.images.tag(c, 'onlyv1:latest');
    const since2 = events.replay().length;
    expect((await request(sock, 'GET', '/v1.41/images/get?names=onlyv1')).status).toBe(200);
    expect(await saved(since2, 3)).toEqual([a, b, c].sort());
  });
});
