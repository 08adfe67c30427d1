import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth wait CONTAINER...`: prints each exit code. */
export function run(ctx: CliContext, argv: { containers: string[] }): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    const w = await client.containers.wait(c);
    const r = await w.result;
    return String(r.StatusCode);
  });
}
