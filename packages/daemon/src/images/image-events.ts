import type { ImageCatalog } from '@berth/image-store';
import type { EventLog } from '../events/event-log';

/**
 * moby's LogImageEvent(imageID, refName, action): an `image` event whose Actor.ID is `actorId`
 * (an image ID, or for pull and push the familiar reference), whose attributes are the labels of
 * the image `actorId` names when it still exists (not after a `delete`) plus `name`. `labels`:
 * the image's as read before a removal (moby logs `untag` while the image is still there).
 */
export type LogImageEvent = (action: string, actorId: string, name: string, labels?: Record<string, string>) => Promise<void>;

export interface ImageEventDeps {
  images: Pick<ImageCatalog, 'find'>;
  events?: Pick<EventLog, 'publish'>;
}

export function imageEventLogger(deps: ImageEventDeps): LogImageEvent {
  return async (action, actorId, name, given) => {
    if (!deps.events) return;
    const labels = given ?? (await deps.images.find(actorId).catch(() => undefined))?.labels ?? {};
    deps.events.publish('image', action, actorId, { ...labels, name });
  };
}
