import type { BlobStore } from './blob-store';
import type { Logger } from './logger';
import type { RegistryMetadata } from './registry-metadata';

export interface GcResult {
  /** Blobs removed (or that would be, with dryRun). */
  removed: string[];
  kept: number;
}

/**
 * Mark and sweep: blobs named by no manifest of any repository, and manifests' own bytes
 * that no repository holds, are deleted; blob links to them are dropped. Like distribution's
 * garbage-collect it must not run while pushes are in flight (a blob uploaded but not yet
 * named by a manifest would go): run it with the registry stopped, or in read-only hours.
 */
export async function garbageCollect(meta: RegistryMetadata, blobs: BlobStore, log: Logger, dryRun = false): Promise<GcResult> {
  const referenced = await meta.markReferenced();
  const removed: string[] = [];
  let kept = 0;
  for await (const d of blobs.list()) {
    if (referenced.has(d)) {
      kept++;
      continue;
    }
    removed.push(d);
    if (!dryRun) await blobs.delete(d);
  }
  log.info({ removed: removed.length, kept, dryRun }, 'garbage collection done');
  return { removed, kept };
}
