import type { ExecCreateRequest } from '@berth/api';
import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configuredDetachKeys } from '../config';
import { FlagValueError, envValues, readEnvFile } from '../run-options';
import { reportFlagError } from './run';

export interface ExecArgv {
  container: string;
  args?: (string | number)[];
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  privileged?: boolean;
  detachKeys?: string;
  config?: string;
}

/**
 * `berth exec`: create the exec (the CLI's body, field for field), start it hijacked (or detached
 * with -d), then exit with the exec's ExitCode from `GET /exec/{id}/json`. The docker CLI inspects
 * the container first and uses nothing of the answer: berth leaves that round trip out (the exec
 * create answers a missing or stopped container with the same errors).
 */
export async function run(ctx: CliContext, argv: ExecArgv): Promise<ExitCode> {
  // (CONTAINER and a command: the CLI's argument count, before this runs)
  const cmd = (argv.args ?? []).map(String);
  if (argv.tty && argv.interactive && !argv.detach && !ctx.io.stdin.isTTY) {
    ctx.io.stderr.write('the input device is not a TTY\n');
    return 1;
  }
  let env: string[];
  try {
    env = [...(argv.envFile ?? []).flatMap((f) => readEnvFile(f, ctx.env)), ...envValues(argv.env ?? [], ctx.env, true)];
  } catch (e) {
    if (e instanceof FlagValueError) return reportFlagError(ctx, 'exec', e);
    ctx.io.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const client = ctx.client('fast');
  try {
    const body: ExecCreateRequest = {
      User: argv.user ?? '',
      Privileged: !!argv.privileged,
      Tty: !!argv.tty,
      AttachStdin: !!argv.interactive && !argv.detach,
      AttachStderr: !argv.detach,
      AttachStdout: !argv.detach,
      Detach: !!argv.detach,
      DetachKeys: argv.detachKeys ?? configuredDetachKeys(ctx, argv.config) ?? '',
      Env: env.length ? env : null,
      WorkingDir: argv.workdir ?? '',
      Cmd: cmd,
    };
    // the terminal's size from the start (docker sends ConsoleSize from API 1.42; berthd takes it)
    const out = ctx.io.stdout;
    if (argv.tty && !argv.detach && out.isTTY && out.rows && out.columns) (body as ExecCreateRequest & { ConsoleSize?: [number, number] }).ConsoleSize = [out.rows, out.columns];
    const id = await client.exec.create(argv.container, body);
    if (argv.detach) {
      await client.exec.startDetached(id, { Tty: !!argv.tty });
      return 0;
    }
    const attached = await client.exec.start(id, { Tty: !!argv.tty });
    const pump = pumpAttached(ctx, client, argv.container, attached, {
      stdin: !!argv.interactive,
      tty: !!argv.tty,
      sigProxy: false,
      forceExit: true,
      detachKeys: body.DetachKeys || undefined,
      resize: (h, w) => client.exec.resize(id, h, w),
    });
    if (argv.tty) pump.resizeNow();
    const how = await pump.done;
    pump.stop();
    if (how === 'detached') ctx.io.stderr.write('read escape sequence\n');
    if (how !== 'ended') return 1;
    const info = await client.exec.inspect(id);
    return info.ExitCode ?? 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
