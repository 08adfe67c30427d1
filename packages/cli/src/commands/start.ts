import { statusCodeOf } from '@berth/client';
import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configuredDetachKeys } from '../config';
import { forEachArg } from './for-each';

/**
 * `berth start [-a] [-i] [--detach-keys] CONTAINER...`: prints each name; with -a, attaches and
 * exits with the container's code; the detach keys (flag, else the config file's) leave it
 * running, exit 0 with nothing printed, as docker's start.
 */
export async function run(ctx: CliContext, argv: { containers: string[]; attach?: boolean; interactive?: boolean; detachKeys?: string; config?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  if (!argv.attach && !argv.interactive) {
    return forEachArg(ctx, argv.containers, async (c) => {
      // 304: already running; docker prints the name and succeeds
      await client.containers.start(c).catch((e: unknown) => {
        if (statusCodeOf(e) !== 304) throw e;
      });
      return c;
    }, { sequential: true, summary: (f) => `Error: failed to start containers: ${f.join(', ')}` });
  }
  if (argv.containers.length > 1) {
    ctx.io.stderr.write('you cannot start and attach multiple containers at once\n');
    return 1;
  }
  const name = argv.containers[0]!;
  try {
    const info = await client.containers.inspect(name);
    const tty = !!info.Config?.Tty;
    const stdin = !!argv.interactive && !!info.Config?.OpenStdin;
    const detachKeys = argv.detachKeys ?? configuredDetachKeys(ctx, argv.config);
    const attached = await client.containers.attach(info.Id, { stdin, stdout: true, stderr: true, stream: true, tty, ...(detachKeys ? { detachKeys } : {}) });
    const wait = await client.containers.wait(info.Id, { condition: 'next-exit' });
    const pump = pumpAttached(ctx, client, info.Id, attached, { stdin, tty, ...(detachKeys ? { detachKeys } : {}) });
    try {
      await client.containers.start(info.Id);
    } catch (e) {
      pump.stop();
      wait.cancel();
      throw e;
    }
    wait.result.catch(() => undefined);
    if ((await pump.done) === 'detached') {
      pump.stop();
      wait.cancel();
      return 0;
    }
    const status = await wait.result;
    pump.stop();
    return status.StatusCode;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
