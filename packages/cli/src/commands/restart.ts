import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth restart [-s SIGNAL] [-t N] CONTAINER...`. */
export function run(ctx: CliContext, argv: { containers: string[]; time?: number; signal?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.restart(c, { timeout: argv.time, ...(argv.signal ? { stopSignal: argv.signal } : {}) });
    return c;
  });
}
