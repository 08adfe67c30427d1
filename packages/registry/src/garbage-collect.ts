import type { BlobStore } from './blob-store';
import type { Logger } from '@berth/log';
import type { RegistryMetadata } from './registry-metadata';

export interface GcResult {
  /** Blobs removed (or that would be, with dryRun). */
  removed: string[];
  kept: number;
}

export interface GcOptions {
  /** Report, delete nothing. */
  dryRun?: boolean;
  /**
   * Keep blobs linked within this many milliseconds even if no manifest names them yet (a
   * push in flight). 0 (the default) is for an offline registry: everything unreferenced goes.
   */
  graceMs?: number;
  now?: () => number;
}

/**
 * Mark and sweep: blobs named by no manifest of any repository, and manifests' own bytes
 * that no repository holds, are deleted; blob links to them are dropped. With a grace period,
 * blobs uploaded recently survive, which makes it safe to run while pushes go on (a push that
 * takes longer than the grace between a blob and its manifest would lose the blob).
 */
export async function garbageCollect(meta: RegistryMetadata, blobs: BlobStore, log: Logger, opts: GcOptions = {}): Promise<GcResult> {
  const now = (opts.now ?? Date.now)();
  const graceSince = opts.graceMs && opts.graceMs > 0 ? now - opts.graceMs : Number.MAX_SAFE_INTEGER;
  const referenced = await meta.markReferenced(graceSince, opts.dryRun ?? false);
  const removed: string[] = [];
  let kept = 0;
  for await (const d of blobs.list()) {
    if (referenced.has(d)) {
      kept++;
      continue;
    }
    removed.push(d);
    if (!opts.dryRun) await blobs.delete(d);
  }
  log.info({ removed: removed.length, kept, dryRun: opts.dryRun ?? false, graceMs: opts.graceMs ?? 0 }, 'garbage collection done');
  return { removed, kept };
}
