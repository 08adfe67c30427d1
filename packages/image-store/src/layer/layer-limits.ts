/** Bounds on what one layer tar may contain; anything past them is refused with InvalidArgumentError. */
export interface LayerLimits {
  /** Entries (files, dirs, links, devices, whiteouts), not counting PAX and GNU long-name records. */
  maxEntries?: number;
  /** Bytes of one regular file. */
  maxEntrySize?: number;
  /** Bytes of all regular files together. */
  maxTotalSize?: number;
  /** Bytes of an entry's path (and of a link target) after cleaning. */
  maxPathLength?: number;
}

export type ResolvedLayerLimits = Required<LayerLimits>;

export const DEFAULT_LAYER_LIMITS: ResolvedLayerLimits = {
  maxEntries: 1_000_000,
  maxEntrySize: 64 * 1024 ** 3,
  maxTotalSize: 256 * 1024 ** 3,
  maxPathLength: 4096,
};

export function resolveLayerLimits(limits: LayerLimits | undefined): ResolvedLayerLimits {
  return { ...DEFAULT_LAYER_LIMITS, ...stripUndefined(limits ?? {}) };
}

function stripUndefined(l: LayerLimits): LayerLimits {
  const out: LayerLimits = {};
  for (const k of Object.keys(l) as (keyof LayerLimits)[]) {
    const v = l[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
