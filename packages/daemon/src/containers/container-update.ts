import { ConflictError, FailedPreconditionError, InternalError, InvalidArgumentError } from '@berth/errdefs';
import type { HostConfig } from '@berth/api';
import type { ContainerContext } from './container-context';
import type { UpdateOptions } from './container-service';
import { resourceLimitsOf } from './spec-input';
import { checkUpdateNumbers, validateCreate } from './validate-create';

/** HostConfig fields `docker update` changes (non-zero values only; PidsLimit whenever given). */
const RESOURCES = [
  'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota',
  'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
] as const;

/** A stored or checked integer field (an Int64: a number or, beyond 2^53, a bigint) as a bigint. */
function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
}

/**
 * moby's UpdateContainer checks of the update against what the container has (a 409,
 * `conflictingUpdateOptions`, wrapped `Cannot update container ID: …`): NanoCPUs replace
 * CPUPeriod/CPUQuota and the reverse, a Memory above the stored MemorySwap needs a MemorySwap in
 * the same update (so a container created without a memory limit, MemorySwap 0, cannot be given
 * one without it), and an AutoRemove container keeps restart policy `no`.
 */
function updateConflict(stored: HostConfig, u: Record<string, unknown>): string | undefined {
  const nano = big(u.NanoCpus);
  if (nano > 0n && big(stored.CpuPeriod) > 0n) return 'Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set';
  if (nano > 0n && big(stored.CpuQuota) > 0n) return 'Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set';
  if (big(u.CpuPeriod) > 0n && big(stored.NanoCpus) > 0n) return 'Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set';
  if (big(u.CpuQuota) > 0n && big(stored.NanoCpus) > 0n) return 'Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set';
  const memory = big(u.Memory);
  if (memory !== 0n && memory > big(stored.MemorySwap) && big(u.MemorySwap) === 0n) {
    return 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time';
  }
  const rp = u.RestartPolicy as { Name?: string } | undefined;
  if (rp?.Name && stored.AutoRemove && rp.Name !== 'no') return 'Restart policy cannot be updated because AutoRemove is enabled for the container';
  return undefined;
}

/**
 * `docker update`, as Docker 20.10's ContainerUpdate: the body's resources and restart policy
 * checked alone as an update (verifyContainerSettings with `update`: 400s, and warnings such as
 * the kernel memory one, whose value is discarded), then against what the container has
 * (UpdateContainer's conflicts, 409s), then merged: a zero value changes nothing, PidsLimit 0 or
 * less is "unlimited". A running (or paused) container gets the limits live first, and nothing
 * is stored when the kernel refuses. One refusal of berth's own (Docker stores it, and the
 * container then fails to start or the live update fails): a MemorySwap the update leaves
 * below the Memory, `Minimum memoryswap limit should be larger than memory limit, see usage`.
 * A limit the runtime refuses live is Docker's `errdefs.System` (a 500), `Cannot update container
 * ID: …`. `opts.pidsLimit` false (a request below API 1.40): the body's PidsLimit is decoded, then
 * dropped, as postContainerUpdate drops it.
 */
export async function updateContainer(ctx: ContainerContext, ref: string, body: unknown, opts: UpdateOptions = {}): Promise<{ Warnings: string[] | null }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('update: the request body must be a JSON object');
  checkUpdateNumbers(body as Record<string, unknown>); // Go's decoder's refusals come first, naming UpdateConfig's fields
  const b: Record<string, unknown> = opts.pidsLimit === false ? { ...body, PidsLimit: undefined } : (body as Record<string, unknown>);
  const e = ctx.mustGet(ref);
  const id = e.rec.id;
  // the fields the update carries (Docker's UpdateContainer: a zero value changes nothing)
  const carried = new Set<string>();
  const given: Record<string, unknown> = {};
  for (const k of RESOURCES) {
    const v = b[k];
    if (v === undefined || v === null) continue;
    if (k === 'PidsLimit') {
      // the route's rule: 0 or less is "unlimited", and given, it is set
      given[k] = typeof v === 'number' && v <= 0 ? 0 : v;
      carried.add(k);
      continue;
    }
    if (v === 0 || v === '') continue;
    given[k] = v;
    carried.add(k);
  }
  if (b.KernelMemory !== undefined) given.KernelMemory = b.KernelMemory;
  const rp = b.RestartPolicy as { Name?: unknown } | undefined | null;
  if (rp !== undefined && rp !== null) given.RestartPolicy = rp;
  const { hostConfig: checked, warnings } = validateCreate({ Image: 'update', HostConfig: given }, ctx.runtimeNames(), { update: true });
  const policyGiven = typeof rp === 'object' && rp !== null && typeof rp.Name === 'string' && rp.Name !== '';
  if (policyGiven) carried.add('RestartPolicy');
  if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
    throw new InternalError(`Cannot update container ${id}: container is marked for removal and cannot be "update"`);
  }
  const conflict = updateConflict(e.rec.hostConfig, { ...given, RestartPolicy: policyGiven ? rp : undefined });
  if (conflict) throw new ConflictError(`Cannot update container ${id}: ${conflict}`);
  const next = { ...e.rec.hostConfig };
  for (const k of carried) {
    const v = (checked as Record<string, unknown>)[k];
    (next as Record<string, unknown>)[k] = k === 'PidsLimit' && v === null ? 0 : v;
  }
  if (big(next.MemorySwap) > 0n && big(next.Memory) > 0n && big(next.MemorySwap) < big(next.Memory) && (carried.has('Memory') || carried.has('MemorySwap'))) {
    throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  const resourcesChanged = [...carried].some((k) => k !== 'RestartPolicy');
  if (resourcesChanged && (e.rec.state.status === 'running' || e.rec.state.status === 'paused')) {
    // Applied live first (as docker: a limit the kernel refuses is an error and nothing is stored).
    const rt = ctx.runtimeFor(e);
    if (!rt.update) {
      throw new FailedPreconditionError(`Cannot update container ${id}: the runtime cannot change limits live`);
    }
    try {
      // (a PidsLimit lifted to "unlimited" reaches the cgroup at the next start, as in Docker 20.10,
      // whose runtime update skips a pids limit of 0; crun cannot write `max` on cgroup v1)
      await rt.update(id, resourceLimitsOf({ hostConfig: next }));
    } catch (err) {
      // moby: errCannotUpdate(ctr.ID, errdefs.System(err))
      throw new InternalError(`Cannot update container ${id}: ${(err as Error).message}`, { cause: err });
    }
  }
  await ctx.store.updateHostConfig(id, next);
  e.rec.hostConfig = next;
  ctx.emit(e, 'update');
  return { Warnings: warnings.length ? warnings : null };
}
