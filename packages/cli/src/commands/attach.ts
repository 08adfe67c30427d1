import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';

/**
 * `berth attach [--no-stdin] [--sig-proxy=false] CONTAINER`: wait (no condition) first, inspect
 * (refuse a stopped container, read Tty/OpenStdin), attach, stream; exit with the wait's code.
 * Detach keys are not implemented.
 */
export async function run(ctx: CliContext, argv: { container: string; noStdin?: boolean; sigProxy?: boolean }): Promise<ExitCode> {
  const client = ctx.client('fast');
  try {
    const info = await client.containers.inspect(argv.container);
    if (!info.State?.Running) {
      ctx.io.stderr.write('You cannot attach to a stopped container, start it first\n');
      return 1;
    }
    if (info.State.Paused) {
      ctx.io.stderr.write('You cannot attach to a paused container, unpause it first\n');
      return 1;
    }
    const wait = await client.containers.wait(info.Id);
    const tty = !!info.Config?.Tty;
    const stdin = !argv.noStdin && !!info.Config?.OpenStdin;
    const attached = await client.containers.attach(info.Id, { stdin, stdout: true, stderr: true, stream: true, tty });
    const pump = pumpAttached(ctx, client, info.Id, attached, { stdin, tty, sigProxy: argv.sigProxy !== false });
    const [status] = await Promise.all([wait.result, pump.done]);
    pump.stop();
    return status.StatusCode;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
