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
  const streams = await client.containers.logStreams(info.Id, {
    tty: !!info.Config?.Tty,
    follow: argv.follow,
    timestamps: argv.timestamps,
    tail: argv.tail ?? 'all',
    since: argv.since ? parseTimestamp(argv.since, now, 'since') : undefined,
    until: argv.until ? parseTimestamp(argv.until, now, 'until') : undefined,
  });
  const stop = () => {
    streams.stdout.destroy();
    streams.stderr.destroy();
  };
  const unhook = ctx.onSignal('SIGINT', stop);
  const unhookTerm = ctx.onSignal('SIGTERM', stop);
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
