import type { CliContext, ExitCode } from '../cli-context';
import { writeOutput } from './output-file';

/** `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar. */
export async function run(ctx: CliContext, argv: { container: string; output?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  await writeOutput(ctx, argv.output, () => client.containers.export(argv.container), 'failed to export container');
  return 0;
}
