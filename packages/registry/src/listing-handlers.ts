import { RegistryApiError } from './errcode';
import type { RouteContext } from './route-context';

const MAX_PAGE = 10_000;

function pageParams(ctx: RouteContext, defaultN: number): { n: number; last: string | undefined } {
  const q = ctx.req.query as Record<string, unknown>;
  let n = defaultN;
  if (q['n'] !== undefined) {
    const v = typeof q['n'] === 'string' ? q['n'] : '';
    if (!/^\d+$/.test(v)) throw new RegistryApiError('PAGINATION_NUMBER_INVALID', { n: q['n'] });
    n = Math.min(Number(v), MAX_PAGE);
  }
  const last = typeof q['last'] === 'string' ? q['last'] : undefined;
  return { n, last };
}

function link(ctx: RouteContext, path: string, n: number, last: string): void {
  const q = new URLSearchParams({ n: String(n), last });
  ctx.res.setHeader('Link', `<${path}?${q.toString()}>; rel="next"`);
}

/** GET /v2/<name>/tags/list?n=&last= */
export async function listTags(ctx: RouteContext): Promise<void> {
  if (!(await ctx.deps.meta.repositoryExists(ctx.name))) throw new RegistryApiError('NAME_UNKNOWN', { name: ctx.name });
  const { n, last } = pageParams(ctx, MAX_PAGE);
  const rows = n === 0 ? [] : await ctx.deps.meta.tags(ctx.name, n + 1, last);
  const tags = rows.slice(0, n);
  if (rows.length > n) link(ctx, `/v2/${ctx.name}/tags/list`, n, tags[tags.length - 1]!);
  ctx.res.status(200).json({ name: ctx.name, tags });
}

/** GET /v2/_catalog?n=&last= */
export async function catalog(ctx: RouteContext): Promise<void> {
  const { n, last } = pageParams(ctx, 100);
  const rows = n === 0 ? [] : await ctx.deps.meta.repositories(n + 1, last);
  const repositories = rows.slice(0, n);
  if (rows.length > n) link(ctx, '/v2/_catalog', n, repositories[repositories.length - 1]!);
  ctx.res.status(200).json({ repositories });
}

/** GET /v2/: the API version check. */
export async function base(ctx: RouteContext): Promise<void> {
  ctx.res.status(200).json({});
}
