import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { bufferStream, packContext, stdinContext } from '../build-context';
import { ownSet } from '../own-set';
import { type Int64, humanSize } from '@berth/api';

export interface BuildArgv {
  context: string;
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  quiet?: boolean;
  noCache?: boolean;
  forceRm?: boolean;
  rm?: boolean;
  pull?: boolean;
  platform?: string;
  network?: string;
  addHost?: string[];
  target?: string;
  shmSize?: string;
  memory?: string;
  memorySwap?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  cgroupParent?: string;
  ulimit?: string[];
  cacheFrom?: string[];
  securityOpt?: string[];
  iidfile?: string;
  isolation?: string;
  squash?: boolean;
}

/** The legacy builder's other query parameters, as the docker CLI sends them (left out when not given). */
type BuildInts = Record<'cpuShares' | 'cpuPeriod' | 'cpuQuota', Int64 | undefined>;

function extraQuery(a: BuildArgv, ints: BuildInts): Record<string, string | number | boolean | string[] | undefined> {
  const { bytesFlag } = require('../run-options') as typeof import('../run-options');
  // docker's client sends them when not 0
  const int = (v: Int64 | undefined) => (v === undefined || v == 0 ? undefined : String(v));
  const ulimits = (a.ulimit ?? []).map((u) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
    if (!m) throw new Error(`invalid argument "${u}" for "--ulimit" flag: invalid ulimit argument: ${u}`);
    return { Name: m[1], Hard: Number(m[3] ?? m[2]), Soft: Number(m[2]) };
  });
  const csv = (l: string[] | undefined) => (l ?? []).flatMap((x) => x.split(',')).filter(Boolean);
  return {
    cachefrom: csv(a.cacheFrom).length ? JSON.stringify(csv(a.cacheFrom)) : undefined,
    cgroupparent: a.cgroupParent || undefined,
    cpuperiod: int(ints.cpuPeriod),
    cpuquota: int(ints.cpuQuota),
    cpusetcpus: a.cpusetCpus || undefined,
    cpusetmems: a.cpusetMems || undefined,
    cpushares: int(ints.cpuShares),
    extrahosts: a.addHost?.length ? a.addHost.join(',') : undefined,
    isolation: a.isolation && a.isolation !== 'default' ? a.isolation : undefined,
    memory: a.memory ? String(bytesFlag(a.memory, 'memory')) : undefined,
    memswap: a.memorySwap ? String(bytesFlag(a.memorySwap, 'memory-swap', true)) : undefined,
    networkmode: a.network && a.network !== 'default' ? a.network : undefined,
    securityopt: csv(a.securityOpt).length ? csv(a.securityOpt) : undefined,
    shmsize: a.shmSize ? String(bytesFlag(a.shmSize, 'shm-size')) : undefined,
    squash: a.squash || undefined,
    target: a.target || undefined,
    ulimits: ulimits.length ? JSON.stringify(ulimits) : undefined,
  };
}

function kv(list: string[] | undefined, env: NodeJS.ProcessEnv, fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const x of list ?? []) {
    const i = x.indexOf('=');
    if (i >= 0) ownSet(out, x.slice(0, i), x.slice(i + 1));
    else if (!fromEnv) ownSet(out, x, '');
    else if (Object.prototype.hasOwnProperty.call(env, x) && env[x] !== undefined) ownSet(out, x, env[x]!);
  }
  return out;
}

/**
 * `berth build [-t TAG]... [-f FILE] [--build-arg K=V]... [--label K=V]... [-q] [--no-cache]
 * [--force-rm] [--rm] PATH|-`: the legacy builder's `POST /build`, output streamed as docker prints it;
 * a failing step exits with the stream's error code (docker's `returned a non-zero code: N`).
 */
export async function run(ctx: CliContext, argv: BuildArgv): Promise<ExitCode> {
  let ints: BuildInts;
  try {
    // pflag's int64 flags (base 0), refused before anything runs
    const { pflagInt } = require('../run-options') as typeof import('../run-options');
    ints = { cpuShares: pflagInt(argv.cpuShares, 'cpu-shares'), cpuPeriod: pflagInt(argv.cpuPeriod, 'cpu-period'), cpuQuota: pflagInt(argv.cpuQuota, 'cpu-quota') };
  } catch (e) {
    const { reportFlagError } = require('./run') as typeof import('./run');
    return reportFlagError(ctx, 'build', e);
  }
  let ctxTar: { tar: Buffer; size: number };
  let dockerfile = 'Dockerfile';
  try {
    if (argv.context === '-') ctxTar = await stdinContext(ctx.io.stdin);
    else {
      const dir = path.resolve(argv.context);
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`unable to prepare context: path "${argv.context}" not found`);
      if (argv.file) {
        const f = path.resolve(argv.file);
        const rel = path.relative(dir, f);
        if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`the Dockerfile (${argv.file}) must be within the build context`);
        dockerfile = rel.split(path.sep).join('/');
      }
      if (!fs.existsSync(path.join(dir, dockerfile))) throw new Error(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path.join(dir, dockerfile)}: no such file or directory`);
      ctxTar = await packContext(dir, dockerfile);
    }
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
  if (!argv.quiet) ctx.io.stdout.write(`Sending build context to Docker daemon  ${humanSize(ctxTar.size, 4)}\n`);
  try {
    const msgs = await ctx.client('general').images.build(bufferStream(ctxTar.tar), {
      tags: argv.tag,
      dockerfile,
      buildArgs: kv(argv.buildArg, ctx.env, true),
      labels: kv(argv.label, ctx.env, false),
      quiet: argv.quiet,
      noCache: argv.noCache,
      forceRm: argv.forceRm,
      rm: argv.rm,
      pull: argv.pull,
      platform: argv.platform,
      extra: extraQuery(argv, ints),
    });
    for await (const m of msgs) {
      const aux = (m as { aux?: { ID?: string } }).aux;
      if (argv.iidfile && aux?.ID) fs.writeFileSync(argv.iidfile, aux.ID);
      if (m.stream !== undefined) ctx.io.stdout.write(m.stream);
      else if (m.status !== undefined && !m.progressDetail?.current) ctx.io.stdout.write(m.id ? `${m.id}: ${m.status}\n` : `${m.status}\n`);
    }
    return 0;
  } catch (e) {
    const code = (e as { streamCode?: number }).streamCode;
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return typeof code === 'number' && code > 0 ? code : 1;
  }
}
