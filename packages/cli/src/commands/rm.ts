import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { forEachArg } from './for-each';

/** `berth rm [-f] [-v] CONTAINER...`: echoes each argument removed; with -f a missing container is reported but not a failure (as docker). */
export function run(ctx: CliContext, argv: { containers: string[]; force?: boolean; volumes?: boolean; link?: boolean }): Promise<ExitCode> {
  const client = ctx.client('fast');
  return forEachArg(ctx, argv.containers, async (c) => {
    await client.containers.remove(c, { force: argv.force, volumes: argv.volumes, link: argv.link });
    return c;
  }, { notFailure: (e) => !!argv.force && statusCodeOf(e) === 404 });
}
