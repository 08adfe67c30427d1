import type { CliContext, ExitCode } from '../cli-context';
import { checkImageReference } from '../image-reference';
import { buildCreateRequest } from '../run-options';
import { type RunArgv, createContainer, reportRunError } from './run';

/** `berth create`: like run's first step; prints the new ID. */
export async function run(ctx: CliContext, argv: RunArgv): Promise<ExitCode> {
  const client = ctx.client('fast');
  try {
    checkImageReference(argv.image);
    const body = buildCreateRequest(argv.image, (argv.args ?? []).map(String), { ...argv, detach: false }, { env: ctx.env });
    const created = await createContainer(ctx, client, body, { name: argv.name, platform: argv.platform, config: argv.config });
    for (const w of created.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
    ctx.io.stdout.write(`${created.Id}\n`);
    return 0;
  } catch (e) {
    reportRunError(ctx, 'create', e);
    return 125;
  }
}
