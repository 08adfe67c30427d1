import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth stop [-t N] CONTAINER...` (no `t` sent without -t: the daemon's default applies). */
export function run(ctx: CliContext, argv: { containers: string[]; time?: number }): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.stop(c, { timeout: argv.time });
    return c;
  });
}
