import { messageOf, withoutHostPaths } from '@berth/errdefs';

/**
 * The one way an error's text reaches a remote client: every path under berthd's data root
 * (`hostPaths`) cut to its last component (the full text goes to the log). Used for HTTP error
 * answers, the `errorDetail` of JSON streams (pull, push, load, import, build), the text an exec
 * writes on its hijacked stream when its process cannot start, and the errors a client reads back
 * later (inspect's `State.Error`, a health probe's output).
 *
 * Every status: a 4xx's message may carry a path berthd made (a build context unpacked under
 * tmp/, a file of a container's bundle), not only the client's own input.
 */
export function publicMessage(err: unknown, hostPaths: readonly string[]): string {
  return withoutHostPaths(messageOf(err), hostPaths);
}

/** What the API app knows of the host that a remote client must not see (set by createApiApp). */
interface AppLocals {
  app?: { locals?: { hostPaths?: readonly string[] } };
}

/** The data-root paths of the app serving `res` (an express response). */
export function hostPathsOf(res: unknown): readonly string[] {
  return (res as AppLocals | null)?.app?.locals?.hostPaths ?? [];
}
