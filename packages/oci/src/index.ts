export { type Digest, isDigest, parseDigest, digestHex, sha256Digest, Digester, isFullId, shortId, chainIds } from './digest';
export { MediaType, type MediaTypeName, isIndexMediaType, isManifestMediaType, layerCompression } from './media-types';
export type { Descriptor, Platform, Manifest, Index, HealthConfig, ImageRunConfig, HistoryEntry, ImageConfig } from './image';
export { hostPlatform, parsePlatform, formatPlatform, platformMatches } from './platform';
export {
  type Reference,
  ReferenceError,
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  parseReference,
  withDefaultTag,
  isTag,
  repositoryName,
  formatReference,
  familiarName,
  familiarString,
  normalizeReference,
  registryHost,
} from './reference';
export type { RuntimeSpec, RuntimeProcess, RuntimeMount, RuntimeLinux, RuntimeSeccomp } from './runtime-spec';
export { compileGlob, globMatch, hasWildcards, cleanPath } from './glob-match';
export { PatternMatcher, parseIgnoreFile } from './pattern-matcher';
export { parseGoBool } from './parse-go-bool';
export { rootfsOf } from './rootfs-of';
export { type GoTimeOptions, rfc3339Nano, rfc3339 } from './go-time';
export { JsonNumber, parseJsonExact, stringifyJson } from './json-exact';
