import { InvalidArgumentError } from '@berth/errdefs';

/** `--filter k=v` flags to the filters map (`{"k":["v"]}`); `k` without `=` is refused like docker. */
export function parseFilterFlags(list: string[] | string | undefined): Record<string, string[]> {
  const out = new Map<string, string[]>();
  const items = Array.isArray(list) ? list : list ? [list] : [];
  for (const f of items) {
    const i = f.indexOf('=');
    if (i < 0) throw new InvalidArgumentError(`bad format of filter (expected name=value)`);
    const k = f.slice(0, i).trim().toLowerCase();
    const v = f.slice(i + 1).trim();
    const vs = out.get(k);
    if (vs) vs.push(v);
    else out.set(k, [v]);
  }
  // own keys (fromEntries): `--filter __proto__=x` is a filter the daemon refuses by name, not a crash
  return Object.fromEntries(out);
}
