import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';

/** `berth rename OLD NEW`. */
export async function run(ctx: CliContext, argv: { container: string; newName: string }): Promise<ExitCode> {
  const name = argv.newName.trim();
  if (name === '' || argv.container.trim() === '') {
    ctx.io.stderr.write('Error: Neither old nor new names may be empty\n');
    return 1;
  }
  const client = ctx.client('fast');
  try {
    await client.containers.rename(argv.container, name);
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\nError: failed to rename container named ${argv.container}\n`);
    return 1;
  }
}
