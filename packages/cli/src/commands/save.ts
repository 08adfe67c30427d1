import type { CliContext, ExitCode } from '../cli-context';
import { writeOutput } from './output-file';

/** `berth save [-o FILE] IMAGE...`: `GET /images/get?names=..` to the file or a non-terminal stdout. */
export async function run(ctx: CliContext, argv: { images: string[]; output?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  await writeOutput(ctx, argv.output, () => client.images.save(argv.images));
  return 0;
}
