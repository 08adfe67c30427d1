import { checkFilterKeys, type Filters } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import type { NetworkInfo } from '@berth/network';
import { labelMatches } from '../containers/container-filters';
import { parseUntil } from '../server/parse-until';

/** Docker's filter match of a name or id: equal, or the value as a regular expression found in it. */
function fieldMatch(values: string[] | undefined, field: string): boolean {
  if (!values || !values.length) return true;
  return values.some((v) => {
    if (v === field) return true;
    try {
      return new RegExp(v).test(field);
    } catch {
      return false;
    }
  });
}

/** `GET /networks` filters (name, id, label, driver, type, scope, dangling) as a predicate; 400 for bad ones. */
export function networkListFilter(f: Filters): (n: NetworkInfo) => boolean {
  checkFilterKeys(f, ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling']);
  for (const t of f.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw new InvalidArgumentError(`invalid filter: 'type'='${t}'`);
  const dangling = f.get('dangling');
  let danglingOnly: boolean | undefined;
  if (dangling?.length) {
    const v = dangling[0]!.toLowerCase();
    if (v === 'true' || v === '1') danglingOnly = true;
    else if (v === 'false' || v === '0') danglingOnly = false;
    else throw new InvalidArgumentError(`invalid filter 'dangling=${dangling[0]}'`);
  }
  return (n) => {
    if (!fieldMatch(f.get('name'), n.name)) return false;
    if (!fieldMatch(f.get('id'), n.id)) return false;
    if (f.get('driver')?.length && !f.get('driver')!.includes(n.driver)) return false;
    if (f.get('scope')?.length && !f.get('scope')!.includes(n.scope)) return false;
    const types = f.get('type');
    if (types?.length && !types.includes(n.predefined ? 'builtin' : 'custom')) return false;
    if (!(f.get('label') ?? []).every((l) => labelMatches(n.labels, l))) return false;
    if (danglingOnly === true && (n.predefined || n.endpoints.length > 0)) return false;
    if (danglingOnly === false && !n.predefined && n.endpoints.length === 0) return false;
    return true;
  };
}

/** `POST /networks/prune` filters (until, label, label!) as the networks to remove; 400 for bad ones. */
export function networkPruneFilter(f: Filters, now = Date.now()): (n: NetworkInfo) => boolean {
  checkFilterKeys(f, ['until', 'label', 'label!']);
  const until = f.get('until')?.map((v) => parseUntil(v, now).getTime());
  const want = f.get('label') ?? [];
  const notWant = f.get('label!') ?? [];
  return (n) =>
    (!until || until.every((t) => Date.parse(n.created) < t)) &&
    want.every((l) => labelMatches(n.labels, l)) &&
    !notWant.some((l) => labelMatches(n.labels, l));
}
