import { familiarString, parseReference } from '@berth/oci';
import type { ImageCatalog } from '@berth/image-store';
import type { EventLog } from '../events/event-log';
import { imageEventLogger } from './image-events';

/**
 * The one tag step of the daemon (moby's TagImageWithReference): `reference` now points at the
 * image, then an `image tag` event is published. `docker tag`, `docker build -t` and `docker
 * commit c repo:tag` all tag through it. Returns the event's name (the familiar reference).
 */
export type TagImage = (imageId: string, reference: string) => Promise<string>;

export interface ImageTaggerDeps {
  images: Pick<ImageCatalog, 'tag' | 'find'>;
  events?: Pick<EventLog, 'publish'>;
}

/**
 * The event is moby's LogImageEvent(id, FamiliarString(ref), "tag"): Actor.ID is the image ID,
 * Actor.Attributes the image's labels plus `name`, the reference in familiar form as given (a
 * reference without a tag is stored as `:latest` but named without it, as moby does).
 */
export function imageTagger(deps: ImageTaggerDeps): TagImage {
  const log = imageEventLogger(deps);
  return async (imageId, reference) => {
    const name = familiarString(parseReference(reference));
    await deps.images.tag(imageId, reference);
    await log('tag', imageId, name);
    return name;
  };
}
