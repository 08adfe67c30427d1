import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { forEachArg } from './for-each';

/** `berth restart [-s SIGNAL] [-t N] CONTAINER...`. */
export async function run(ctx: CliContext, argv: { containers: string[]; time?: string; signal?: string }): Promise<ExitCode> {
  // pflag parses -t before anything runs
  const timeout = intFlag(argv.time, '-t, --timeout', { prog: ctx.prog, command: 'restart', synopsis: '[OPTIONS] CONTAINER [CONTAINER...]' });
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.restart(c, { timeout, ...(argv.signal ? { stopSignal: argv.signal } : {}) });
    return c;
  });
}
