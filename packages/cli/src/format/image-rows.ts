import type { ImageSummary } from '@berth/api';
import { familiarName, parseReference } from '@berth/oci';
import { truncateId } from './go-text';
import { humanSize } from '@berth/api';
import { goTimeString, timeAgo } from './human-duration';
import { FormatContext, formatContextOf } from './template';

/** docker's row type, named in template errors. */
const ImageContext = formatContextOf('*formatter.imageContext');

export const IMAGES_DEFAULT_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_DIGESTS_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

function isDangling(i: Partial<ImageSummary>): boolean {
  const t = i.RepoTags ?? [];
  const d = i.RepoDigests ?? [];
  if (t.length === 0 && d.length === 0) return true;
  return t.length === 1 && t[0] === '<none>:<none>' && d.length === 1 && d[0] === '<none>@<none>';
}

function context(i: Partial<ImageSummary>, repo: string, tag: string, digest: string, o: { trunc: boolean; now: number }): FormatContext {
  const size = i.Size ?? 0;
  const shared = i.SharedSize ?? 0;
  return new ImageContext({
    Containers: (i.Containers ?? 0) === -1 ? 'N/A' : String(i.Containers ?? 0),
    CreatedAt: goTimeString(i.Created ?? 0),
    CreatedSince: timeAgo(i.Created ?? 0, o.now),
    Digest: digest,
    ID: o.trunc ? truncateId(i.Id ?? '') : (i.Id ?? ''),
    Repository: repo,
    SharedSize: shared === -1 ? 'N/A' : humanSize(shared),
    Size: humanSize(size),
    Tag: tag,
    UniqueSize: shared === -1 ? 'N/A' : humanSize(size - shared, 4),
    VirtualSize: humanSize(i.VirtualSize ?? size, 4),
  });
}

/** The rows `docker images` prints for one image: one per repository tag (and digest with --digests). */
export function imageRows(i: Partial<ImageSummary>, o: { trunc: boolean; now: number; digests: boolean }): FormatContext[] {
  if (isDangling(i)) return [context(i, '<none>', '<none>', '<none>', o)];
  const tags = new Map<string, string[]>();
  const digests = new Map<string, string[]>();
  for (const s of i.RepoTags ?? []) {
    try {
      const r = parseReference(s);
      if (r.tag === undefined || r.digest !== undefined) continue;
      const n = familiarName(r);
      tags.set(n, [...(tags.get(n) ?? []), r.tag]);
    } catch {
      /* skip unparsable */
    }
  }
  for (const s of i.RepoDigests ?? []) {
    try {
      const r = parseReference(s);
      if (r.digest === undefined) continue;
      const n = familiarName(r);
      digests.set(n, [...(digests.get(n) ?? []), r.digest]);
    } catch {
      /* skip unparsable */
    }
  }
  const out: FormatContext[] = [];
  for (const [repo, ts] of tags) {
    const ds = o.digests ? (digests.get(repo) ?? []) : [];
    digests.delete(repo);
    for (const t of ts) {
      if (ds.length === 0) out.push(context(i, repo, t, '<none>', o));
      else for (const d of ds) out.push(context(i, repo, t, d, o));
    }
  }
  for (const [repo, ds] of digests) {
    if (o.digests) for (const d of ds) out.push(context(i, repo, '<none>', d, o));
    else out.push(context(i, repo, '<none>', '', o));
  }
  return out;
}
