import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { codeOf, messageOf, type ErrorCode } from '@berth/errdefs';

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

/** The one place berth's error kinds become gRPC status codes (as the daemon does for HTTP). */
export function toServiceError(e: unknown): Partial<ServiceError> {
  if (e instanceof GrpcStatusError) return { code: e.grpcCode, details: e.message, message: e.message };
  const msg = messageOf(e);
  return { code: CODES[codeOf(e)], details: msg, message: msg };
}
