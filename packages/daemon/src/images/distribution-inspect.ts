import { InvalidArgumentError, messageOf } from '@berth/errdefs';
import type { RegistryClientOptions } from '@berth/registry-client';
import { registryClientFor } from './registry-client-module';
import { parseReference, withDefaultTag, type Reference } from '@berth/oci';
import { silentLogger, type Logger } from '@berth/log';

/** `GET /distribution/{name}/json`: `{Descriptor, Platforms}` as dockerd answers it. */
export async function inspectDistribution(
  req: { reference: string; authHeader?: string; signal?: AbortSignal },
  opts: { logger?: Logger; registry?: Omit<RegistryClientOptions, 'credentials' | 'logger'> } = {},
): Promise<{ Descriptor: { mediaType: string; digest: string; size: number }; Platforms: unknown[] }> {
  let ref: Reference;
  try {
    ref = withDefaultTag(parseReference(req.reference));
  } catch (e) {
    throw new InvalidArgumentError(messageOf(e));
  }
  const client = registryClientFor(ref.domain, req.authHeader, opts.registry ?? {}, opts.logger ?? silentLogger);
  const d = await client.inspectDistribution(ref, req.signal ? { signal: req.signal } : {});
  return { Descriptor: { mediaType: d.descriptor.mediaType, digest: d.descriptor.digest, size: d.descriptor.size }, Platforms: d.platforms };
}
