import type { BerthClient } from '@berth/client';
import { isDaemonError, statusCodeOf } from '@berth/client';
import type { ContainerCreateRequest, ContainerCreateResponse } from '@berth/api';
import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { checkImageReference } from '../image-reference';
import { type RunFlags, buildCreateRequest } from '../run-options';

export interface RunArgv extends RunFlags {
  image: string;
  args?: (string | number)[];
  /** The global `--config` dir: where `berth login` keeps credentials for the pull. */
  config?: string;
}

/** docker's runStartContainerErr: the exit code a failed start maps to. */
export function startErrorExitCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

/** Prints `berth: <error>` and the `Run 'berth run --help'` hint, as docker does for run/create. */
export function reportRunError(ctx: CliContext, cmd: string, e: unknown): void {
  ctx.io.stderr.write(`${ctx.prog}: ${describeError(e)}\n\nRun '${ctx.prog} ${cmd} --help' for more information\n`);
}

/** create, and on a 404 from create: `Unable to find image`, pull, create again (docker's createContainer). */
export async function createContainer(
  ctx: CliContext,
  client: BerthClient,
  body: ContainerCreateRequest,
  o: { name?: string; platform?: string; config?: string },
): Promise<ContainerCreateResponse> {
  try {
    return await client.containers.create(body, o);
  } catch (e) {
    if (statusCodeOf(e) !== 404) throw e;
    const image = body.Image ?? '';
    let shown = image;
    // Only this (rare) path needs the reference parser and the pull code.
    const { familiarString, parseReference, withDefaultTag } = require('@berth/oci') as typeof import('@berth/oci');
    const { pullImage } = require('../pull-image') as typeof import('../pull-image');
    const { credentialsFor } = require('../credentials') as typeof import('../credentials');
    const { configDir } = require('../config') as typeof import('../config');
    try {
      shown = familiarString(withDefaultTag(parseReference(image)));
    } catch {
      /* show as typed */
    }
    ctx.io.stderr.write(`Unable to find image '${shown}' locally\n`);
    let auth;
    try {
      auth = credentialsFor(configDir({ config: o.config }, ctx.env), parseReference(image).domain);
    } catch {
      auth = undefined; // a bad reference: the pull reports it
    }
    await pullImage(client, image, ctx.io.stderr, o.platform, auth);
    return await client.containers.create(body, o);
  }
}

function consoleSize(ctx: CliContext): [number, number] | undefined {
  const out = ctx.io.stdout;
  return out.isTTY && out.rows && out.columns ? [out.rows, out.columns] : undefined;
}

/** `berth run`: create (pull on 404), attach unless -d, wait, start, stream, exit with the container's code. */
export async function run(ctx: CliContext, argv: RunArgv): Promise<ExitCode> {
  const client = ctx.client('fast');
  const f: RunFlags = argv;
  if (f.tty && f.interactive && !ctx.io.stdin.isTTY) {
    ctx.io.stderr.write('the input device is not a TTY\n');
    return 1;
  }
  let created: ContainerCreateResponse;
  try {
    checkImageReference(argv.image);
    const body = buildCreateRequest(argv.image, (argv.args ?? []).map(String), f, { env: ctx.env, consoleSize: consoleSize(ctx) });
    created = await createContainer(ctx, client, body, { name: f.name, platform: f.platform, config: argv.config });
  } catch (e) {
    reportRunError(ctx, 'run', e);
    return 125;
  }
  for (const w of created.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
  const id = created.Id;
  // attach and wait are both in place before start (their order does not matter to the daemon;
  // in parallel they cost one round trip instead of two)
  const attaching = f.detach ? Promise.resolve(undefined) : client.containers.attach(id, { stdin: !!f.interactive, stdout: true, stderr: true, stream: true, tty: !!f.tty });
  const waiting = client.containers.wait(id, { condition: f.rm ? 'removed' : 'next-exit' });
  const [a, w] = await Promise.allSettled([attaching, waiting]);
  if (a.status === 'rejected' || w.status === 'rejected') {
    if (a.status === 'fulfilled') a.value?.close();
    if (w.status === 'fulfilled') w.value.cancel();
    reportRunError(ctx, 'run', a.status === 'rejected' ? a.reason : (w as PromiseRejectedResult).reason);
    return 125;
  }
  const attached = a.value;
  const wait = w.value;
  // Start only after the wait's headers are in: that is what makes `--rm` and fast exits safe.
  const pump = attached ? pumpAttached(ctx, client, id, attached, { stdin: !!f.interactive, tty: !!f.tty }) : undefined;
  try {
    await client.containers.start(id);
  } catch (e) {
    pump?.stop();
    wait.cancel();
    reportRunError(ctx, 'run', e);
    return isDaemonError(e) ? startErrorExitCode(e.message) : 125;
  }
  if (f.detach) {
    ctx.io.stdout.write(`${id}\n`);
    wait.cancel();
    return 0;
  }
  if (f.tty) {
    const size = consoleSize(ctx);
    if (size) client.containers.resize(id, size[0], size[1]).catch(() => undefined);
  }
  let status: Awaited<typeof wait.result>;
  try {
    [status] = await Promise.all([wait.result, pump!.done]);
  } catch (e) {
    pump?.stop();
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 125;
  } finally {
    pump?.stop();
  }
  if (status.Error && status.Error.Message) {
    ctx.io.stderr.write(`${ctx.prog}: ${status.Error.Message}\n`);
    if (status.StatusCode === -1 || status.StatusCode === undefined) return 125;
  }
  return status.StatusCode;
}
