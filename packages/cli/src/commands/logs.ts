import { demultiplex } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { parseTimestamp } from '../format/timestamp';

export interface LogsArgv {
  container: string;
  follow?: boolean;
  timestamps?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  details?: boolean;
}

/** `berth logs`: inspect (for Config.Tty), then the logs of the full ID, demultiplexed unless TTY. */
export async function run(ctx: CliContext, argv: LogsArgv): Promise<ExitCode> {
  const client = ctx.client('fast');
  const info = await client.containers.inspect(argv.container);
  const now = ctx.now();
  const body = await client.containers.logs(info.Id, {
    follow: argv.follow,
    timestamps: argv.timestamps,
    tail: argv.tail ?? 'all',
    since: argv.since ? parseTimestamp(argv.since, now) : undefined,
    until: argv.until ? parseTimestamp(argv.until, now) : undefined,
  });
  const unhook = ctx.onSignal('SIGINT', () => body.destroy());
  const unhookTerm = ctx.onSignal('SIGTERM', () => body.destroy());
  const streams = info.Config?.Tty ? { stdout: body, stderr: undefined } : demultiplex(body);
  const pipe = (src: NodeJS.ReadableStream | undefined, dst: NodeJS.WritableStream) =>
    new Promise<void>((resolve) => {
      if (!src) return resolve();
      src.on('data', (c: Buffer) => dst.write(c));
      src.on('end', resolve);
      src.on('close', resolve);
      src.on('error', () => resolve());
    });
  await Promise.all([pipe(streams.stdout, ctx.io.stdout), pipe(streams.stderr, ctx.io.stderr)]);
  unhook();
  unhookTerm();
  return 0;
}
