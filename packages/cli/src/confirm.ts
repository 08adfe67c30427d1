import type { CliIo } from './cli-context';
import { readLine } from './read-line';

/** docker's prompt: prints `message` and `Are you sure you want to continue? [y/N] `, reads one line. */
export async function confirm(io: CliIo, message: string, separator = '\n'): Promise<boolean> {
  io.stdout.write(`${message}${separator}Are you sure you want to continue? [y/N] `);
  const line = await readLine(io);
  return /^y(es)?$/i.test(line.trim());
}
