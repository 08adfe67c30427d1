import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Image references, as the distribution project's reference grammar defines them:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *
 * Normalisation (what the docker CLI does before it sends a name): a name with no domain
 * is on `docker.io`, and a one-part name on docker.io is under `library/`. The familiar
 * form strips both again: `docker.io/library/busybox:latest` is shown as `busybox:latest`.
 */
export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;
const MAX_NAME = 255;

export interface Reference {
  /** Registry host, e.g. `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

export class ReferenceError extends InvalidArgumentError {}

function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  const first = i < 0 ? '' : name.slice(0, i);
  if (i < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first)) {
    return { domain: DEFAULT_DOMAIN, path: name };
  }
  return { domain: first, path: name.slice(i + 1) };
}

/**
 * Parses and normalises a reference. Throws ReferenceError (an InvalidArgumentError) with
 * docker's wording for anything the grammar refuses. A reference with neither tag nor digest
 * stays without one: use `withDefaultTag` to add `latest`.
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (s === '') throw new ReferenceError(`invalid reference format: repository name must have at least one component`);
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`invalid reference format: "${input}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`invalid reference format: "${input}"`);
  }
  if (rest.length > MAX_NAME) throw new ReferenceError(`invalid reference format: repository name must not be more than ${MAX_NAME} characters`);
  let { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw new ReferenceError(`invalid reference format: "${input}"`);
  // named as distribution's splitDockerDomain leaves it: `library/` added to an official image
  if (path.toLowerCase() !== path) {
    const shown = (domain === DEFAULT_DOMAIN || domain === LEGACY_DEFAULT_DOMAIN) && !path.includes('/') ? OFFICIAL_REPO_PREFIX + path : path;
    throw new ReferenceError(`invalid reference format: repository name (${shown}) must be lowercase`);
  }
  const comps = path.split('/');
  if (comps.some((c) => !COMPONENT.test(c))) throw new ReferenceError(`invalid reference format: "${input}"`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && comps.length === 1) path = OFFICIAL_REPO_PREFIX + path;
  const ref: Reference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}


/** `latest` when the reference names neither a tag nor a digest. */
/** Whether `tag` is a tag of the reference grammar (`[\w][\w.-]{0,127}`). */
export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** Fully qualified repository name: `docker.io/library/busybox`. */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Fully qualified string: `docker.io/library/busybox:latest[@sha256:...]`. */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Familiar repository name: `busybox`, `someuser/app`, `127.0.0.1:5000/x/y`. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.split('/').length === 2
    ? ref.path.slice(OFFICIAL_REPO_PREFIX.length)
    : ref.path;
}

/** Familiar string: `busybox:latest`, as docker prints it. */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Parse, add `latest`, and give the fully qualified string: the key the image store uses. */
export function normalizeReference(s: string): string {
  return formatReference(withDefaultTag(parseReference(s)));
}

/**
 * Host name to contact for a registry domain: Docker Hub's `docker.io` is served by
 * `registry-1.docker.io`.
 */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}
