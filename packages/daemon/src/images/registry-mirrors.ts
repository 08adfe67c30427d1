import { InvalidArgumentError } from '@berth/errdefs';

/**
 * `--registry-mirror` values → registry-client's `mirrors` table (registry domain → mirror URLs,
 * tried in order before the registry itself).
 *
 *   URL               a mirror of Docker Hub (`docker.io`), as dockerd reads it
 *   REGISTRY=URL      a mirror of any other registry, e.g. `registry.example:5000=http://127.0.0.1:5001`
 *
 * URL must be http:// or https:// with a host and no path (a pull-through cache such as
 * `berth-registry --proxy-remote`); a mirror given over http:// is spoken to over http.
 */
export function parseRegistryMirrors(values: readonly string[]): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const raw of values) {
    const v = raw.trim();
    const eq = v.indexOf('=');
    const schemeAt = v.indexOf('://');
    const hasDomain = eq > 0 && (schemeAt < 0 || eq < schemeAt);
    let domain = hasDomain ? v.slice(0, eq).trim().toLowerCase() : 'docker.io';
    const urlText = hasDomain ? v.slice(eq + 1).trim() : v;
    if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = 'docker.io';
    if (domain === '' || /[/\s@]/.test(domain)) throw new InvalidArgumentError(`registry mirror ${raw}: invalid registry name ${JSON.stringify(domain)}`);
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new InvalidArgumentError(`registry mirror ${raw}: not a URL (want http[s]://host[:port], or REGISTRY=URL)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`registry mirror ${raw}: scheme must be http or https`);
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
      throw new InvalidArgumentError(`registry mirror ${raw}: a mirror is a host, without a path, query or credentials`);
    }
    (table[domain] ??= []).push(`${url.protocol}//${url.host}`);
  }
  return table;
}
