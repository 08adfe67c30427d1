/**
 * `image tag` events through the docker CLI: `docker tag`, `docker build -t` and `docker commit
 * c repo:tag` all tag through one daemon step and publish the event as moby's
 * TagImageWithReference (LogImageEvent): Actor.ID the image ID, Attributes the image's labels
 * plus `name`, the familiar reference. The commit's own container event names the image
 * (`imageID`, `imageRef`) as moby's CreateImageFromContainer.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientsFor, ok, rawRequest, scratchDir, useDaemon, type BerthDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(daemon);
});
const work = scratchDir('tag-events');

interface EventJson {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** The events of `filters` from `since` (unix seconds) until now, through `docker events`. */
async function eventsSince(since: number | string, filters: string[]): Promise<EventJson[]> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = ok(await c.docker(['events', '--since', String(since), '--until', String(until), ...filters.flatMap((f) => ['--filter', f]), '--format', '{{json .}}']));
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EventJson);
}

async function tagEvents(since: number, namePrefix: string): Promise<Array<{ id: string; attributes: Record<string, string> }>> {
  const all = await eventsSince(since, ['type=image', 'event=tag']);
  return all.filter((e) => (e.Actor.Attributes['name'] ?? '').startsWith(namePrefix)).map((e) => ({ id: e.Actor.ID, attributes: e.Actor.Attributes }));
}

async function imageId(ref: string): Promise<string> {
  return ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
}

const now = (): number => Math.floor(Date.now() / 1000) - 1;
/** This moment in unix seconds with milliseconds (`--since` takes fractions): a window of one command's events. */
const mark = (): string => (Date.now() / 1000).toFixed(3);

describe('image tag events (moby TagImageWithReference)', () => {
  let labelled: string;

  it('docker build -t: one event per tag (a repeated -t once), with the image\'s labels', async () => {
    const since = now();
    const ctx = path.join(work, 'build');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox:latest\nLABEL team=blue tier=web\n');
    ok(await c.docker(['build', '-t', 'tagev-build:v1', '-t', 'tagev-build', '-t', 'tagev-build:v1', ctx]));
    labelled = await imageId('tagev-build:v1');
    expect(await tagEvents(since, 'tagev-build')).toEqual([
      { id: labelled, attributes: { name: 'tagev-build:v1', team: 'blue', tier: 'web' } },
      { id: labelled, attributes: { name: 'tagev-build:latest', team: 'blue', tier: 'web' } },
    ]);
  });

  it('docker tag: the event names the new reference, with the image\'s labels', async () => {
    const since = now();
    ok(await c.docker(['tag', 'tagev-build:v1', 'example.com/team/tagev-tag:v2']));
    expect(await tagEvents(since, 'example.com/team/tagev-tag')).toEqual([
      { id: labelled, attributes: { name: 'example.com/team/tagev-tag:v2', team: 'blue', tier: 'web' } },
    ]);
  });

  it('the API without a tag: stored as :latest, the event named as given (moby FamiliarString of the reference)', async () => {
    const since = now();
    const r = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/images/tagev-build:v1/tag?repo=tagev-api' });
    expect(r.status).toBe(201);
    expect(await imageId('tagev-api:latest')).toBe(labelled);
    expect(await tagEvents(since, 'tagev-api')).toEqual([{ id: labelled, attributes: { name: 'tagev-api', team: 'blue', tier: 'web' } }]);
  });

  it('docker commit c repo:tag: the image tag event, then the container\'s commit event naming the image', async () => {
    ok(await c.docker(['run', '--name', 'tagev-c', '--label', 'who=me', 'tagev-build:v1', 'sh', '-c', 'echo x > /x']));
    const since = now();
    ok(await c.docker(['commit', '-m', 'msg', 'tagev-c', 'tagev-commit:v3']));
    const id = await imageId('tagev-commit:v3');
    // the committed image has the container's labels (the image's and --label's)
    expect(await tagEvents(since, 'tagev-commit')).toEqual([{ id, attributes: { name: 'tagev-commit:v3', team: 'blue', tier: 'web', who: 'me' } }]);
    const commit = await eventsSince(since, ['type=container', 'event=commit', 'container=tagev-c']);
    expect(commit.map((e) => e.Actor.Attributes)).toEqual([
      { comment: 'msg', image: 'tagev-build:v1', imageID: id, imageRef: 'tagev-commit:v3', name: 'tagev-c', team: 'blue', tier: 'web', who: 'me' },
    ]);
    // without a reference: no tag event, imageRef empty
    const since2 = now();
    const bare = ok(await c.docker(['commit', 'tagev-c'])).stdout.trim();
    expect((await eventsSince(since2, ['type=image', 'event=tag'])).filter((e) => e.Actor.ID === bare)).toEqual([]);
    const second = (await eventsSince(since2, ['type=container', 'event=commit', 'container=tagev-c'])).map((e) => e.Actor.Attributes);
    expect(second.at(-1)).toMatchObject({ imageID: bare, imageRef: '' });
    ok(await c.docker(['rm', 'tagev-c']));
  });
});

