import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';

/**
 * Runs `op` for every argument (in parallel, like docker), then prints, in argument order, the
 * argument for each success and the error for each failure. Exit 1 if any failed.
 */
export async function forEachArg(
  ctx: CliContext,
  args: string[],
  op: (arg: string) => Promise<string | undefined>,
  o: { sequential?: boolean; summary?: (failed: string[]) => string; notFailure?: (e: unknown) => boolean } = {},
): Promise<ExitCode> {
  const results: PromiseSettledResult<string | undefined>[] = [];
  if (o.sequential) {
    for (const a of args) results.push(await op(a).then((v) => ({ status: 'fulfilled' as const, value: v }), (e) => ({ status: 'rejected' as const, reason: e })));
  } else results.push(...(await Promise.allSettled(args.map(op))));
  const failed: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      if (r.value !== undefined) ctx.io.stdout.write(`${r.value}\n`);
    } else {
      // printed either way; some errors do not fail the command (`rm -f` of a missing container)
      if (!o.notFailure?.(r.reason)) failed.push(args[i]!);
      ctx.io.stderr.write(`${describeError(r.reason)}\n`);
    }
  });
  if (failed.length && o.summary) ctx.io.stderr.write(`${o.summary(failed)}\n`);
  return failed.length ? 1 : 0;
}
