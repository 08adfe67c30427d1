// The rule for the text of an error a remote client sees is `publicMessage` in @berth/errdefs
// (shared with the CRI server); this file knows where the daemon keeps the paths it hides.

/** What the API app knows of the host that a remote client must not see (set by createApiApp). */
interface AppLocals {
  app?: { locals?: { hostPaths?: readonly string[] } };
}

/** The data-root paths of the app serving `res` (an express response). */
export function hostPathsOf(res: unknown): readonly string[] {
  return (res as AppLocals | null)?.app?.locals?.hostPaths ?? [];
}
