import type { sendUnaryData, ServerUnaryCall, UntypedHandleCall } from '@grpc/grpc-js';
import type { Logger } from '@berth/log';
import { messageOf } from '@berth/errdefs';
import { toServiceError } from './grpc-errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CRI messages are proto-loader objects shaped by api.proto (snake_case fields), not by TypeScript types
export type Message = any;
export type UnaryHandler = (req: Message, call: ServerUnaryCall<Message, Message>) => Promise<Message>;

/**
 * Async handlers → grpc-js unary handlers: a thrown error becomes its gRPC status (grpc-errors.ts),
 * without the paths under `hostPaths` (the whole text is logged).
 */
export function unaryHandlers(service: string, handlers: Record<string, UnaryHandler>, logger: Logger, hostPaths: readonly string[] = []): Record<string, UntypedHandleCall> {
  const out: Record<string, UntypedHandleCall> = {};
  for (const [name, fn] of Object.entries(handlers)) {
    out[name] = (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>): void => {
      const t0 = process.hrtime.bigint();
      fn(call.request, call).then(
        (res) => {
          logger.debug({ rpc: `${service}/${name}`, ms: Number(process.hrtime.bigint() - t0) / 1e6 }, 'cri call');
          callback(null, res ?? {});
        },
        (e: unknown) => {
          logger.debug({ rpc: `${service}/${name}`, err: messageOf(e) }, 'cri call failed');
          callback(toServiceError(e, hostPaths), null);
        },
      );
    };
  }
  return out;
}
