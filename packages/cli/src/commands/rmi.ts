import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';

/** `berth rmi [-f] [--no-prune] IMAGE...`: `Untagged: x` / `Deleted: sha256:..` lines, one DELETE after another. */
export async function run(ctx: CliContext, argv: { images: string[]; force?: boolean; noPrune?: boolean }): Promise<ExitCode> {
  const client = ctx.client('general');
  let failed = false;
  for (const name of argv.images) {
    try {
      const items = await client.images.remove(name, { force: argv.force, noPrune: argv.noPrune });
      for (const it of items) {
        if (it.Untagged) ctx.io.stdout.write(`Untagged: ${it.Untagged}\n`);
        if (it.Deleted) ctx.io.stdout.write(`Deleted: ${it.Deleted}\n`);
      }
    } catch (e) {
      // docker: with -f, a missing image is reported but the command succeeds
      if (!argv.force || statusCodeOf(e) !== 404) failed = true;
      ctx.io.stderr.write(`${describeError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}
