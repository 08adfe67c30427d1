import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configuredDetachKeys } from '../config';

/**
 * `berth attach [--no-stdin] [--sig-proxy=false] [--detach-keys] CONTAINER`: wait (no condition)
 * first, inspect (refuse a stopped container, read Tty/OpenStdin), attach (with the detach keys of
 * the flag or the config file), resize to the terminal (docker's one-bigger-then-real nudge, so the
 * shell redraws) and on every SIGWINCH, stream; exit with the wait's code. The detach keys leave
 * with docker's `read escape sequence`, exit 1, the container running on.
 */
export async function run(ctx: CliContext, argv: { container: string; noStdin?: boolean; sigProxy?: boolean; detachKeys?: string; config?: string }): Promise<ExitCode> {
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
    const detachKeys = argv.detachKeys ?? configuredDetachKeys(ctx, argv.config);
    const attached = await client.containers.attach(info.Id, { stdin, stdout: true, stderr: true, stream: true, tty, detachKeys });
    const resize = (h: number, w: number) => client.containers.resize(info.Id, h, w);
    const pump = pumpAttached(ctx, client, info.Id, attached, { stdin, tty, sigProxy: argv.sigProxy !== false, forceExit: true, detachKeys, resize });
    const out = ctx.io.stdout;
    if (tty && out.isTTY && out.rows && out.columns) {
      await resize(out.rows + 1, out.columns + 1).catch(() => undefined);
      pump.resizeNow();
    }
    wait.result.catch(() => undefined);
    const how = await pump.done;
    pump.stop();
    if (how === 'detached') {
      wait.cancel();
      ctx.io.stderr.write('read escape sequence\n');
      return 1;
    }
    if (how === 'forced') {
      wait.cancel();
      return 1;
    }
    const status = await wait.result;
    if (status.Error?.Message) {
      ctx.io.stderr.write(`${status.Error.Message}\n`);
      return 1;
    }
    return status.StatusCode;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
