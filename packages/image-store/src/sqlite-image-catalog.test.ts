import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { sha256Digest, type Digest, type ImageConfig } from '@berth/oci';
import { configBytes } from './config-bytes';
import { tempStore, type TempStore } from './test-support/temp-store';

function config(extra: Partial<ImageConfig> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: [] }, ...extra }),
  );
}

describe('SqliteImageCatalog', () => {
  let t: TempStore;
  let inUse: Map<string, { id: string; running: boolean }>;
  beforeEach(async () => {
    inUse = new Map();
    t = await tempStore({ isImageInUse: async (id) => inUse.get(id) });
  });
  afterEach(async () => {
    await t.close();
  });

  it("keeps Go's int64s exact: a config's Healthcheck durations and StopTimeout beyond 2^53 read back as written (configBytes writes them as digits)", async () => {
    const max = 2n ** 63n - 1n;
    const bytes = configBytes({ ...(JSON.parse(config().toString()) as ImageConfig), config: { StopTimeout: max, Healthcheck: { Test: ['CMD', 'true'], Interval: 2n ** 53n + 1n, Timeout: max, Retries: 3 } } });
    expect(bytes.toString()).toContain('"config":{"StopTimeout":9223372036854775807,"Healthcheck":{"Test":["CMD","true"],"Interval":9007199254740993,"Timeout":9223372036854775807,"Retries":3}}');
    const img = await t.store.images.create(bytes);
    expect(img.id).toBe(sha256Digest(bytes));
    const c = (await t.store.images.get(img.id)).config;
    expect(c.config?.StopTimeout).toBe(max);
    expect(c.config?.Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 2n ** 53n + 1n, Timeout: max, Retries: 3 });
    // a fraction or an exponent is read as JSON.parse reads it (no JsonNumber in an image config)
    const f = await t.store.images.create(config({ config: { Labels: {}, StopTimeout: 1.5 } } as Partial<ImageConfig>));
    expect((await t.store.images.get(f.id)).config.config?.StopTimeout).toBe(1.5);
  });

  it('normalises references and finds images by name, full id, and unique prefix', async () => {
    const buf = config();
    const img = await t.store.images.create(buf, { references: ['busybox'] });
    expect(img.id).toBe(sha256Digest(buf));
    expect(img.repoTags).toEqual(['busybox:latest']);
    const hex = img.id.slice(7);
    for (const name of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'library/busybox', img.id, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 5)}`, hex.slice(0, 1)]) {
      expect(await t.store.images.resolve(name)).toBe(img.id);
    }
    await expect(t.store.images.resolve('busybox:1')).rejects.toThrow('No such image: busybox:1');
    await expect(t.store.images.resolve('nothere')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such image: nothere:latest' });
    await expect(t.store.images.resolve('UPPER')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses an ambiguous prefix', async () => {
    // find two configs whose IDs share the first hex digit
    const ids: Digest[] = [];
    for (let i = 0; ids.length < 2 && i < 100; i++) {
      const b = config({ comment: `c${i}` });
      const id = sha256Digest(b);
      if (ids.length === 0 || id[7] === ids[0]![7]) {
        await t.store.images.create(b);
        ids.push(id);
      }
    }
    await expect(t.store.images.resolve(ids[0]!.slice(7, 8))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('tags move between images; lists show familiar names and LastTagTime', async () => {
    const a = await t.store.images.create(config({ comment: 'a' }), { references: ['x:1'] });
    const b = await t.store.images.create(config({ comment: 'b' }));
    await t.store.images.tag(b.id, 'x:1');
    await t.store.images.tag('x:1', '127.0.0.1:5000/trace/x:v1');
    expect((await t.store.images.get(a.id)).repoTags).toEqual([]);
    const rb = await t.store.images.get(b.id);
    expect(rb.repoTags).toEqual(['127.0.0.1:5000/trace/x:v1', 'x:1']);
    // Docker's text (RFC3339Nano in the daemon's zone), kept as written: no Date, which stops at ms
    expect(rb.lastTagTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?(Z|[+-]\d\d:\d\d)$/);
    expect(Math.abs(Date.parse(rb.lastTagTime!) - Date.now())).toBeLessThan(60_000);
    expect((await t.store.images.list({ dangling: true })).map((i) => i.id)).toEqual([a.id]);
    const filtered = await t.store.images.list({ reference: ['x*'] });
    expect(filtered.map((i) => i.repoTags)).toEqual([['x:1']]);
    expect((await t.store.images.list({ reference: ['127.0.0.1:5000/trace/*'] })).length).toBe(1);
    // Go path.Match: classes, and a malformed pattern is an error (docker's FamiliarMatch returns it)
    expect((await t.store.images.list({ reference: ['[x]:[0-9]'] })).length).toBe(1);
    await expect(t.store.images.list({ reference: ['x['] })).rejects.toThrow('syntax error in pattern: x[');
  });

  it('setParent replaces the recorded parent (moby SetParent), never makes a loop', async () => {
    const a = await t.store.images.create(config({ comment: 'sp-a' }));
    const b = await t.store.images.create(config({ comment: 'sp-b' }), { parent: a.id });
    const loaded = await t.store.images.create(config({ comment: 'sp-loaded' }), { references: ['loaded:1'] });
    await t.store.images.setParent('loaded:1', b.id);
    expect((await t.store.images.get(loaded.id)).parent).toBe(b.id);
    expect(await t.store.images.children(b.id)).toEqual([loaded.id]);
    await t.store.images.setParent(loaded.id, a.id);
    expect(await t.store.images.children(b.id)).toEqual([]);
    await expect(t.store.images.setParent(a.id, loaded.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.store.images.setParent(a.id, a.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.store.images.setParent(a.id, 'nothere:1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.store.images.get(a.id)).parent).toBeUndefined();
  });

  it('setParent: an rmi of the new parent between its lookup and the update leaves no dangling parent (one transaction)', async () => {
    const child = await t.store.images.create(config({ comment: 'sp-child' }), { references: ['child:1'] });
    const p = await t.store.images.create(config({ comment: 'sp-gone' }), { references: ['gone:1'] });
    const images = t.store.images as unknown as { resolve(n: string): Promise<string> };
    const resolve = images.resolve.bind(images);
    // the concurrent `docker rmi gone:1` lands right after setParent has resolved the name
    images.resolve = async (n) => {
      const id = await resolve(n);
      if (n === 'gone:1') await t.store.images.delete(id);
      return id;
    };
    await expect(t.store.images.setParent('child:1', 'gone:1')).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No such image: ${p.id}` });
    expect(await t.store.images.find(p.id)).toBeUndefined();
    expect((await t.store.images.get(child.id)).parent).toBeUndefined();
    expect((await t.store.images.list({ all: true })).map((i) => i.parent).filter((x) => x !== undefined)).toEqual([]);
  });

  it('create with a parent removed after the early check: refused, no image with a missing parent', async () => {
    const p = await t.store.images.create(config({ comment: 'cp-gone' }), { references: ['gone:2'] });
    const content = (t.store.images as unknown as { content: { write(...a: unknown[]): Promise<unknown> } }).content;
    const write = content.write.bind(content);
    // the concurrent rmi lands while create writes the config blob (after its early parent check)
    content.write = async (...a) => {
      content.write = write;
      await t.store.images.delete(p.id);
      return write(...a);
    };
    await expect(t.store.images.create(config({ comment: 'cp-child' }), { parent: p.id })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No such image: ${p.id}` });
    expect((await t.store.images.list({ all: true })).map((i) => [i.id, i.parent])).toEqual([]);
  });

  it('label, before and since filters', async () => {
    const a = await t.store.images.create(config({ created: '2026-01-01T00:00:00Z', config: { Labels: { k: 'v' } } }), { references: ['a'] });
    const b = await t.store.images.create(config({ created: '2026-01-02T00:00:00Z', config: { Labels: { k: 'w' } } }), { references: ['b'] });
    expect((await t.store.images.list({ label: ['k'] })).length).toBe(2);
    expect((await t.store.images.list({ label: ['k=v'] })).map((i) => i.id)).toEqual([a.id]);
    expect((await t.store.images.list({ before: 'b' })).map((i) => i.id)).toEqual([a.id]);
    expect((await t.store.images.list({ since: 'a' })).map((i) => i.id)).toEqual([b.id]);
  });

  describe('delete (docker rmi)', () => {
    it('by reference with several tags only untags; the last tag deletes, with its digest refs', async () => {
      const img = await t.store.images.create(config(), { references: ['a:1', 'a:2'] });
      await t.store.images.tag(img.id, `a@sha256:${'f'.repeat(64)}`);
      expect(await t.store.images.delete('a:1')).toEqual([{ kind: 'untagged', reference: 'a:1' }]);
      expect(await t.store.images.delete('a:2')).toEqual([{ kind: 'untagged', reference: 'a:2' }, { kind: 'untagged', reference: `a@sha256:${'f'.repeat(64)}` }, { kind: 'deleted', id: img.id }]);
      expect(await t.store.images.find(img.id)).toBeUndefined();
      expect(await t.store.content.has(img.id)).toBe(false);
    });

    it('by ID with tags in several repositories needs force', async () => {
      const img = await t.store.images.create(config(), { references: ['a:1', 'b:1'] });
      await expect(t.store.images.delete(img.id.slice(7, 19))).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `conflict: unable to delete ${img.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
      });
      expect(await t.store.images.delete(img.id, { force: true })).toEqual([{ kind: 'untagged', reference: 'a:1' }, { kind: 'untagged', reference: 'b:1' }, { kind: 'deleted', id: img.id }]);
    });

    it('by ID with one tag untags and deletes', async () => {
      const img = await t.store.images.create(config(), { references: ['a:1'] });
      expect(await t.store.images.delete(img.id.slice(7))).toEqual([{ kind: 'untagged', reference: 'a:1' }, { kind: 'deleted', id: img.id }]);
    });

    it('an image a container uses: 409 with docker message; force only untags', async () => {
      const img = await t.store.images.create(config(), { references: ['trace-committed:v1'] });
      const cid = 'e6aa06ece6cd' + '0'.repeat(52);
      inUse.set(img.id, { id: cid, running: true });
      await expect(t.store.images.delete('trace-committed:v1')).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `conflict: unable to remove repository reference "trace-committed:v1" (must force) - container e6aa06ece6cd is using its referenced image ${img.id.slice(7, 19)}`,
      });
      expect(await t.store.images.delete('trace-committed:v1', { force: true })).toEqual([{ kind: 'untagged', reference: 'trace-committed:v1' }]);
      expect(await t.store.images.find(img.id)).toBeDefined();
      // now dangling and used by a running container: by ID even force cannot
      await expect(t.store.images.delete(img.id, { force: true })).rejects.toThrow(/cannot be forced\) - image is being used by running container e6aa06ece6cd/);
      inUse.set(img.id, { id: cid, running: false });
      await expect(t.store.images.delete(img.id)).rejects.toThrow(/must be forced\) - image is being used by stopped container e6aa06ece6cd/);
      expect(await t.store.images.delete(img.id, { force: true })).toEqual([{ kind: 'deleted', id: img.id }]);
    });

    it('accepts a plain container id string from the in-use callback', async () => {
      const img = await t.store.images.create(config(), { references: ['x'] });
      const r = await t.store.images.delete('x', { isImageInUse: async () => 'abcdefabcdef' + '1'.repeat(52) }).catch((e: Error) => e);
      expect((r as Error).message).toMatch(/container abcdefabcdef is using its referenced image/);
      void img;
    });

    it('deletes the untagged parent chain unless noPrune; children block', async () => {
      const base = await t.store.images.create(config({ comment: 'base' }));
      const mid = await t.store.images.create(config({ comment: 'mid' }), { parent: base.id });
      const top = await t.store.images.create(config({ comment: 'top' }), { parent: mid.id, references: ['built:v1'] });
      await expect(t.store.images.delete(mid.id)).rejects.toThrow(/cannot be forced\) - image has dependent child images/);
      expect((await t.store.images.list()).map((i) => i.id)).toEqual([top.id]);
      expect((await t.store.images.list({ all: true })).length).toBe(3);
      expect(await t.store.images.delete('built:v1')).toEqual([{ kind: 'untagged', reference: 'built:v1' }, { kind: 'deleted', id: top.id }, { kind: 'deleted', id: mid.id }, { kind: 'deleted', id: base.id }]);
      const b2 = await t.store.images.create(config({ comment: 'base' }));
      await t.store.images.create(config({ comment: 'top' }), { parent: b2.id, references: ['built:v1'] });
      expect((await t.store.images.delete('built:v1', { noPrune: true })).length).toBe(2);
      expect(await t.store.images.find(b2.id)).toBeDefined();
    });

    it('stops pruning the parent chain quietly at a parent another image still builds on', async () => {
      const base = await t.store.images.create(config({ comment: 'shared-base' }));
      const a = await t.store.images.create(config({ comment: 'a' }), { parent: base.id, references: ['a:1'] });
      const b = await t.store.images.create(config({ comment: 'b' }), { parent: base.id, references: ['b:1'] });
      expect(await t.store.images.delete('a:1')).toEqual([{ kind: 'untagged', reference: 'a:1' }, { kind: 'deleted', id: a.id }]);
      expect(await t.store.images.find(base.id)).toBeDefined();
      expect(await t.store.images.delete('b:1')).toEqual([{ kind: 'untagged', reference: 'b:1' }, { kind: 'deleted', id: b.id }, { kind: 'deleted', id: base.id }]);
    });

    it('404 with docker message', async () => {
      await expect(t.store.images.delete('trace-nonexistent:v1')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such image: trace-nonexistent:v1' });
    });
  });

  it('prune: dangling only by default, all unused with all, label filters', async () => {
    const d = await t.store.images.create(config({ comment: 'dangling', config: { Labels: { L: '1' } } }));
    const tagged = await t.store.images.create(config({ comment: 'tagged' }), { references: ['keep'] });
    const used = await t.store.images.create(config({ comment: 'used' }));
    inUse.set(used.id, { id: 'c'.repeat(64), running: true });
    expect((await t.store.images.prune({ label: ['other'] })).deleted).toEqual([]);
    const r = await t.store.images.prune({ label: ['L'] });
    expect(r.deleted).toEqual([{ kind: 'deleted', id: d.id }]);
    expect(await t.store.images.find(tagged.id)).toBeDefined();
    const r2 = await t.store.images.prune({ all: true });
    expect(r2.deleted).toEqual([{ kind: 'untagged', reference: 'keep:latest' }, { kind: 'deleted', id: tagged.id }]);
    expect(await t.store.images.find(used.id)).toBeDefined();
  });

  it('history: newest first, image id on top, <missing> below', async () => {
    const img = await t.store.images.create(
      config({
        history: [
          { created: '2026-01-01T00:00:00Z', comment: 'Imported from -', empty_layer: true },
          { created: '2026-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        ],
      }),
      { references: ['h:1'] },
    );
    const h = await t.store.images.history('h:1');
    expect(h).toEqual([
      { id: img.id, created: 1767225601, createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', tags: ['h:1'], size: 0, comment: '' },
      { id: '<missing>', created: 1767225600, createdBy: '', tags: [], size: 0, comment: 'Imported from -' },
    ]);
  });

  it('create refuses configs that are not JSON or reference unknown layers', async () => {
    await expect(t.store.images.create(Buffer.from('nope'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.store.images.create(config({ rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] } }))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
  });
});
