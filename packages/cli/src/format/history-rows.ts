import type { HistoryResponseItem } from '@berth/api';
import { ellipsis, truncateId } from './go-text';
import { humanSize } from '@berth/api';
import { timeAgo } from './human-duration';
import { FormatContext, formatContextOf } from './template';

/** docker's row type, named in template errors. */
const HistoryContext = formatContextOf('*image.historyContext');

export const HISTORY_DEFAULT_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const HISTORY_RAW_FORMAT = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 formats a unix time. */
function rfc3339(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One `docker history` row. `human`: sizes and times for people (-H, the default). */
export function historyRow(h: Partial<HistoryResponseItem>, o: { trunc: boolean; human: boolean; now: number }): FormatContext {
  const id = h.Id ?? '';
  const createdBy = (h.CreatedBy ?? '').replace(/\t/g, ' ');
  return new HistoryContext({
    ID: id === '<missing>' || !o.trunc ? id : truncateId(id),
    CreatedSince: o.human ? timeAgo(h.Created ?? 0, o.now) : rfc3339(h.Created ?? 0),
    CreatedAt: rfc3339(h.Created ?? 0),
    CreatedBy: o.trunc ? ellipsis(createdBy, 45) : createdBy,
    Size: o.human ? humanSize(h.Size ?? 0) : String(h.Size ?? 0),
    Comment: h.Comment ?? '',
  });
}
