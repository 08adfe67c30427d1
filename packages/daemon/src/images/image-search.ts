import { checkFilterKeys, goAtoi, type Filters, type Int64 } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import type { RegistryClientOptions } from '@berth/registry-client';
import { silentLogger, type Logger } from '@berth/log';
import { parseGoBool } from '@berth/oci';
import { registryClientFor } from './registry-client-module';

/** One `GET /images/search` result, as the registry's index gives it. */
export interface ImageSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

const DEFAULT_LIMIT = 25;

function boolFilter(f: Filters, key: string): boolean | undefined {
  const v = f.get(key);
  if (!v?.length) return undefined;
  const b = v.length === 1 ? parseGoBool(v[0]!) : undefined;
  if (b === undefined) throw new InvalidArgumentError(`invalid filter '${key}=${v.join(',')}'`);
  return b;
}

/**
 * The index (registry) a search term names, and the term sent to it: `busybox` and `user/x` ask
 * Docker Hub's index; a first component with a `.` or `:`, or `localhost`, names a registry
 * (`127.0.0.1:5000/busy` asks 127.0.0.1:5000 for `busy`), as dockerd's splitReposSearchTerm.
 */
export function splitSearchTerm(term: string): { domain: string; remote: string } {
  const i = term.indexOf('/');
  const first = i < 0 ? '' : term.slice(0, i);
  if (i < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) {
    return { domain: 'docker.io', remote: term.startsWith('library/') ? term.slice('library/'.length) : term };
  }
  const domain = first === 'index.docker.io' ? 'docker.io' : first;
  const remote = term.slice(i + 1);
  return { domain, remote: domain === 'docker.io' && remote.startsWith('library/') ? remote.slice('library/'.length) : remote };
}

/**
 * `GET /images/search` as dockerd answers it: the filters (`is-official`, `stars`, the deprecated
 * `is-automated`, which yields nothing when true) checked first, then the index's `/v1/search`,
 * then the filters applied; `is_automated` is always false (Docker Hub's value is untrustworthy).
 */
export async function searchImages(
  req: { term: string; limit?: string; filters: Filters; authHeader?: string; signal?: AbortSignal },
  opts: { logger?: Logger; registry?: Omit<RegistryClientOptions, 'credentials' | 'logger'> } = {},
): Promise<ImageSearchResult[]> {
  let limit = 0;
  if (req.limit !== undefined && req.limit !== '') {
    limit = Number(atoi(req.limit, 'invalid limit specified: '));
    if (limit < 0) throw new InvalidArgumentError('invalid limit specified');
  }
  if (limit === 0) limit = DEFAULT_LIMIT;
  checkFilterKeys(req.filters, ['is-automated', 'is-official', 'stars']);
  if (boolFilter(req.filters, 'is-automated')) return [];
  const official = boolFilter(req.filters, 'is-official');
  let minStars = 0;
  for (const s of req.filters.get('stars') ?? []) {
    minStars = Math.max(minStars, Number(atoi(s, `invalid filter 'stars=${s}': `)));
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(req.term)) throw new InvalidArgumentError(`invalid repository name: repository name (${req.term}) should not have a scheme`);
  if (limit < 1 || limit > 100) throw new InvalidArgumentError(`limit ${limit} is outside the range of [1, 100]`);
  const { domain, remote } = splitSearchTerm(req.term);
  const client = registryClientFor(domain, req.authHeader, opts.registry ?? {}, opts.logger ?? silentLogger);
  const found = await client.search(domain, remote, limit, req.signal ? { signal: req.signal } : {});
  const out: ImageSearchResult[] = [];
  for (const r of found.results ?? []) {
    const item = { name: String(r.name ?? ''), description: String(r.description ?? ''), star_count: Number(r.star_count ?? 0), is_official: r.is_official === true, is_automated: false };
    if (official !== undefined && item.is_official !== official) continue;
    if (req.filters.has('stars') && item.star_count < minStars) continue;
    out.push(item);
  }
  return out;
}

/** Go's strconv.Atoi with moby's wording before its text (`invalid limit specified: strconv.Atoi: …`). */
function atoi(s: string, prefix: string): Int64 {
  try {
    return goAtoi(s);
  } catch (e) {
    throw new InvalidArgumentError(`${prefix}${(e as Error).message}`);
  }
}
