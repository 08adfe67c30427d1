import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth pause CONTAINER...` / `berth unpause CONTAINER...` (`unpause` set by the command table). */
export function run(ctx: CliContext, argv: { containers: string[] }, unpause = false): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await (unpause ? client.containers.unpause(c) : client.containers.pause(c));
    return c;
  });
}
