import * as fs from 'node:fs';
import type { BerthClient } from '@berth/client';
import { InvalidArgumentError } from '@berth/errdefs';
import { isDaemonError, statusCodeOf } from '@berth/client';
import type { ContainerCreateRequest, ContainerCreateResponse } from '@berth/api';
import { configuredDetachKeys } from '../config';
import { pumpAttached } from '../attach-session';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { checkImageReference } from '../image-reference';
import { FlagValueError, type RunFlags, buildCreateRequest, windowsOnlyFlags, flagsAboveApi } from '../run-options';
import { USAGE } from '../command-table';

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

/** A flag value pflag refuses (with the usage line), or an error of docker's parse() (without): exit 125. */
export function reportFlagError(ctx: CliContext, cmd: string, e: unknown): ExitCode {
  if (e instanceof FlagValueError) ctx.io.stderr.write(`${e.message}\n\nUsage:  ${ctx.prog} ${cmd} ${USAGE[cmd]}\n\nRun '${ctx.prog} ${cmd} --help' for more information\n`);
  else reportRunError(ctx, cmd, e);
  return 125;
}

/** docker's validatePullOpt. */
export function checkPullOption(pull: string | undefined): void {
  if (pull !== undefined && pull !== '' && pull !== 'always' && pull !== 'missing' && pull !== 'never') {
    throw new InvalidArgumentError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }
}

/**
 * What the docker CLI checks on its side before create: the API version a flag needs, and the
 * `--cidfile` that must not exist yet (it is written once the container is created).
 */
export async function checkBeforeCreate(client: BerthClient, body: ContainerCreateRequest): Promise<void> {
  const eps = body.NetworkingConfig?.EndpointsConfig ?? {};
  if (Object.values(eps).some((e) => e && e.MacAddress)) {
    const v = await client.system.apiVersion();
    const [maj, min] = v.split('.').map(Number);
    if (maj! < 1 || (maj === 1 && min! < 44)) throw new InvalidArgumentError(`"specify mac-address per network" requires API version 1.44, but the Docker daemon API version is ${v}`);
  }
  const cid = body.HostConfig?.ContainerIDFile;
  if (cid && fs.existsSync(cid)) throw new InvalidArgumentError(`container ID file found, make sure the other container isn't running or delete ${cid}`);
}

/**
 * create, and on a 404 from create: `Unable to find image`, pull, create again (docker's
 * createContainer); `--pull always` pulls first, `--pull never` never pulls; `-q` pulls quietly.
 */
export async function createContainer(
  ctx: CliContext,
  client: BerthClient,
  body: ContainerCreateRequest,
  o: { name?: string; platform?: string; config?: string; pull?: string; quiet?: boolean },
): Promise<ContainerCreateResponse> {
  await checkBeforeCreate(client, body);
  const image = body.Image ?? '';
  const pull = async (announce: boolean) => {
    // Only this (rare) path needs the reference parser and the pull code.
    const { familiarString, parseReference, withDefaultTag } = require('@berth/oci') as typeof import('@berth/oci');
    const { pullImage } = require('../pull-image') as typeof import('../pull-image');
    const { credentialsFor } = require('../credentials') as typeof import('../credentials');
    const { configDir } = require('../config') as typeof import('../config');
    let shown = image;
    try {
      shown = familiarString(withDefaultTag(parseReference(image)));
    } catch {
      /* show as typed */
    }
    if (announce) ctx.io.stderr.write(`Unable to find image '${shown}' locally\n`);
    let auth;
    try {
      auth = credentialsFor(configDir({ config: o.config }, ctx.env), parseReference(image).domain);
    } catch {
      auth = undefined; // a bad reference: the pull reports it
    }
    const { Writable } = require('node:stream') as typeof import('node:stream');
    const sink = o.quiet ? new Writable({ write: (_c, _e, cb) => cb() }) : ctx.io.stderr;
    await pullImage(client, image, sink, o.platform, auth);
  };
  if (o.pull === 'always') await pull(false);
  let created: ContainerCreateResponse;
  try {
    created = await client.containers.create(body, o);
  } catch (e) {
    if (statusCodeOf(e) !== 404 || o.pull === 'always' || o.pull === 'never' || !/No such image/i.test(describeError(e))) throw e;
    await pull(true);
    created = await client.containers.create(body, o);
  }
  const cid = body.HostConfig?.ContainerIDFile;
  if (cid) fs.writeFileSync(cid, created.Id, { mode: 0o644 });
  return created;
}

/**
 * run's and create's checks of flags the daemon cannot take: Windows-only flags, and flags of an
 * API newer than the daemon's (asked only when such a flag is given). Prints docker's message.
 */
export async function flagsAllowed(ctx: CliContext, client: BerthClient, argv: RunArgv): Promise<boolean> {
  const refusal =
    windowsOnlyFlags(argv) ||
    (argv.annotation?.length || argv.healthStartInterval !== undefined ? flagsAboveApi(argv, await client.system.apiVersion()) : undefined);
  if (!refusal) return true;
  ctx.io.stderr.write(refusal);
  return false;
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
  let body: ContainerCreateRequest;
  if (!(await flagsAllowed(ctx, client, argv))) return 1;
  try {
    body = buildCreateRequest(argv.image, (argv.args ?? []).map(String), f, { env: ctx.env, consoleSize: consoleSize(ctx) });
  } catch (e) {
    return reportFlagError(ctx, 'run', e);
  }
  if (f.detach && (f.attach ?? []).length) {
    ctx.io.stderr.write('conflicting options: cannot specify both --attach and --detach\n');
    return 1;
  }
  try {
    checkPullOption(f.pull);
    checkImageReference(argv.image);
    created = await createContainer(ctx, client, body, { name: f.name, platform: f.platform, config: argv.config, pull: f.pull, quiet: f.quiet });
  } catch (e) {
    reportRunError(ctx, 'run', e);
    return 125;
  }
  for (const w of created.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
  const id = created.Id;
  // attach and wait are both in place before start (their order does not matter to the daemon;
  // in parallel they cost one round trip instead of two)
  const detachKeys = f.detachKeys ?? configuredDetachKeys(ctx, argv.config);
  const attaching = f.detach
    ? Promise.resolve(undefined)
    : client.containers.attach(id, { stdin: !!body.AttachStdin, stdout: !!body.AttachStdout, stderr: !!body.AttachStderr, stream: true, tty: !!f.tty, detachKeys });
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
  const pump = attached
    ? pumpAttached(ctx, client, id, attached, {
        stdin: !!body.AttachStdin,
        tty: !!f.tty,
        sigProxy: f.sigProxy !== false,
        forceExit: true,
        detachKeys,
        resize: (h, w) => client.containers.resize(id, h, w),
      })
    : undefined;
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
  // the terminal's size now and on every SIGWINCH (docker's MonitorTtySize)
  if (f.tty) pump!.resizeNow();
  wait.result.catch(() => undefined);
  let status: Awaited<typeof wait.result>;
  try {
    const how = await pump!.done;
    if (how !== 'ended') {
      // ctrl-p ctrl-q (or --detach-keys): the container runs on; three signals: leave now
      wait.cancel();
      return how === 'detached' ? 0 : 1;
    }
    status = await wait.result;
  } catch (e) {
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
