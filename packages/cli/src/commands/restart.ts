import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { forEachArg } from './for-each';

/** `berth restart [-s SIGNAL] [-t N] CONTAINER...`. */
export async function run(ctx: CliContext, argv: { containers: string[]; timeout?: string; time?: string; signal?: string }): Promise<ExitCode> {
  // pflag parses -t before anything runs
  // docker's hidden --time (deprecated) is its own flag: its errors name it as typed
  const timeout = intFlag(argv.timeout ?? argv.time, argv.timeout === undefined && argv.time !== undefined ? '--time' : '-t, --timeout', { prog: ctx.prog, command: 'restart', synopsis: '[OPTIONS] CONTAINER [CONTAINER...]' });
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.restart(c, { timeout: timeout as number | undefined, ...(argv.signal ? { stopSignal: argv.signal } : {}) });
    return c;
  });
}
