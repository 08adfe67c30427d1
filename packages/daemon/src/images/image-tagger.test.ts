import { describe, expect, it } from '@jest/globals';
import { NotFoundError } from '@berth/errdefs';
import type { ImageRecord } from '@berth/image-store';
import { EventLog } from '../events/event-log';
import { imageTagger } from './image-tagger';

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
