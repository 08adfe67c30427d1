import { InternalError } from '@berth/errdefs';

/** A RUN step exited non-zero: the build stream's errorDetail carries `code`. */
export class RunFailedError extends InternalError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
