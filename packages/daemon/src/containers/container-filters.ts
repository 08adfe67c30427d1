import { InvalidArgumentError } from '@berth/errdefs';
import { checkFilterKeys, type Filters } from '@berth/api';
import type { ContainerRecord } from './container-record';
import { isContainerStatus } from './container-state';
import { endpointsOf, networkModeOf } from './network-mode';

/** Filter keys `docker ps` knows. */
export const LIST_FILTER_KEYS = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
] as const;

/** Filter keys `container prune` knows. */
export const PRUNE_FILTER_KEYS = ['label', 'label!', 'until'] as const;

/**
 * Containers of another front door (the CRI's pods and containers carry `io.berth.namespace=k8s.io`,
 * as containerd keeps them in its `k8s.io` namespace) are kept apart from berth's own: `ps` and
 * `container prune` leave them out unless a `label` filter names this key
 * (`berth ps --filter label=io.berth.namespace=k8s.io`). Same key as @berth/cri's NAMESPACE_LABEL.
 */
export const NAMESPACE_LABEL = 'io.berth.namespace';

/** Does this filter set ask for namespaced containers (a `label` filter on NAMESPACE_LABEL)? */
function namesNamespace(labelFilters: string[]): boolean {
  return labelFilters.some((l) => l.split('=')[0] === NAMESPACE_LABEL);
}

/** docker's filters.Match: each value is a regular expression searched in the subject. */
function matchesRegexp(pattern: string, subject: string): boolean {
  try {
    return new RegExp(pattern).test(subject);
  } catch {
    return subject.includes(pattern);
  }
}

/** `key` (present) or `key=value` (equal). */
export function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.prototype.hasOwnProperty.call(labels, want);
  const k = want.slice(0, i);
  return Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === want.slice(i + 1);
}

export interface ListFilterContext {
  /** Creation order of a `before`/`since` container; NotFoundError when unknown. */
  seqOf(ref: string): number;
  /** Image IDs named by the `ancestor` values (unknown names resolve to nothing). */
  ancestorIds: ReadonlySet<string>;
}

/** A predicate over container records, compiled from `docker ps` filters (400 for bad ones). */
export function compileListFilters(
  filters: Filters,
  ctx: ListFilterContext,
): { match: (rec: ContainerRecord & { seq: number }) => boolean; impliesAll: boolean } {
  checkFilterKeys(filters, LIST_FILTER_KEYS);
  const get = (k: string): string[] => filters.get(k) ?? [];
  const statuses = get('status');
  for (const s of statuses) if (!isContainerStatus(s)) throw new InvalidArgumentError(`Invalid filter 'status=${s}'`);
  const exited = get('exited').map((v) => {
    if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`Invalid filter 'exited=${v}'`);
    return Number(v);
  });
  for (const h of get('health')) {
    if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) throw new InvalidArgumentError(`Invalid filter 'health=${h}'`);
  }
  for (const v of get('is-task')) if (v !== 'true' && v !== 'false') throw new InvalidArgumentError(`Invalid filter 'is-task=${v}'`);
  const before = get('before').map((r) => ctx.seqOf(r));
  const since = get('since').map((r) => ctx.seqOf(r));
  const ancestors = get('ancestor');

  const namespaced = namesNamespace(get('label'));
  const match = (rec: ContainerRecord & { seq: number }): boolean => {
    if (!namespaced && rec.config.Labels?.[NAMESPACE_LABEL] !== undefined) return false;
    const ids = get('id');
    if (ids.length && !ids.some((p) => matchesRegexp(p, rec.id))) return false;
    const names = get('name');
    if (names.length && !names.some((p) => matchesRegexp(p, rec.name))) return false;
    const labels = rec.config.Labels ?? {};
    for (const l of get('label')) if (!labelMatches(labels, l)) return false;
    if (statuses.length && !statuses.includes(rec.state.status)) return false;
    if (exited.length) {
      const s = rec.state;
      const stopped = (s.status === 'exited' || s.status === 'created' || s.status === 'dead') && s.startedAt !== '0001-01-01T00:00:00Z';
      if (!stopped || !exited.includes(s.exitCode)) return false;
    }
    if (before.length && !before.every((b) => rec.seq < b)) return false;
    if (since.length && !since.every((b) => rec.seq > b)) return false;
    if (ancestors.length) {
      const ok = ancestors.some((a) => a === rec.image || ctx.ancestorIds.has(rec.imageId));
      if (!ok) return false;
    }
    const health = get('health');
    if (health.length && !health.includes('none')) return false;
    const isTask = get('is-task');
    if (isTask.length && !isTask.includes('false')) return false;
    const nets = get('network');
    if (nets.length) {
      // docker: the networks the container is on (connect/disconnect included), by name
      const mode = networkModeOf(rec.hostConfig.NetworkMode);
      const names = mode.kind === 'bridge' ? Object.keys(endpointsOf(rec)).map((n) => (n === 'default' ? 'bridge' : n)) : mode.kind === 'container' ? [] : [mode.kind];
      if (!nets.some((n) => names.includes(n))) return false;
    }
    const expose = get('expose');
    if (expose.length) {
      const ports = Object.keys(rec.config.ExposedPorts ?? {});
      if (!expose.some((e) => ports.includes(e.includes('/') ? e : `${e}/tcp`))) return false;
    }
    const publish = get('publish');
    if (publish.length) {
      const bound = Object.entries(rec.hostConfig.PortBindings ?? {}).flatMap(([p, bs]) => [p, ...(bs ?? []).map((b) => b.HostPort ?? '')]);
      if (!publish.some((p) => bound.includes(p) || bound.includes(`${p}/tcp`))) return false;
    }
    const volumes = get('volume');
    if (volumes.length) {
      const binds = (rec.hostConfig.Binds ?? []).flatMap((b) => b.split(':').slice(0, 2));
      const mounts = (rec.hostConfig.Mounts ?? []).flatMap((m) => [m.Source ?? '', m.Target ?? '']);
      if (!volumes.some((v) => binds.includes(v) || mounts.includes(v))) return false;
    }
    const isolation = get('isolation');
    if (isolation.length && !isolation.includes('default') && !isolation.includes(rec.hostConfig.Isolation ?? '')) return false;
    return true;
  };
  return { match, impliesAll: statuses.length > 0 };
}

/** Prune filters: `label`, `label!` and `until`. */
export function compilePruneFilters(filters: Filters, now: Date, parseTime: (v: string, now: Date) => number | undefined) {
  checkFilterKeys(filters, PRUNE_FILTER_KEYS);
  const until = (filters.get('until') ?? []).map((v) => {
    const t = parseTime(v, now);
    if (t === undefined || Number.isNaN(t)) throw new InvalidArgumentError(`invalid filter 'until=${v}'`);
    return t;
  });
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  const namespaced = namesNamespace(labels);
  return (rec: ContainerRecord): boolean => {
    const l = rec.config.Labels ?? {};
    if (!namespaced && l[NAMESPACE_LABEL] !== undefined) return false;
    if (!labels.every((x) => labelMatches(l, x))) return false;
    if (notLabels.some((x) => labelMatches(l, x))) return false;
    if (until.length && !until.every((u) => Date.parse(rec.created) < u)) return false;
    return true;
  };
}
