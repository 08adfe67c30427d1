import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth kill [-s SIGNAL] CONTAINER...` (the signal is sent as typed, `USR1`). */
export function run(ctx: CliContext, argv: { containers: string[]; signal?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.kill(c, { signal: argv.signal });
    return c;
  });
}
