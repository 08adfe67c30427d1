import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { codeOf, publicMessage, type ErrorCode } from '@berth/errdefs';

const CODES: Record<ErrorCode, Status> = {
  NOT_FOUND: Status.NOT_FOUND,
  ALREADY_EXISTS: Status.ALREADY_EXISTS,
  CONFLICT: Status.FAILED_PRECONDITION,
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: Status.FAILED_PRECONDITION,
  NOT_MODIFIED: Status.FAILED_PRECONDITION,
  UNAUTHORIZED: Status.UNAUTHENTICATED,
  FORBIDDEN: Status.PERMISSION_DENIED,
  UNAVAILABLE: Status.UNAVAILABLE,
  NOT_IMPLEMENTED: Status.UNIMPLEMENTED,
  CANCELLED: Status.CANCELLED,
  DATA_LOSS: Status.DATA_LOSS,
  INTERNAL: Status.UNKNOWN,
};

/** A gRPC status error carrying an explicit code. */
export class GrpcStatusError extends Error {
  constructor(
    readonly grpcCode: Status,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcStatusError';
  }
}

/**
 * The one place berth's error kinds become gRPC status codes (as the daemon does for HTTP); the
 * message is the one every remote client gets (errdefs `publicMessage`: no path under
 * `hostPaths`, berthd's data root).
 */
export function toServiceError(e: unknown, hostPaths: readonly string[] = []): Partial<ServiceError> {
  const msg = publicMessage(e, hostPaths);
  if (e instanceof GrpcStatusError) return { code: e.grpcCode, details: msg, message: msg };
  return { code: CODES[codeOf(e)], details: msg, message: msg };
}
