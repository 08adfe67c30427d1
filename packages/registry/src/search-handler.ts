import type { Request, Response } from 'express';
import { repoAccess, type RegistryDeps } from './route-context';

/** How many repositories one search reads from the catalog at most. */
const MAX_SCANNED = 10_000;

/**
 * `GET /v1/search?q=TERM&n=LIMIT`: the index search that `docker search REGISTRY/TERM` (dockerd)
 * asks a registry, answered over this registry's catalog: the repositories whose name contains
 * TERM (case-insensitive) and that the caller may pull, at most LIMIT (default 25, 1-100). No
 * descriptions or stars: the registry has none.
 */
export async function searchCatalog(req: Request, res: Response, deps: RegistryDeps, base: string): Promise<void> {
  const q = typeof req.query['q'] === 'string' ? req.query['q'] : '';
  const nRaw = typeof req.query['n'] === 'string' ? Number(req.query['n']) : 25;
  const n = Number.isInteger(nRaw) && nRaw >= 1 ? Math.min(nRaw, 100) : 25;
  const term = q.toLowerCase();
  const names: string[] = [];
  let last: string | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED && names.length < n; ) {
    const page = await deps.meta.repositories(1000, last);
    if (page.length === 0) break;
    scanned += page.length;
    last = page[page.length - 1];
    for (const name of page) {
      if (names.length >= n) break;
      if (!name.toLowerCase().includes(term)) continue;
      try {
        await deps.access.authorize(req.headers, repoAccess(name, 'pull'), base);
      } catch {
        continue;
      }
      names.push(name);
    }
    if (page.length < 1000) break;
  }
  const results = names.map((name) => ({ name, description: '', star_count: 0, is_official: false, is_automated: false }));
  res.status(200).json({ num_pages: 1, num_results: results.length, page: 1, page_size: n, query: q, results });
}
