import { stringifyJson, type ImageConfig } from '@berth/oci';

/**
 * Serialises a config the way docker does (Go marshals it through a map): top-level keys in
 * sorted order, compact, an int64 beyond 2^53 (a bigint: a Healthcheck duration, a StopTimeout)
 * written as its digits. The bytes are what the image ID is the digest of.
 */
export function configBytes(config: ImageConfig): Buffer {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(config).sort()) {
    if (config[k] !== undefined) sorted[k] = config[k];
  }
  return Buffer.from(stringifyJson(sorted));
}
