import { InvalidArgumentError } from '@berth/errdefs';
import { familiarName, familiarString, parseReference, type Reference } from '@berth/oci';
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
 * A name as distribution's ParseNormalizedNamed reads it: parseReference (which refuses with a
 * ReferenceError, an InvalidArgumentError), and 64 hex digits refused (that is an image ID).
 */
export function parseNamed(s: string): Reference {
  if (/^[a-f0-9]{64}$/.test(s)) throw new InvalidArgumentError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  return parseReference(s);
}

/** A reference the tag step accepts: parsed (parseNamed), no digest (moby's AddTag refusal). */
function tagTarget(reference: string): Reference {
  const ref = parseNamed(reference);
  if (ref.digest !== undefined) throw new InvalidArgumentError('refusing to create a tag with a digest reference');
  return ref;
}

/**
 * The reference `repo` plus `tag` name (moby's TagImage, for the tag route, import and commit):
 * with a tag, WithTag(TrimNamed(repo), tag), so the tag replaces any tag or digest the repo
 * carries; without one, the repo as given (stored as `:latest`). Checked as the tag step checks
 * it (InvalidArgumentError), so a caller can refuse before doing any work.
 */
export function tagReference(repo: string, tag?: string): string {
  let joined = repo;
  if (tag) joined = `${familiarName(parseNamed(repo))}:${tag}`;
  tagTarget(joined);
  return joined;
}

/**
 * The event is moby's LogImageEvent(id, FamiliarString(ref), "tag"): Actor.ID is the image ID,
 * Actor.Attributes the image's labels plus `name`, the reference in familiar form as given (a
 * reference without a tag is stored as `:latest` but named without it, as moby does).
 */
export function imageTagger(deps: ImageTaggerDeps): TagImage {
  const log = imageEventLogger(deps);
  return async (imageId, reference) => {
    const name = familiarString(tagTarget(reference));
    await deps.images.tag(imageId, reference);
    await log('tag', imageId, name);
    return name;
  };
}
