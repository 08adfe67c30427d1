import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { type Descriptor, type Index, type Manifest, type Platform, MediaType, isDigest, isIndexMediaType, isManifestMediaType, platformMatches, formatPlatform } from '@berth/oci';

/** Media types a pull asks for, in order of preference. */
export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.DockerManifest];

/** Manifests larger than this are refused (distribution's own limit). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

/** A manifest or index as fetched: its exact bytes, media type and digest. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** The media type of manifest bytes: the `mediaType` field, else the Content-Type, else by shape. */
export function manifestMediaType(bytes: Buffer, contentType: string | undefined, subject: string): { mediaType: string; doc: Manifest | Index } {
  let doc: Manifest | Index & { mediaType?: string };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Manifest | Index;
  } catch (e) {
    throw new InvalidArgumentError(`manifest ${subject}: invalid JSON`, { cause: e });
  }
  if (!doc || typeof doc !== 'object') throw new InvalidArgumentError(`manifest ${subject}: not an object`);
  const ct = contentType?.split(';')[0]?.trim();
  let mt = typeof doc.mediaType === 'string' ? doc.mediaType : ct;
  if (!isIndexMediaType(mt) && !isManifestMediaType(mt)) {
    if (Array.isArray((doc as Index).manifests)) mt = MediaType.OciIndex;
    else if ((doc as Manifest).config && Array.isArray((doc as Manifest).layers)) mt = MediaType.OciManifest;
    else throw new InvalidArgumentError(`manifest ${subject}: unsupported media type "${mt ?? ''}"`);
  }
  if (isIndexMediaType(mt)) {
    const idx = doc as Index;
    if (!Array.isArray(idx.manifests)) throw new InvalidArgumentError(`manifest ${subject}: index without manifests`);
    idx.manifests.forEach((d) => checkDescriptor(d, subject));
  }
  if (isManifestMediaType(mt)) {
    const m = doc as Manifest;
    if (!m.config || typeof m.config !== 'object' || !Array.isArray(m.layers)) throw new InvalidArgumentError(`manifest ${subject}: no config or layers`);
    [m.config, ...m.layers].forEach((d) => checkDescriptor(d, subject));
  }
  return { mediaType: mt!, doc };
}

/** A descriptor from the wire: a well-formed digest, a sane size, a media type. Hostile input otherwise. */
export function checkDescriptor(d: unknown, subject: string): asserts d is Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (!x || typeof x !== 'object') throw new InvalidArgumentError(`manifest ${subject}: descriptor is not an object`);
  if (typeof x.digest !== 'string' || !isDigest(x.digest)) throw new InvalidArgumentError(`manifest ${subject}: invalid digest "${String(x.digest)}"`);
  if (typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) throw new InvalidArgumentError(`manifest ${subject}: invalid size for ${x.digest}`);
  if (typeof x.mediaType !== 'string') throw new InvalidArgumentError(`manifest ${subject}: no media type for ${x.digest}`);
}

/**
 * Picks the manifest for a platform from an index: os and architecture must match; a wanted
 * variant must match when the entry names one, and an exact variant match is preferred.
 */
export function choosePlatform(index: Index, want: Platform, subject: string): Descriptor {
  const candidates = index.manifests.filter((d) => platformMatches(want, d.platform));
  const exact = want.variant ? candidates.find((d) => d.platform?.variant === want.variant) : candidates.find((d) => !d.platform?.variant);
  const pick = exact ?? candidates[0];
  if (!pick) {
    throw new NotFoundError(`image ${subject}: no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  }
  return pick;
}