describe('the other image events as moby\'s LogImageEvent: Actor and name the image ID, the image\'s labels', () => {
  it('docker import repo:tag: the tag event, then import named by the ID', async () => {
    const since = now();
    const tar = path.join(work, 'import.tar');
    fs.writeFileSync(tar, Buffer.alloc(1024)); // an empty tar
    const id = ok(await c.docker(['import', '-c', 'LABEL imported=yes', tar, 'tagev-import:v1'])).stdout.trim();
    const evs = (await eventsSince(since, ['type=image'])).filter((e) => e.Actor.ID === id);
    expect(evs.map((e) => [e.Action, e.Actor.Attributes])).toEqual([
      ['tag', { imported: 'yes', name: 'tagev-import:v1' }],
      ['import', { imported: 'yes', name: id }],
    ]);
  });

  it('save, rmi, load: named by the image ID with its labels; delete only for images (not their layers), without labels', async () => {
    const ctx = path.join(work, 'rm');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox:latest\nLABEL team=red\nRUN echo x > /f\n');
    ok(await c.docker(['build', '-t', 'tagev-rm:a', '-t', 'tagev-rm:b', ctx]));
    const [id, labelStep] = ok(await c.docker(['history', '-q', '--no-trunc', 'tagev-rm:a'])).stdout.trim().split('\n') as [string, string];
    const red = { team: 'red' };
    const mine = async (s: string): Promise<Array<[string, string, Record<string, string>]>> =>
      (await eventsSince(s, ['type=image'])).filter((e) => e.Actor.ID === id || e.Actor.ID === labelStep).map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes]);

    let since = mark();
    const tar = path.join(work, 'saved.tar');
    ok(await c.docker(['save', '-o', tar, 'tagev-rm:a']));
    expect(await mine(since)).toEqual([['save', id, { ...red, name: id }]]);

    since = mark();
    ok(await c.docker(['rmi', 'tagev-rm:a']));
    expect(await mine(since)).toEqual([['untag', id, { ...red, name: id }]]);

    since = mark();
    const out = ok(await c.docker(['rmi', 'tagev-rm:b'])).stdout;
    expect(out.split('\n').filter((l) => l.startsWith('Deleted: '))).toHaveLength(3); // the image, its untagged parent, the RUN's layer
    expect(await mine(since)).toEqual([
      ['untag', id, { ...red, name: id }],
      ['delete', id, { name: id }],
      ['delete', labelStep, { name: labelStep }],
    ]);
    expect((await eventsSince(since, ['type=image', 'event=delete'])).map((e) => e.Actor.ID)).toEqual([id, labelStep]);

    since = mark();
    ok(await c.docker(['load', '-i', tar]));
    expect(await mine(since)).toEqual([['load', id, { ...red, name: id }]]);
  });
});
