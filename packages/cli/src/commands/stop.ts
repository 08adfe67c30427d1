import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { forEachArg } from './for-each';

/** `berth stop [-t N] CONTAINER...` (no `t` sent without -t: the daemon's default applies). */
export async function run(ctx: CliContext, argv: { containers: string[]; time?: string; signal?: string }): Promise<ExitCode> {
  // pflag parses -t before anything runs
  const timeout = intFlag(argv.time, '-t, --timeout', { prog: ctx.prog, command: 'stop', synopsis: '[OPTIONS] CONTAINER [CONTAINER...]' });
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    // 304: already stopped; docker prints the name and succeeds
    await client.containers.stop(c, { timeout, ...(argv.signal ? { stopSignal: argv.signal } : {}) }).catch((e: unknown) => {
      if (statusCodeOf(e) !== 304) throw e;
    });
    return c;
  });
}
