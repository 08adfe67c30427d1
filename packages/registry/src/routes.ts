import { deleteBlob, getBlob } from './blob-handlers';
import { base, catalog, listTags } from './listing-handlers';
import { deleteManifest, getManifest, listReferrers, putManifest } from './manifest-handlers';
import { NAME_PATTERN } from './repository-name';
import { type Handler, repoAccess } from './route-context';
import type { Access } from './token-service';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './upload-handlers';

/** One entry of the route table: methods, the path under /v2, the handler and the access it needs. */
export interface Route {
  methods: readonly string[];
  /** Matched against the path after `/v2`; group 1 is the repository name, group 2 the other segment. */
  pattern: RegExp;
  handler: Handler;
  access: (name: string, method: string) => Access[];
}

const N = `(${NAME_PATTERN})`;
const pull = (name: string): Access[] => repoAccess(name, 'pull');
const push = (name: string): Access[] => repoAccess(name, 'pull', 'push');
const del = (name: string): Access[] => repoAccess(name, 'delete');

/** The distribution API v2 routes, in match order (uploads before blobs). */
export const ROUTES: readonly Route[] = [
  { methods: ['GET', 'HEAD'], pattern: /^\/?$/, handler: base, access: () => [] },
  { methods: ['GET'], pattern: /^\/_catalog$/, handler: catalog, access: () => [{ type: 'registry', name: 'catalog', actions: ['*'] }] },
  { methods: ['GET'], pattern: new RegExp(`^/${N}/tags/list$`), handler: listTags, access: pull },
  { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/${N}/manifests/([^/]+)$`), handler: getManifest, access: pull },
  { methods: ['PUT'], pattern: new RegExp(`^/${N}/manifests/([^/]+)$`), handler: putManifest, access: push },
  { methods: ['DELETE'], pattern: new RegExp(`^/${N}/manifests/([^/]+)$`), handler: deleteManifest, access: del },
  { methods: ['GET'], pattern: new RegExp(`^/${N}/referrers/([^/]+)$`), handler: listReferrers, access: pull },
  { methods: ['POST'], pattern: new RegExp(`^/${N}/blobs/uploads/?$`), handler: startUpload, access: push },
  { methods: ['GET'], pattern: new RegExp(`^/${N}/blobs/uploads/([^/]+)$`), handler: uploadStatus, access: push },
  { methods: ['PATCH'], pattern: new RegExp(`^/${N}/blobs/uploads/([^/]+)$`), handler: patchUpload, access: push },
  { methods: ['PUT'], pattern: new RegExp(`^/${N}/blobs/uploads/([^/]+)$`), handler: finishUpload, access: push },
  { methods: ['DELETE'], pattern: new RegExp(`^/${N}/blobs/uploads/([^/]+)$`), handler: cancelUpload, access: push },
  { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/${N}/blobs/([^/]+)$`), handler: getBlob, access: pull },
  { methods: ['DELETE'], pattern: new RegExp(`^/${N}/blobs/([^/]+)$`), handler: deleteBlob, access: del },
];

/** The route for a method and path (after /v2), and its captures; `methodMismatch` when only the method is wrong. */
export function matchRoute(method: string, path: string): { route: Route; name: string; param: string } | { methodMismatch: boolean } {
  let pathMatched = false;
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (!route.methods.includes(method)) continue;
    return { route, name: m[1] ?? '', param: m[2] ?? '' };
  }
  return { methodMismatch: pathMatched };
}
