import { encodeFilters } from '@berth/api';

/** The `filters` query value, or undefined when there is nothing to filter on. */
export function optionalFilters(f: Record<string, string[]> | undefined): string | undefined {
  if (!f || Object.values(f).every((v) => v.length === 0)) return undefined;
  return encodeFilters(f);
}
