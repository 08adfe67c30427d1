import type { BerthClient, BerthClientOptions } from '@berth/client';
import type { Argv } from 'yargs';
import type { CliContext, CliIo, ClientKind } from './cli-context';
import { ClientInitError, StatusError, describeError } from './cli-errors';
import {
  CONTAINER_COMMANDS,
  CONTAINER_INSPECT,
  CONTAINER_PRUNE,
  type CommandSpec,
  IMAGE_COMMANDS,
  IMAGE_INSPECT,
  IMAGE_PRUNE,
  INSPECT,
  SYSTEM_COMMANDS,
  USAGE,
  VOLUME_COMMANDS,
  NETWORK_COMMANDS,
  SYSTEM_DF,
  SYSTEM_PRUNE,
  SYSTEM_DIAL_STDIO,
  BUILDER_PRUNE,
  CONTEXT_COMMANDS,
  MANIFEST_COMMANDS,
  SEARCH,
} from './command-table';
import { type GlobalFlags, checkHostFlags, resolveClientOptions } from './config';
import { CONTAINER_FLAGS, EXEC_FLAGS, RUN_FLAGS, listKeys } from './run-flag-table';
import { splitRunArgs } from './split-run-args';
import { commandHelp, helpAliases, recordFlags, topLevelHelp, usageFromCommand } from './command-help';

/** What the CLI needs from its host process; tests replace the client factory and the streams. */
export interface CliDeps {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  now?: () => number;
  /** Builds a client; default: a BerthClient with the `node` transport for `fast`, axios otherwise. */
  makeClient?: (o: BerthClientOptions, kind: ClientKind) => BerthClient;
  onSignal?: CliContext['onSignal'];
}

const DASH = '\u0000-';

const GLOBAL_VALUE_FLAGS = new Set(['-H', '--host', '--tlscacert', '--tlscert', '--tlskey', '--config']);

/**
 * docker's global `-c, --context` is a root flag, read only before the command word (`run -c` is
 * --cpu-shares, and `build`'s positional is named context): taken out of the arguments here.
 */
function takeContextFlag(args: string[]): { args: string[]; context?: string } {
  const out: string[] = [];
  let context: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '-c' || a === '--context') && i + 1 < args.length) context = args[++i];
    else if (a.startsWith('-c=') || a.startsWith('--context=')) context = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('-c') && !a.startsWith('--')) context = a.slice(2); // pflag's shorthand with its value attached
    else {
      out.push(a);
      if (GLOBAL_VALUE_FLAGS.has(a) && i + 1 < args.length) out.push(args[++i]!);
      else if (!a.startsWith('-')) break;
    }
  }
  return { args: [...out, ...args.slice(i + 1)], context };
}

/** pflag's error for a global value flag given last, with nothing after it (`-c`, `--context`, `-H` ...), or undefined. */
function missingGlobalValue(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!GLOBAL_VALUE_FLAGS.has(a) && a !== '-c' && a !== '--context') {
      if (!a.startsWith('-')) return undefined;
      continue;
    }
    if (i + 1 < args.length) {
      i++;
      continue;
    }
    return a.startsWith('--') ? `flag needs an argument: ${a}` : `flag needs an argument: '${a.slice(1)}' in ${a}`;
  }
  return undefined;
}

/** The command word: the first argument that is neither a global flag nor a global flag's value. */
function firstWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Flags that may repeat: normalised to arrays whatever yargs produced. */
const LIST_FLAGS = [...new Set(['env', 'envFile', 'label', 'volume', 'publish', 'filter', 'change', 'opt', 'tag', 'buildArg', 'addHost', 'ulimit', 'cacheFrom', 'securityOpt', ...listKeys(RUN_FLAGS), ...listKeys(EXEC_FLAGS)])];

const TOP_LEVEL = new Set(['build', 'cp', 'system', 'update', 'stats', 'commit', 'push', 'login', 'logout', 'volume', 'network', 'pause', 'unpause', 'top', 'port', 'diff', 'events', 'attach', 'exec', 'pull', 'run', 'create', 'start', 'stop', 'restart', 'kill', 'wait', 'rm', 'ps', 'logs', 'export', 'rename', 'images', 'import', 'load', 'save', 'tag', 'rmi', 'history', 'inspect', 'version', 'info', 'image', 'container', 'help', 'completion', 'builder', 'context', 'manifest', 'search']);

