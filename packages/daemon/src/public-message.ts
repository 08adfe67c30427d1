/**
 * The one rule for the text of an error a remote client sees is `publicMessage` in
 * @berth/errdefs (shared with the CRI server); re-exported here for the daemon's users.
 */
export { publicMessage } from '@berth/errdefs';

/** What the API app knows of the host that a remote client must not see (set by createApiApp). */
interface AppLocals {
  app?: { locals?: { hostPaths?: readonly string[] } };
}

/** The data-root paths of the app serving `res` (an express response). */
export function hostPathsOf(res: unknown): readonly string[] {
  return (res as AppLocals | null)?.app?.locals?.hostPaths ?? [];
}
