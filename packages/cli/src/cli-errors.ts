import { isDaemonError } from '@berth/client';
import { messageOf } from '@berth/errdefs';

/** An error that ends the command with a given exit code and message (docker's StatusError). */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/** How docker words an error for the user: daemon errors get `Error response from daemon: `. */
export function describeError(e: unknown): string {
  if (isDaemonError(e)) return `Error response from daemon: ${e.message}`;
  return messageOf(e);
}
