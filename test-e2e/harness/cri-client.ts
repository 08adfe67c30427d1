import * as grpc from '@grpc/grpc-js';
import { loadCriServices } from '@berth/cri';

type Msg = any;

/** A gRPC client of a CRI endpoint (the repository's own proto and loader, as kubelet's would). */
export interface CriClient {
  runtime(method: string, req?: Msg, deadlineMs?: number): Promise<Msg>;
  image(method: string, req?: Msg, deadlineMs?: number): Promise<Msg>;
  close(): void;
}

export function criClient(address: string): CriClient {
  const { RuntimeService, ImageService } = loadCriServices();
  const rt = new RuntimeService(address, grpc.credentials.createInsecure());
  const im = new ImageService(address, grpc.credentials.createInsecure());
  const call = (c: grpc.Client, method: string, req: Msg, deadlineMs: number): Promise<Msg> =>
    new Promise((resolve, reject) => {
      const fn = (c as unknown as Record<string, (r: Msg, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void>)[method];
      if (!fn) return reject(new Error(`no such CRI method: ${method}`));
      fn.call(c, req, { deadline: Date.now() + deadlineMs }, (e, r) => (e ? reject(e) : resolve(r)));
    });
  return {
    runtime: (m, req = {}, deadlineMs = 60_000) => call(rt, m, req, deadlineMs),
    image: (m, req = {}, deadlineMs = 60_000) => call(im, m, req, deadlineMs),
    close: () => {
      rt.close();
      im.close();
    },
  };
}

/** The gRPC status code of a failed call (grpc.status.NOT_FOUND, ...), or undefined when it did not fail. */
export async function grpcCode(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as grpc.ServiceError).code;
  }
}
