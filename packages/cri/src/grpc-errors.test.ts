import { describe, expect, it } from '@jest/globals';
import { status as Status } from '@grpc/grpc-js';
import { InternalError, NotFoundError } from '@berth/errdefs';
import { GrpcStatusError, toServiceError } from './grpc-errors';

const roots = ['/var/lib/berth'];

describe('toServiceError', () => {
  it("maps berth's error kinds to gRPC codes", () => {
    expect(toServiceError(new NotFoundError('container "x": not found'), roots)).toEqual({ code: Status.NOT_FOUND, details: 'container "x": not found', message: 'container "x": not found' });
    expect(toServiceError(new GrpcStatusError(Status.DEADLINE_EXCEEDED, 'timeout'), roots).code).toBe(Status.DEADLINE_EXCEEDED);
  });

  it("cuts the data root's paths out of the message, as the Engine API does (errdefs publicMessage), whatever the code", () => {
    const raw = Object.assign(new Error("ENOTDIR: not a directory, lstat '/var/lib/berth/cri/sandboxes/abc.json'"), { code: 'ENOTDIR' });
    expect(toServiceError(raw, roots)).toMatchObject({ code: Status.UNKNOWN, details: "ENOTDIR: not a directory, lstat 'abc.json'", message: "ENOTDIR: not a directory, lstat 'abc.json'" });
    expect(toServiceError(new InternalError('rootfs /var/lib/berth/containers/abc/rootfs: busy'), roots).details).toBe('rootfs rootfs: busy');
    expect(toServiceError(new GrpcStatusError(Status.NOT_FOUND, 'open /var/lib/berth/x/y: gone'), roots).details).toBe('open y: gone');
  });

  it('leaves paths outside the data root alone (a pod log directory, paths in containers)', () => {
    expect(toServiceError(new NotFoundError('log directory /var/log/pods/x: missing'), roots).details).toBe('log directory /var/log/pods/x: missing');
  });
});
