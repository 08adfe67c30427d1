import type { Writable } from 'node:stream';
import { progressString, type JsonMessage } from '@berth/api';

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