/**
 * yargs renders the chosen command's whole help (cliui, string widths) after every handler, in
 * case it is asked for later; our failures never print yargs' help, and help on request is built
 * afresh. That rendering was ~5 ms of each `run`/`exec`: skip it (left alone if yargs changes shape).
 */
function skipHelpCache(parser: Argv): void {
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** The command named `n` (its first word) among `specs`. */
function byName(specs: CommandSpec[], n: string): CommandSpec {
  return specs.find((s) => s.command.split(' ')[0] === n)!;
}

/** The command groups (`berth image ...`) and their leaves. */
function groupTable(): Record<string, { describe: string; leaves: CommandSpec[] }> {
  return {
    builder: { describe: 'Manage builds', leaves: [BUILDER_PRUNE] },
    container: {
      describe: 'Manage containers',
      leaves: [...CONTAINER_COMMANDS.map((s) => (s.command === 'ps' ? { ...s, command: 'ls', aliases: ['list', 'ps'] } : s)), CONTAINER_INSPECT, CONTAINER_PRUNE],
    },
    context: { describe: 'Manage contexts', leaves: CONTEXT_COMMANDS },
    image: {
      describe: 'Manage images',
      leaves: [
        { ...byName(IMAGE_COMMANDS, 'images'), command: 'ls [repository]', aliases: ['list'] },
        byName(IMAGE_COMMANDS, 'import'),
        byName(IMAGE_COMMANDS, 'load'),
        byName(IMAGE_COMMANDS, 'save'),
        byName(IMAGE_COMMANDS, 'pull'),
        byName(IMAGE_COMMANDS, 'push'),
        byName(IMAGE_COMMANDS, 'build'),
        byName(IMAGE_COMMANDS, 'tag'),
        { ...byName(IMAGE_COMMANDS, 'rmi'), command: 'rm <images..>', aliases: ['remove', 'rmi'] },
        byName(IMAGE_COMMANDS, 'history'),
        IMAGE_INSPECT,
        IMAGE_PRUNE,
      ],
    },
    manifest: { describe: 'Manage Docker image manifests and manifest lists', leaves: MANIFEST_COMMANDS },
    network: { describe: 'Manage networks', leaves: NETWORK_COMMANDS },
    system: { describe: 'Manage berth', leaves: [SYSTEM_DF, byName(SYSTEM_COMMANDS, 'info'), byName(SYSTEM_COMMANDS, 'events'), SYSTEM_PRUNE, SYSTEM_DIAL_STDIO] },
    volume: { describe: 'Manage volumes', leaves: VOLUME_COMMANDS },
  };
}

/** Group leaves that are a top-level command by another name (`image ls` is `images`): their
 *  synopsis (USAGE) and aliases are that command's. */
const LEAF_COMMAND: Record<string, Record<string, string>> = { container: { ls: 'ps' }, image: { ls: 'images', rm: 'rmi' } };

/** The command a group leaf is (`image`, `ls` → `images`); the leaf's own name otherwise. */
function leafCommand(group: string | undefined, leaf: string): string {
  return (group && LEAF_COMMAND[group]?.[leaf]) || leaf;
}

const GROUP_NAMES = new Set(['builder', 'container', 'context', 'image', 'manifest', 'network', 'system', 'volume']);

/** A group's leaves as its usage lists them and completion offers them (docker hides `system dial-stdio`). */
function listedLeaves(leaves: CommandSpec[]): CommandSpec[] {
  return leaves.filter((l) => l !== SYSTEM_DIAL_STDIO);
}

/** A command's usage synopsis, as its --help and its usage errors print it. `name` is the
 *  command's own name (the image group's rm/ls are rmi/images). */
function usageOf(spec: CommandSpec, group: string | undefined, name: string, hasFlags: boolean): string {
  return spec.usage ?? (!group || group === 'container' || group === 'image' ? USAGE[name] : undefined) ?? usageFromCommand(spec.command, hasFlags);
}

/**
 * docker's error for a command whose argument count is bounded (`spec.args`: [min, max]), by the
 * rule docker's command declares: ExactArgs, RequiresMinArgs (max Infinity), RequiresMaxArgs
 * (min 0; docker 28 prints its 'SRun' as it is) or RequiresRangeArgs.
 */
function argCountError(prog: string, path: string, spec: CommandSpec, usage: string, got: number): string {
  const [lo, hi] = spec.args!;
  if (spec.cobraArgs) return `accepts ${lo} arg(s), received ${got}\n`;
  const args = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  const [req, run] =
    lo === hi ? [args(lo), 'Run'] : hi === Infinity ? [`at least ${args(lo)}`, 'See'] : lo === 0 ? [`at most ${args(hi)}`, 'SRun'] : [`at least ${lo} and at most ${args(hi)}`, 'Run'];
  return `${prog}: '${prog} ${path}' requires ${req}\n\nUsage:  ${prog} ${path}${usage ? ` ${usage}` : ''}\n\n${run} '${prog} ${path} --help' for more information\n`;
}

/** Runs the berth CLI on `args` and resolves with the exit code. Never calls process.exit. */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const { io, env } = deps;
  const prog = 'berth';
  const bare = args.length === 0;
  if (bare) args = ['--help'];
  if (args[0] === '-v' || args[0] === '--version') {
    const { BERTH_VERSION } = require('./commands/version') as typeof import('./commands/version');
    io.stdout.write(`berth version ${BERTH_VERSION}\n`);
    return 0;
  }
  if (args[0] === '__complete' || args[0] === 'completion') {
    const { BASH_COMPLETION, ZSH_COMPLETION, completeWords } = require('./completion') as typeof import('./completion');
    if (args[0] === 'completion') {
      const shell = args[1];
      if (shell === 'bash' || shell === 'zsh') {
        io.stdout.write(shell === 'bash' ? BASH_COMPLETION : ZSH_COMPLETION);
        return 0;
      }
      if (shell !== undefined && !shell.startsWith('-')) {
        io.stderr.write(`${prog}: unknown command: ${prog} completion ${shell}\n\nUsage:  ${prog} completion\n\nRun '${prog} completion --help' for more information\n`);
        return 1;
      }
      io.stdout.write(`Usage:  ${prog} completion COMMAND\n\nGenerate the autocompletion script for ${prog} for the specified shell.\nSee each sub-command's help for details on how to use the generated script.\n\nCommands:\n  bash        Generate the autocompletion script for bash\n  zsh         Generate the autocompletion script for zsh\n\nRun '${prog} completion COMMAND --help' for more information on a command.\n`);
      return 0;
    }
    const { BerthClient: Ctor } = require('@berth/client') as typeof import('@berth/client');
    let c: BerthClient | undefined;
    const client = () => (c ??= deps.makeClient ? deps.makeClient(resolveClientOptions({}, env), 'fast') : new Ctor({ ...resolveClientOptions({}, env), transport: 'node' }));
    const top = [...TOP_LEVEL].filter((w) => w !== 'help').sort();
    const groups = Object.fromEntries(Object.entries(groupTable()).map(([name, g]) => [name, listedLeaves(g.leaves).map((l) => l.command.split(' ')[0]!).sort()]));
    const code = await completeWords(args.slice(1), top, groups, client, io);
    c?.close();
    return code;
  }
  const missing = missingGlobalValue(args);
  if (missing !== undefined) {
    io.stderr.write(`${missing}\n\nUsage:  ${prog} [OPTIONS] COMMAND [ARG...]\n\nRun '${prog} --help' for more information\n`);
    return 125;
  }
  const taken = takeContextFlag(args);
  args = taken.args;
  const contextFlag = taken.context;
  const first = firstWord(args);
  let runRest: string[] | undefined;
  {
    const i = first === undefined ? -1 : args.findIndex((a, j) => a === first && !GLOBAL_VALUE_FLAGS.has(args[j - 1] ?? ''));
    const sub = first === 'container' ? args.findIndex((a, j) => j > i && !a.startsWith('-')) : i;
    const word = sub >= 0 ? args[sub] : undefined;
    if (word === 'run' || word === 'create' || word === 'exec' || word === 'top') {
      const table = word === 'run' ? RUN_FLAGS : word === 'create' ? CONTAINER_FLAGS : word === 'exec' ? EXEC_FLAGS : [];
      const { head, rest, problem } = splitRunArgs(args, sub + 1, table);
      if (problem && !args.includes('--help')) {
        const group = first === 'container' ? first : undefined;
        const cmdPath = group ? `${group} ${word}` : word;
        const usage = usageOf(byName(CONTAINER_COMMANDS, word), group, word, table.length > 0);
        io.stderr.write(`${problem.message}\n\nUsage:  ${prog} ${cmdPath} ${usage}\n\nRun '${prog} ${cmdPath} --help' for more information\n`);
        return 125;
      }
      args = head;
      runRest = rest;
    }
  }
  if (first === 'history' || (first === 'image' && args.includes('history'))) {
    // docker's `history -H` is --human, which the global -H (host) would shadow
    args = args.map((a) => (a === '-H' ? '--human' : a.startsWith('-H=') ? `--human=${a.slice(3)}` : a));
  }
  let exitCode = 0;
  let handled = false;
  const clients = new Map<ClientKind, BerthClient>();
  const newClient = (o: BerthClientOptions, kind: ClientKind): BerthClient => {
    if (deps.makeClient) return deps.makeClient(o, kind);
    const { BerthClient: Ctor } = require('@berth/client') as typeof import('@berth/client');
    return new Ctor({ ...o, transport: kind === 'fast' ? 'node' : 'axios' });
  };
  const ctxFor = (g: GlobalFlags): CliContext => {
    const flags = { ...g, contextFlag };
    checkHostFlags(flags, env);
    // as docker 28's DockerCli.initialize: the endpoint and its TLS files are read when a command
    // first needs the daemon, so `context ls/use/rm/inspect` work whatever the current context holds
    let resolved: BerthClientOptions | undefined;
    const clientOptions = (): BerthClientOptions => {
      if (!resolved) {
        try {
          resolved = resolveClientOptions(flags, env);
        } catch (e) {
          throw new ClientInitError(e);
        }
      }
      return resolved;
    };
    return {
      io,
      env,
      prog,
      contextFlag,
      now: deps.now ?? Date.now,
      get clientOptions() {
        return clientOptions();
      },
      client: (kind: ClientKind = 'general') => {
        let c = clients.get(kind);
        if (!c) {
          c = newClient(clientOptions(), kind);
          clients.set(kind, c);
        }
        return c;
      },
      onSignal:
        deps.onSignal ??
        ((sig, fn) => {
          process.on(sig, fn);
          return () => process.off(sig, fn);
        }),
    };
  };
  const wrap = (spec: CommandSpec, path: string) => ({
    command: spec.command,
    aliases: spec.aliases,
    describe: spec.describe,
    builder: (y: Argv) => {
      // strictOptions needs the positionals declared, or it calls them unknown flags
      for (const m of spec.command.matchAll(/[<[]([A-Za-z]+)(\.\.)?[>\]]/g)) y = y.positional(m[1]!, { type: 'string', array: !!m[2] });
      return (spec.builder ? spec.builder(y) : y).strictOptions();
    },
    handler: async (argv: Record<string, unknown>) => {
      if (failure !== undefined) throw new Error(failure);
      handled = true;
      for (const [k, v] of Object.entries(argv)) {
        if (v === DASH) argv[k] = '-';
        else if (Array.isArray(v)) argv[k] = v.map((x) => (x === DASH ? '-' : x));
      }
      if (runRest !== undefined) argv.args = runRest;
      const words = path.split(' ');
      const group = words.length > 1 ? words[0] : undefined;
      const usage = () => usageOf(spec, group, leafCommand(group, words[words.length - 1]!), recordFlags(spec).length > 0);
      const extra = Math.max(0, ((argv._ as unknown[]) ?? []).length - words.length);
      if (spec.args) {
        // the declared positionals given, and any beyond them
        let n = extra;
        for (const m of spec.command.matchAll(/[<[]([A-Za-z]+)(\.\.)?[>\]]/g)) n += ([] as unknown[]).concat(argv[m[1]!] ?? []).length;
        if (n < spec.args[0] || n > spec.args[1]) {
          io.stderr.write(argCountError(prog, path, spec, usage(), n));
          exitCode = 1;
          return;
        }
      }
      if (!/[<[]/.test(spec.command) && extra > 0) {
        const u = usage();
        io.stderr.write(`${prog}: '${prog} ${path}' accepts no arguments\n\nUsage:  ${prog} ${path}${u ? ` ${u}` : ''}\n\nRun '${prog} ${path} --help' for more information\n`);
        exitCode = 1;
        return;
      }
      for (const k of LIST_FLAGS) {
        const v = argv[k];
        if (v !== undefined && !Array.isArray(v)) argv[k] = [v];
      }
      try {
        const ctx = ctxFor(argv as GlobalFlags);
        const fn = spec.load();
        exitCode = await fn(ctx, argv as never);
      } catch (e) {
        if (e instanceof ClientInitError) {
          io.stderr.write(`${e.message}\n`);
          exitCode = 1;
          return;
        }
        exitCode = e instanceof StatusError ? e.exitCode : path === 'run' || path === 'create' ? 125 : 1;
        const msg = e instanceof StatusError ? e.message : describeError(e);
        io.stderr.write(path === 'run' || path === 'create' ? `${prog}: ${msg}\n\nRun '${prog} ${path} --help' for more information\n` : `${msg}\n`);
      }
    },
  });
  const group = (name: string, leaves: CommandSpec[]) => (y: Argv) => {
    for (const l of leaves) y = y.command(wrap(l, `${name} ${l.command.split(' ')[0]}`));
    return y.demandCommand(1, `${prog}: '${prog} ${name}' requires a subcommand`);
  };
  const yargsFactory = require('yargs/yargs') as (a: string[]) => Argv;
  let parser = yargsFactory(args)
    .scriptName(prog)
    // docker speaks English whatever LANG says, and the usage errors below are recognised by yargs' English wording
    .locale('en')
    .parserConfiguration({ 'boolean-negation': false })
    .usage(`Usage:  ${prog} [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers`)
    .option('host', { type: 'string', alias: 'H', describe: 'Daemon socket to connect to', global: true })
    .option('tls', { type: 'boolean', describe: 'Use TLS; implied by --tlsverify', global: true })
    .option('tlsverify', { type: 'boolean', describe: 'Use TLS and verify the remote', global: true })
    .option('tlscacert', { type: 'string', describe: 'Trust certs signed only by this CA', global: true })
    .option('tlscert', { type: 'string', describe: 'Path to TLS certificate file', global: true })
    .option('tlskey', { type: 'string', describe: 'Path to TLS key file', global: true })
    .option('config', { type: 'string', describe: 'Location of client config files (default ~/.berth)', global: true })
    .version(false)
    .exitProcess(false);
  skipHelpCache(parser);
  // Register only the command asked for (all of them for help): yargs' set-up cost grows with each one.
  const only = first !== undefined && TOP_LEVEL.has(first) && first !== 'help' && !args.includes('--help') ? first : undefined;
  for (const s of [...CONTAINER_COMMANDS, ...IMAGE_COMMANDS, INSPECT, ...SYSTEM_COMMANDS, SEARCH]) {
    const name = s.command.split(' ')[0]!;
    if (only === undefined || only === name) parser = parser.command(wrap({ ...s, aliases: undefined }, name));
  }
  const groups = groupTable();
  for (const [name, g] of Object.entries(groups)) {
    if (only === undefined || only === name) parser = parser.command(name, g.describe, group(name, g.leaves));
  }
  let failure: string | undefined;
  let countHeld = false;
  parser = parser.demandCommand(1, '').fail((msg, err) => {
    const text = err ? describeError(err) : msg || 'invalid arguments';
    // pflag rejects an unknown flag before it counts arguments; yargs counts first (and `--x SRC
    // DST` has eaten SRC as --x's value). Hold the count back: yargs goes on to its unknown-flag
    // check (which then wins; any other later complaint, e.g. a missing positional, is the same
    // count), or to the handler, which fails with the held count.
    const unknownFlag = /^Unknown arguments?:/.test(text);
    if (failure === undefined && /^Not enough non-option arguments/.test(text)) {
      failure = text;
      countHeld = true;
      return;
    }
    if (countHeld && !unknownFlag) return;
    failure = text;
    throw new Error(failure);
  });
  if (first !== undefined && GROUP_NAMES.has(first)) {
    const at = args.indexOf(first);
    const sub = args.slice(at + 1).find((a, j, rest) => !a.startsWith('-') && !GLOBAL_VALUE_FLAGS.has(rest[j - 1] ?? ''));
    const g = groupTable()[first]!;
    const leaves = listedLeaves(g.leaves);
    if (sub === undefined) {
      // docker prints the group's usage and its commands on stderr (exit 0)
      const names = leaves.map((l) => [l.command.split(' ')[0]!, l.describe] as const).sort((a, b) => a[0].localeCompare(b[0]));
      const pad = Math.max(11, ...names.map(([n]) => n.length));
      // (on stdout when asked for with --help)
      (args.includes('--help') ? io.stdout : io.stderr).write(`Usage:  ${prog} ${first} COMMAND\n\n${g.describe}\n\nCommands:\n${names.map(([n, d]) => `  ${n.padEnd(pad)} ${d}\n`).join('')}\nRun '${prog} ${first} COMMAND --help' for more information on a command.\n`);
      return 0;
    }
    if (!g.leaves.some((l) => l.command.split(' ')[0] === sub || (l.aliases ?? []).includes(sub))) {
      io.stderr.write(`${prog}: unknown command: ${prog} ${first} ${sub}\n\nUsage:  ${prog} ${first}${first === 'volume' || first === 'manifest' ? ' COMMAND' : ''}\n\nRun '${prog} ${first} --help' for more information\n`);
      return 1;
    }
  }
  // the top-level help: `--help`/`-h` with no command, `help`, or nothing at all (then on stderr, as docker)
  if ((first === undefined && (args.includes('--help') || args.includes('-h'))) || (first === 'help' && args.filter((a) => !a.startsWith('-')).length === 1)) {
    const { configDir } = require('./config') as typeof import('./config');
    const dir = configDir({}, env);
    const specs = [...CONTAINER_COMMANDS, ...IMAGE_COMMANDS, INSPECT, ...SYSTEM_COMMANDS, SEARCH];
    const commands = specs.map((x) => ({ name: x.command.split(' ')[0]!, describe: x.describe }));
    const groups = Object.entries(groupTable()).map(([name, g]) => ({ name, describe: g.describe }));
    const text = topLevelHelp({
      prog,
      commands,
      groups,
      flags: [
        { name: 'config', type: 'string', describe: 'Location of client config files', default: JSON.stringify(dir) },
        { name: 'context', short: 'c', type: 'string', describe: `Name of the context to use to connect to the daemon (overrides BERTH_HOST env var and default context set with "${prog} context use")` },
        { name: 'host', short: 'H', type: 'list', describe: 'Daemon socket to connect to' },
        { name: 'tls', type: '', describe: 'Use TLS; implied by --tlsverify' },
        { name: 'tlscacert', type: 'string', describe: 'Trust certs signed only by this CA', default: JSON.stringify(`${dir}/ca.pem`) },
        { name: 'tlscert', type: 'string', describe: 'Path to TLS certificate file', default: JSON.stringify(`${dir}/cert.pem`) },
        { name: 'tlskey', type: 'string', describe: 'Path to TLS key file', default: JSON.stringify(`${dir}/key.pem`) },
        { name: 'tlsverify', type: '', describe: 'Use TLS and verify the remote' },
        { name: 'version', short: 'v', type: '', describe: 'Print version information and quit' },
      ],
      cols: (io.stdout as { isTTY?: boolean; columns?: number }).isTTY ? ((io.stdout as { columns?: number }).columns ?? 80) - 1 : 79,
    });
    (bare ? io.stderr : io.stdout).write(text);
    return 0;
  }
  if (first !== undefined && !TOP_LEVEL.has(first)) {
    io.stderr.write(`${prog}: unknown command: ${prog} ${first}\n\nRun '${prog} --help' for more information\n`);
    return 1;
  }
  // `--help` of a command: docker's layout, generated from the command's flag table
  if (first !== undefined && args.includes('--help') && first !== 'help' && first !== 'completion') {
    const at = args.indexOf(first);
    const words = args.slice(at).filter((a) => !a.startsWith('-'));
    const grp = GROUP_NAMES.has(first) ? groupTable()[first] : undefined;
    const specs = grp ? grp.leaves : [...CONTAINER_COMMANDS, ...IMAGE_COMMANDS, INSPECT, ...SYSTEM_COMMANDS, SEARCH];
    const word = grp ? words[1] : first;
    const spec = word === undefined ? undefined : specs.find((x) => x.command.split(' ')[0] === word || (x.aliases ?? []).includes(word));
    if (spec) {
      // a leaf that is a top-level command by another name (image rm is rmi) has that command's USAGE and aliases
      const name = leafCommand(grp ? first : undefined, spec.command.split(' ')[0]!);
      const flags = recordFlags(spec);
      const cmdPath = grp ? `${first} ${spec.command.split(' ')[0]}` : first;
      const aliasKey = grp && (first === 'container' || first === 'image') ? undefined : grp ? first : undefined;
      io.stdout.write(
        commandHelp({
          prog,
          path: cmdPath,
          usage: usageOf(spec, grp ? first : undefined, name, flags.length > 0),
          ...(spec.experimental ? { experimental: true } : {}),
          ...(spec.long ? { long: spec.long } : {}),
          describe: spec.describe,
          aliases: helpAliases(prog, aliasKey, name, aliasKey ? spec.aliases : []),
          // run and create declare --help themselves (their -h is --hostname)
          flags: [...flags, ...((name === 'run' || name === 'create') && (!grp || first === 'container') ? [{ name: 'help', type: '', describe: 'Print usage' }] : [])],
          cols: (io.stdout as { isTTY?: boolean; columns?: number }).isTTY ? ((io.stdout as { columns?: number }).columns ?? 80) - 1 : 79,
        }),
      );
      return 0;
    }
  }
  // yargs mangles a lone `-` (stdin, for import/load/cp); carry it through as a placeholder
  args = args.map((a) => (a === '-' ? DASH : a));
  let helpOut = '';
  try {
    await parser.parseAsync(args, {}, (_err: unknown, _argv: unknown, output: string) => {
      helpOut = output;
    });
  } catch (e) {
    failure ??= describeError(e);
  }
  if (failure !== undefined) {
    const at = args.indexOf(first ?? '');
    const typedPath = args.slice(Math.max(at, 0)).filter((a) => !a.startsWith('-')).slice(0, GROUP_NAMES.has(first ?? '') ? 2 : 1).join(' ');
    const words = typedPath.split(' ');
    const typed = words.pop() ?? '';
    const group = GROUP_NAMES.has(words[0] ?? '') ? words[0] : undefined;
    const specs = group ? groupTable()[group]!.leaves : [...CONTAINER_COMMANDS, ...IMAGE_COMMANDS, INSPECT, ...SYSTEM_COMMANDS, SEARCH];
    const spec = specs.find((x) => x.command.split(' ')[0] === typed || (x.aliases ?? []).includes(typed));
    // the command by its own name, whatever alias was typed (`container list` is `container ls`), as cobra's CommandPath
    const own = spec ? spec.command.split(' ')[0]! : typed;
    const cmdPath = group ? `${group} ${own}` : typedPath;
    const leaf = leafCommand(group, own);
    const usageText = spec ? usageOf(spec, group, leaf, recordFlags(spec).length > 0) : USAGE[leaf];
    const usage = `Usage:  ${prog} ${cmdPath}${usageText ? ` ${usageText}` : ''}`;
    const m = /^Unknown arguments?: (.*)$/.exec(failure);
    if (m) {
      const flag = m[1]!.split(',')[0]!.trim();
      // the token as typed: `--x`, or the short cluster that holds it (`-x`, `-ax`)
      const long = args.find((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
      const short = flag.length === 1 ? args.find((a) => /^-[^-]/.test(a) && a.slice(1).split('=')[0]!.includes(flag)) : undefined;
      const what = long || !short ? `unknown flag: --${flag}` : `unknown shorthand flag: '${flag}' in ${short}`;
      io.stderr.write(`${what}\n\n${usage}\n\nRun '${prog} ${cmdPath} --help' for more information\n`);
      return 125;
    }
    const need = /Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(failure);
    if (need && spec?.args) {
      io.stderr.write(argCountError(prog, cmdPath, spec, usageText ?? '', Number(need[1])));
      return 1;
    }
    if (need) {
      const variadic = /\.\.\.\]?$/.test(usageText ?? '');
      const n = Number(need[2]);
      const req = variadic ? `at least ${n} argument${n === 1 ? '' : 's'}` : `${n} argument${n === 1 ? '' : 's'}`;
      io.stderr.write(`${prog}: '${prog} ${cmdPath}' requires ${req}\n\n${usage}\n\n${variadic ? 'See' : 'Run'} '${prog} ${cmdPath} --help' for more information\n`);
      return 1;
    }
    io.stderr.write(`${failure}\n`);
    return 1;
  }
  if (!handled) {
    if (helpOut) io.stdout.write(helpOut.endsWith('\n') ? helpOut : helpOut + '\n');
    return 0;
  }
  for (const c of clients.values()) c.close();
  return exitCode;
}
