import { ConflictError, FailedPreconditionError, InvalidArgumentError } from '@berth/errdefs';
import type { ContainerContext } from './container-context';
import { resourceLimitsOf } from './spec-input';
import { checkUpdateNumbers, validateCreate } from './validate-create';

/** HostConfig fields `docker update` changes (non-zero values only). */
const RESOURCES = [
  'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota',
  'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
];

/**
 * `docker update`: resources and the restart policy, validated as at create; a running (or
 * paused) container gets the limits live first, and nothing is stored when the kernel refuses.
 */
export async function updateContainer(ctx: ContainerContext, ref: string, body: unknown): Promise<{ Warnings: string[] | null }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('update: the request body must be a JSON object');
  const b = body as Record<string, unknown>;
  checkUpdateNumbers(b); // Go's decoder's refusals come first, naming UpdateConfig's fields
  const e = ctx.mustGet(ref);
  if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
    throw new ConflictError(`Container ${e.rec.id} is marked for removal and cannot be "update"`);
  }
  const merged: Record<string, unknown> = { ...e.rec.hostConfig };
  // the fields the update carries (Docker's UpdateContainer: a zero value changes nothing)
  const carried = new Set<string>();
  for (const k of RESOURCES) {
    const v = b[k];
    if (v === undefined || v === null || v === 0 || v === '') continue;
    merged[k] = v;
    carried.add(k);
  }
  const resourcesChanged = carried.size > 0;
  const rp = b.RestartPolicy as { Name?: unknown } | undefined | null;
  if (rp && typeof rp === 'object' && rp.Name) {
    if (e.rec.hostConfig.AutoRemove && rp.Name !== 'no') {
      throw new InvalidArgumentError('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    merged.RestartPolicy = rp;
    carried.add('RestartPolicy');
  }
  // Docker checks only what the update carries: a stored value it leaves alone is not checked
  // again. The one stored value create's rules can refuse is a MemorySwap create derived (twice
  // a Memory beyond 2^62 wraps negative in Go's int64, as Docker stores it): without Memory or
  // MemorySwap in the update it is left out of the check (and kept as stored below).
  const memoryTouched = carried.has('Memory') || carried.has('MemorySwap');
  const checked = memoryTouched ? merged : { ...merged, MemorySwap: 0 };
  const { hostConfig } = validateCreate({ Image: 'update', HostConfig: checked }, ctx.runtimeNames());
  const next = { ...e.rec.hostConfig };
  for (const k of [...RESOURCES, 'MemorySwap', 'MemorySwappiness', 'RestartPolicy'] as const) {
    // what the update carries, as checked (with what create derives from it: MemorySwap from Memory)
    const fromUpdate = k === 'MemorySwap' ? memoryTouched : carried.has(k);
    if (fromUpdate) (next as Record<string, unknown>)[k] = (hostConfig as Record<string, unknown>)[k];
  }
  if (resourcesChanged && (e.rec.state.status === 'running' || e.rec.state.status === 'paused')) {
    // Applied live first (as docker: a limit the kernel refuses is an error and nothing is stored).
    const rt = ctx.runtimeFor(e);
    if (!rt.update) {
      throw new FailedPreconditionError(`Cannot update container ${e.rec.id}: the runtime cannot change limits live`);
    }
    try {
      await rt.update(e.rec.id, resourceLimitsOf({ hostConfig: next }));
    } catch (err) {
      throw new InvalidArgumentError(`Cannot update container ${e.rec.id}: ${(err as Error).message}`);
    }
  }
  await ctx.store.updateHostConfig(e.rec.id, next);
  e.rec.hostConfig = next;
  ctx.emit(e, 'update');
  return { Warnings: null };
}
