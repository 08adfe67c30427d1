import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The CRI v1 proto shipped with the package (kubernetes/cri-api, see proto/ORIGIN.md). */
export const CRI_PROTO_PATH = path.join(__dirname, '..', 'proto', 'api.proto');

/**
 * How berth reads the proto: the proto's own snake_case field names (`keepCase`), int64 as JS
 * numbers (nanosecond timestamps lose at most a few hundred ns), enums as numbers, defaults filled
 * in (an absent message field is still `null`).
 */
export const CRI_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true };

export interface CriServices {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

let cached: CriServices | undefined;

/** The `runtime.v1` RuntimeService and ImageService definitions (servers add them; clients construct them). */
export function loadCriServices(): CriServices {
  if (cached) return cached;
  const def = protoLoader.loadSync(CRI_PROTO_PATH, CRI_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: CriServices } };
  cached = { RuntimeService: pkg.runtime.v1.RuntimeService, ImageService: pkg.runtime.v1.ImageService };
  return cached;
}
