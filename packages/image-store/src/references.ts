import { InvalidArgumentError } from '@berth/errdefs';
import { familiarName, familiarString, formatReference, parseReference, repositoryName, withDefaultTag, type Reference } from '@berth/oci';

/** A reference as the catalog stores it. */
export interface StoredReference {
  /** Fully qualified: `docker.io/library/busybox:latest` or `...busybox@sha256:...`. */
  name: string;
  /** `docker.io/library/busybox`. */
  repo: string;
  kind: 'tag' | 'digest';
  /** `busybox:latest`. */
  familiar: string;
  /** `busybox` (for reference-filter matching). */
  familiarName: string;
}

/** Parses, normalises (default tag `latest`), and drops a tag that sits next to a digest. */
export function storedReference(input: string): StoredReference {
  let ref: Reference = withDefaultTag(parseReference(input));
  if (ref.digest !== undefined && ref.tag !== undefined) {
    ref = { domain: ref.domain, path: ref.path, digest: ref.digest };
  }
  if (ref.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(ref.digest)) {
    throw new InvalidArgumentError(`invalid reference format: "${input}": unsupported digest`);
  }
  return fromReference(ref);
}

export function fromReference(ref: Reference): StoredReference {
  return {
    name: formatReference(ref),
    repo: repositoryName(ref),
    kind: ref.digest !== undefined ? 'digest' : 'tag',
    familiar: familiarString(ref),
    familiarName: familiarName(ref),
  };
}

/** From a stored fully-qualified name. */
export function fromStoredName(name: string): StoredReference {
  return fromReference(parseReference(name));
}
