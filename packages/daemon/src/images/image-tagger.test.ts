import { describe, expect, it } from '@jest/globals';
import { NotFoundError } from '@berth/errdefs';
import type { ImageRecord } from '@berth/image-store';
import { EventLog } from '../events/event-log';
import { imageTagger, tagReference } from './image-tagger';

const ID = `sha256:${'a'.repeat(64)}`;

/** A catalog of one image with labels; tags recorded in order. */
function fakeImages(labels: Record<string, string>) {
  const tags: string[] = [];
  return {
    tags,
    images: {
      async tag(nameOrId: string, reference: string): Promise<void> {
        if (nameOrId !== ID) throw new NotFoundError(`No such image: ${nameOrId}`);
        tags.push(reference);
      },
      async find(nameOrId: string): Promise<ImageRecord | undefined> {
        return nameOrId === ID ? ({ id: ID, labels } as unknown as ImageRecord) : undefined;
      },
    },
  };
}

describe('imageTagger (moby TagImageWithReference)', () => {
  it('tags, then publishes `image tag` with the image labels and the familiar name (the name wins over a label)', async () => {
    const f = fakeImages({ team: 'blue', name: 'from-label' });
    const events = new EventLog();
    const tag = imageTagger({ images: f.images, events });
    expect(await tag(ID, 'docker.io/library/app:v1')).toBe('app:v1');
    expect(await tag(ID, 'localhost:5000/x/app')).toBe('localhost:5000/x/app');
    expect(f.tags).toEqual(['docker.io/library/app:v1', 'localhost:5000/x/app']);
    expect(events.replay().map((e) => [e.type, e.action, e.actorId, e.attributes])).toEqual([
      ['image', 'tag', ID, { team: 'blue', name: 'app:v1' }],
      ['image', 'tag', ID, { team: 'blue', name: 'localhost:5000/x/app' }],
    ]);
  });

  it('a failed tag publishes nothing; a bad reference is refused before the catalog is asked', async () => {
    const f = fakeImages({});
    const events = new EventLog();
    const tag = imageTagger({ images: f.images, events });
    await expect(tag(`sha256:${'b'.repeat(64)}`, 'app:v1')).rejects.toThrow('No such image');
    await expect(tag(ID, 'UPPER:v1')).rejects.toThrow();
    expect(f.tags).toEqual([]);
    expect(events.replay()).toEqual([]);
  });
});

describe('tagReference and the digest refusal (moby TagImage, AddTag)', () => {
  const DIGEST = `sha256:${'c'.repeat(64)}`;
  it('joins as WithTag(TrimNamed(repo), tag): the tag replaces a tag or digest the repo carries', () => {
    expect(tagReference('app')).toBe('app');
    expect(tagReference('app', 'v1')).toBe('app:v1');
    expect(tagReference('app:old', 'v2')).toBe('app:v2');
    expect(tagReference(`app@${DIGEST}`, 'v3')).toBe('app:v3');
    expect(tagReference('docker.io/library/app:x', 'v4')).toBe('app:v4');
    expect(tagReference('localhost:5000/x/app', 'v5')).toBe('localhost:5000/x/app:v5');
  });

  it('a digest reference is refused (by the join and by the tag step itself), a bad one is an invalid argument', async () => {
    expect(() => tagReference(`app@${DIGEST}`)).toThrow('refusing to create a tag with a digest reference');
    expect(() => tagReference('UPPER', 'v1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // ParseNormalizedNamed refuses a name that is an image ID, with a tag or without (it parses the repo alone)
    const hex = 'e'.repeat(64);
    for (const t of [undefined, 'v1']) {
      expect(() => tagReference(hex, t)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: `invalid repository name (${hex}), cannot specify 64-byte hexadecimal strings` }));
    }
    expect(tagReference(`${hex}x`, 'v1')).toBe(`${hex}x:v1`);
    const f = fakeImages({});
    const events = new EventLog();
    const tag = imageTagger({ images: f.images, events });
    await expect(tag(ID, `app@${DIGEST}`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'refusing to create a tag with a digest reference' });
    await expect(tag(ID, hex)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(f.tags).toEqual([]);
    expect(events.replay()).toEqual([]);
  });
});
