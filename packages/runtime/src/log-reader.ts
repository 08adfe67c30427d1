import { NotImplementedError } from '@berth/errdefs';
import type { LogEntry, ReadLogsOptions } from './types';

/** Reads a Docker json-file log. */
// eslint-disable-next-line require-yield
export async function* readLogs(_file: string, _opts: ReadLogsOptions = {}): AsyncIterable<LogEntry> {
  throw new NotImplementedError('readLogs: not implemented yet');
}
