import type { Writable } from 'node:stream';
import type { JsonMessage } from '@berth/api';

/**
 * Prints a JSON message stream the way docker does on a non-terminal: `stream` text as is,
 * `id: status` or `status` lines, progress updates skipped. Errors in the stream surface as the
 * iterator's rejection (see @berth/client `jsonMessages`). Returns the `aux` payloads seen.
 */
export async function printJsonMessages(messages: AsyncIterable<JsonMessage>, out: Writable): Promise<Record<string, unknown>[]> {
  const aux: Record<string, unknown>[] = [];
  for await (const m of messages) {
    if (m.aux) {
      aux.push(m.aux);
      continue;
    }
    if (m.stream !== undefined) {
      out.write(m.stream);
      continue;
    }
    if (m.progressDetail && (m.progressDetail.current !== undefined || m.progressDetail.total !== undefined)) continue;
    if (m.status === undefined) continue;
    out.write(m.id ? `${m.id}: ${m.status}\n` : `${m.status}\n`);
  }
  return aux;
}
