import type { Writable } from 'node:stream';
import type { JsonMessage } from '@berth/api';
import { formatG } from './format/human-size';

export interface JsonMessagesOutputOptions {
  /** Draw docker's per-id progress lines (cursor movements); default: `out.isTTY`. */
  terminal?: boolean;
  /** Terminal width (the bar is drawn above 110 columns); default `out.columns`, else 200 as docker. */
  columns?: number;
  /** For tests: "now" in seconds, for the time-left figure. */
  now?: () => number;
}

type Out = Writable & { isTTY?: boolean; columns?: number };

const ESC = '\x1b';

/** go-units HumanSize: decimal units, 4 significant digits (`955.4kB`, `1.982MB`). */
function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${formatG(v, 4)}${units[i]}`;
}

/** Go's time.Duration String for whole seconds: `0s`, `42s`, `1m5s`, `2h0m0s`. */
function goDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${m}m${s % 60}s` : `${m}m${s % 60}s`;
}

/** pkg/jsonmessage JSONProgress.String(): `[====>   ]  1.2MB/5MB 3s`, by terminal width. */
export function progressString(d: { current?: number; total?: number; start?: number } | undefined, width: number, nowSeconds: number): string {
  const current = d?.current ?? 0;
  const total = d?.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  let pct = Math.floor(Math.floor((current / total) * 100) / 2);
  if (pct > 50) pct = 50;
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(Math.max(0, pct))}>${' '.repeat(Math.max(0, 50 - pct))}] `;
  let numbers = `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  if (current > total) numbers = humanSize(current).padStart(8);
  let left = '';
  if (current > 0 && d?.start && d.start > 0 && pct < 50 && width > 50) {
    const perByte = (nowSeconds - d.start) / current;
    left = ` ${goDuration((total - current) * perByte)}`;
  }
  return bar + numbers + left;
}

/**
 * Prints a JSON message stream the way docker's pkg/jsonmessage does.
 *
 * Not a terminal: `stream` text as is, `id: status` or `status` lines, progress updates skipped.
 * A terminal: one line per layer id, rewritten in place (cursor up, erase line, `id: status
 * [bar] n/total`, cursor down) as its messages arrive; a message without progress starts a new
 * block. Errors in the stream surface as the iterator's rejection (see @berth/client
 * `jsonMessages`). Returns the `aux` payloads seen.
 */
export async function printJsonMessages(messages: AsyncIterable<JsonMessage>, out: Out, opts: JsonMessagesOutputOptions = {}): Promise<Record<string, unknown>[]> {
  const terminal = opts.terminal ?? out.isTTY === true;
  const width = opts.columns ?? out.columns ?? 200;
  const now = opts.now ?? (() => Date.now() / 1000);
  const aux: Record<string, unknown>[] = [];
  let ids = new Map<string, number>();
  for await (const m of messages) {
    if (m.aux) {
      aux.push(m.aux);
      continue;
    }
    const hasProgress = m.progressDetail !== undefined && m.progressDetail !== null;
    if (!terminal) {
      if (m.stream !== undefined) {
        out.write(m.stream);
        continue;
      }
      if (hasProgress && (m.progressDetail!.current !== undefined || m.progressDetail!.total !== undefined)) continue;
      if (m.status === undefined) continue;
      out.write(m.id ? `${m.id}: ${m.status}\n` : `${m.status}\n`);
      continue;
    }
    let text = '';
    let diff = 0;
    if (m.id && hasProgress) {
      let line = ids.get(m.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(m.id, line);
        text += '\n';
      }
      diff = ids.size - line;
      text += `${ESC}[${diff}A`;
    } else {
      // something that is not progress: earlier lines are no longer updated
      ids = new Map();
    }
    if (m.stream !== undefined && !hasProgress) text += m.stream;
    else {
      let endl = '';
      if (hasProgress) {
        text += `${ESC}[2K\r`;
        endl = '\r';
      }
      if (m.id) text += `${m.id}: `;
      if (hasProgress) text += `${m.status ?? ''} ${progressString(m.progressDetail as { current?: number; total?: number; start?: number }, width, now())}${endl}`;
      else if (m.stream !== undefined) text += `${m.stream}${endl}`;
      else if (m.status !== undefined) text += `${m.status}${endl}\n`;
    }
    if (m.id && diff > 0) text += `${ESC}[${diff}B`;
    out.write(text);
  }
  return aux;
}
