import { messageOf, withoutHostPaths } from '@berth/errdefs';
import { httpStatusOf } from './http-status';

/** What the app knows of the host that a remote client must not see (set by createApiApp). */
interface AppLocals {
  app?: { locals?: { hostPaths?: readonly string[] } };
}

/**
 * An error's message as a client gets it: a 4xx's as is (it names the client's own input); a
 * 5xx's without paths under the data root (the full text goes to the log).
 */
export function publicMessage(err: unknown, res: unknown): string {
  const message = messageOf(err);
  if (httpStatusOf(err) < 500) return message;
  return withoutHostPaths(message, (res as AppLocals | null)?.app?.locals?.hostPaths ?? []);
}
