/**
 * `X-Docker-Container-Path-Stat` (HEAD/GET /containers/{id}/archive): base64 of this JSON. `mode`
 * is a Go os.FileMode (directory bit 0x80000000, symlink 0x8000000), `linkTarget` the link's
 * target resolved inside the container.
 */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

export function encodePathStat(s: ContainerPathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

/** The header's value decoded; undefined when it is missing, an Error when it is not base64 JSON. */
export function decodePathStat(value: string | string[] | undefined): ContainerPathStat | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const s = JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as unknown;
  if (typeof s !== 'object' || s === null) throw new Error(`${PATH_STAT_HEADER}: not a JSON object`);
  return s as ContainerPathStat;
}
