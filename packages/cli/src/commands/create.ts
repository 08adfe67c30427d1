import { isDaemonError } from '@berth/client';
import { describeError } from '../cli-errors';
import type { CliContext, ExitCode } from '../cli-context';
import { checkImageReference } from '../image-reference';
import { buildCreateRequest } from '../run-options';
import { type RunArgv, checkPullOption, createContainer, flagsAllowed, reportFlagError, reportRunError } from './run';

/** `berth create`: like run's first step; prints the new ID. */
export async function run(ctx: CliContext, argv: RunArgv): Promise<ExitCode> {
  const client = ctx.client('fast');
  let body;
  if (!(await flagsAllowed(ctx, client, argv))) return 1;
  try {
    body = buildCreateRequest(argv.image, (argv.args ?? []).map(String), { ...argv, detach: false }, { env: ctx.env });
  } catch (e) {
    return reportFlagError(ctx, 'create', e);
  }
  try {
    checkPullOption(argv.pull);
    checkImageReference(argv.image);
    const created = await createContainer(ctx, client, body, { name: argv.name, platform: argv.platform, config: argv.config, pull: argv.pull, quiet: argv.quiet });
    for (const w of created.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
    ctx.io.stdout.write(`${created.Id}\n`);
    return 0;
  } catch (e) {
    // docker returns the daemon's error as is from create (exit 1), and a bad image
    // reference too; its own errors are 125
    if (isDaemonError(e) || e instanceof (require('@berth/oci') as typeof import('@berth/oci')).ReferenceError) {
      ctx.io.stderr.write(`${describeError(e)}\n`);
      return 1;
    }
    reportRunError(ctx, 'create', e);
    return 125;
  }
}
