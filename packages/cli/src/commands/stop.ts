import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { forEachArg } from './for-each';

/** `berth stop [-t N] CONTAINER...` (no `t` sent without -t: the daemon's default applies). */
export async function run(ctx: CliContext, argv: { containers: string[]; timeout?: string; time?: string; signal?: string }): Promise<ExitCode> {
  // pflag parses -t before anything runs
  // docker's hidden --time (deprecated) is its own flag: its errors name it as typed
  const timeout = intFlag(argv.timeout ?? argv.time, argv.timeout === undefined && argv.time !== undefined ? '--time' : '-t, --timeout', { prog: ctx.prog, command: 'stop', synopsis: '[OPTIONS] CONTAINER [CONTAINER...]' });
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    // 304: already stopped; docker prints the name and succeeds
    await client.containers.stop(c, { timeout: timeout as number | undefined, ...(argv.signal ? { stopSignal: argv.signal } : {}) }).catch((e: unknown) => {
      if (statusCodeOf(e) !== 304) throw e;
    });
    return c;
  });
}
