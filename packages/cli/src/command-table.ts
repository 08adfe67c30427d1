import type { Argv } from 'yargs';
import type { CliContext, ExitCode } from './cli-context';
import { CONTAINER_FLAGS, EXEC_FLAGS, RUN_FLAGS, declareFlags } from './run-flag-table';

/** One subcommand: its yargs spelling, a builder for its flags, and the module that runs it (loaded only when chosen). */
export interface CommandSpec {
  command: string;
  aliases?: string[];
  describe: string;
  builder?: (y: Argv) => Argv;
  /** Loads the implementation lazily: only the chosen command's code is required. */
  load: () => (ctx: CliContext, argv: never) => Promise<ExitCode>;
  /** docker's synopsis when USAGE (keyed by the leaf name) cannot tell (a group's leaf). */
  usage?: string;
  /** The help's text when it is more than `describe` (docker's Long, printed instead of the Short). */
  long?: string;
  /** docker marks the command experimental in its help (an EXPERIMENTAL section). */
  experimental?: boolean;
  /** docker's argument bounds where the synopsis cannot tell them: [min, max] (Infinity: no max), checked with docker's wording. */
  args?: [number, number];
  /** The bounds are cobra's own ExactArgs (its bare 'accepts N arg(s), received M'), not docker's helpers. */
  cobraArgs?: boolean;
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
/** A repeatable string flag, always an array (`--label a --label b`). */
const strs = { type: 'string', coerce: (v: string | string[]): string[] => ([] as string[]).concat(v) } as const;

/** docker's synopsis after the command name, for usage errors (`Usage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]`). */
export const USAGE: Record<string, string> = {
  run: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  create: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  start: '[OPTIONS] CONTAINER [CONTAINER...]',
  stop: '[OPTIONS] CONTAINER [CONTAINER...]',
  restart: '[OPTIONS] CONTAINER [CONTAINER...]',
  kill: '[OPTIONS] CONTAINER [CONTAINER...]',
  wait: 'CONTAINER [CONTAINER...]',
  rm: '[OPTIONS] CONTAINER [CONTAINER...]',
  ps: '[OPTIONS]',
  ls: '[OPTIONS]',
  logs: '[OPTIONS] CONTAINER',
  export: '[OPTIONS] CONTAINER',
  rename: 'CONTAINER NEW_NAME',
  attach: '[OPTIONS] CONTAINER',
  pause: 'CONTAINER [CONTAINER...]',
  unpause: 'CONTAINER [CONTAINER...]',
  top: 'CONTAINER [ps OPTIONS]',
  port: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  diff: 'CONTAINER',
  stats: '[OPTIONS] [CONTAINER...]',
  update: '[OPTIONS] CONTAINER [CONTAINER...]',
  cp: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-',
  df: '[OPTIONS]',
  exec: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  images: '[OPTIONS] [REPOSITORY[:TAG]]',
  import: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  load: '[OPTIONS]',
  save: '[OPTIONS] IMAGE [IMAGE...]',
  pull: '[OPTIONS] NAME[:TAG|@DIGEST]',
  tag: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  rmi: '[OPTIONS] IMAGE [IMAGE...]',
  history: '[OPTIONS] IMAGE',
  inspect: '[OPTIONS] NAME|ID [NAME|ID...]',
  version: '[OPTIONS]',
  info: '[OPTIONS]',
  events: '[OPTIONS]',
  commit: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  push: '[OPTIONS] NAME[:TAG]',
  build: '[OPTIONS] PATH | URL | -',
  login: '[OPTIONS] [SERVER]',
  logout: '[SERVER]',
  prune: '[OPTIONS]',
  search: '[OPTIONS] TERM',
  'dial-stdio': '',
  use: 'CONTEXT',
  show: '',
  builder: '',
};

/** Flags of `run` and `create`: docker's whole table (run-flag-table.ts). */
function runFlags(y: Argv, withRun: boolean): Argv {
  return declareFlags(y.positional('image', { type: 'string', describe: 'image to run' }).positional('args', { type: 'string', array: true }), withRun ? RUN_FLAGS : CREATE_FLAGS);
}

/** create's table: run's shared flags, with create's own `--pull` text (docker's, its `"|missing"` included). */
const CREATE_FLAGS = CONTAINER_FLAGS.map((f) => (f.name === 'pull' ? { ...f, describe: 'Pull image before creating ("always", "|missing", "never")' } : f));

/** docker's --format help of list commands (flagsHelper.FormatHelp). */
const TABLE_FORMAT_HELP =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";
/** docker's --format help of inspect-like commands (flagsHelper.InspectFormatHelp). */
const INSPECT_FORMAT_HELP =
  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";
const filterOpt = { ...str, describe: 'Filter output based on conditions provided' };
/** The prune commands' `--filter` (docker's text). */
const untilFilter = { ...str, describe: 'Provide filter values (e.g. "until=<timestamp>")' };

/** `berth container ...` and `berth image ...` share these leaves with the top level. */
export const CONTAINER_COMMANDS: CommandSpec[] = [
  { command: 'run <image> [args..]', describe: 'Create and run a new container from an image', builder: (y) => runFlags(y, true), load: () => require('./commands/run').run },
  { command: 'create <image> [args..]', describe: 'Create a new container', builder: (y) => runFlags(y, false), load: () => require('./commands/create').run },
  {
    command: 'start <containers..>',
    describe: 'Start one or more stopped containers',
    builder: (y) =>
      y
        .option('attach', { ...bool, alias: 'a', describe: 'Attach STDOUT/STDERR and forward signals' })
        .option('detach-keys', { ...str, describe: 'Override the key sequence for detaching a container' })
        .option('interactive', { ...bool, alias: 'i', describe: "Attach container's STDIN" }),
    load: () => require('./commands/start').run,
  },
  {
    command: 'stop <containers..>',
    describe: 'Stop one or more running containers',
    builder: (y) => y.option('timeout', { ...str, helpType: 'int', alias: ['t'], describe: 'Seconds to wait before killing the container' }).option('time', { ...str, hidden: true, describe: 'Deprecated: --timeout' }).option('signal', { ...str, alias: 's', describe: 'Signal to send to the container' }),
    load: () => require('./commands/stop').run,
  },
  {
    command: 'restart <containers..>',
    describe: 'Restart one or more containers',
    builder: (y) => y.option('timeout', { ...str, helpType: 'int', alias: ['t'], describe: 'Seconds to wait before killing the container' }).option('time', { ...str, hidden: true, describe: 'Deprecated: --timeout' }).option('signal', { ...str, alias: 's', describe: 'Signal to send to the container' }),
    load: () => require('./commands/restart').run,
  },
  {
    command: 'kill <containers..>',
    describe: 'Kill one or more running containers',
    builder: (y) => y.option('signal', { ...str, alias: 's', describe: 'Signal to send to the container' }),
    load: () => require('./commands/kill').run,
  },
  { command: 'wait <containers..>', describe: 'Block until one or more containers stop, then print their exit codes', load: () => require('./commands/wait').run },
  {
    command: 'rm <containers..>',
    aliases: ['remove'],
    describe: 'Remove one or more containers',
    builder: (y) =>
      y
        .option('force', { ...bool, alias: 'f', describe: 'Force the removal of a running container (uses SIGKILL)' })
        .option('volumes', { ...bool, alias: 'v', describe: 'Remove anonymous volumes associated with the container' })
        .option('link', { ...bool, alias: 'l', describe: 'Remove the specified link' }),
    load: () => require('./commands/rm').run,
  },
  {
    command: 'ps',
    aliases: ['ls', 'list'],
    describe: 'List containers',
    builder: (y) =>
      y
        .option('all', { ...bool, alias: 'a', describe: 'Show all containers (default shows just running)' })
        .option('quiet', { ...bool, alias: 'q', describe: 'Only display container IDs' })
        .option('last', { ...str, helpType: 'int', alias: 'n', helpDefault: '-1', describe: 'Show n last created containers (includes all states)' })
        .option('latest', { ...bool, alias: 'l', describe: 'Show the latest created container (includes all states)' })
        .option('filter', { ...filterOpt, alias: 'f' })
        .option('no-trunc', { ...bool, describe: "Don't truncate output" })
        .option('format', { ...str, describe: TABLE_FORMAT_HELP })
        .option('size', { ...bool, alias: 's', describe: 'Display total file sizes' }),
    load: () => require('./commands/ps').run,
  },
  {
    command: 'logs <container>',
    describe: 'Fetch the logs of a container',
    builder: (y) =>
      y
        .option('follow', { ...bool, alias: 'f', describe: 'Follow log output' })
        .option('timestamps', { ...bool, alias: 't', describe: 'Show timestamps' })
        .option('tail', { ...str, alias: 'n', describe: 'Number of lines to show from the end of the logs', ...({ helpDefault: '"all"' } as object) })
        .option('since', { ...str, describe: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' })
        .option('until', { ...str, describe: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' })
        .option('details', { ...bool, describe: 'Show extra details provided to logs' }),
    load: () => require('./commands/logs').run,
  },
  {
    command: 'export <container>',
    describe: "Export a container's filesystem as a tar archive",
    builder: (y) => y.option('output', { ...str, alias: 'o', describe: 'Write to a file, instead of STDOUT' }),
    load: () => require('./commands/export').run,
  },
  {
    command: 'exec <container> [args..]',
    args: [2, Infinity],
    describe: 'Execute a command in a running container',
    builder: (y) => declareFlags(y, EXEC_FLAGS),
    load: () => require('./commands/exec').run,
  },
  {
    command: 'attach <container>',
    describe: "Attach local standard input, output, and error streams to a running container",
    builder: (y) =>
      y
        .option('no-stdin', { ...bool, describe: 'Do not attach STDIN' })
        .option('sig-proxy', { ...bool, default: true, describe: 'Proxy all received signals to the process' })
        .option('detach-keys', { ...str, describe: 'Override the key sequence for detaching a container' }),
    load: () => require('./commands/attach').run,
  },
  { command: 'pause <containers..>', describe: 'Pause all processes within one or more containers', load: () => require('./commands/pause').run },
  {
    command: 'unpause <containers..>',
    describe: 'Unpause all processes within one or more containers',
    load: () => (ctx: CliContext, argv: never) => require('./commands/pause').run(ctx, argv, true),
  },
  { command: 'top <container> [args..]', args: [1, Infinity], describe: 'Display the running processes of a container', load: () => require('./commands/top').run },
  { command: 'port <container> [privatePort]', args: [1, 2], describe: 'List port mappings or a specific mapping for the container', load: () => require('./commands/port').run },
  { command: 'diff <container>', describe: "Inspect changes to files or directories on a container's filesystem", load: () => require('./commands/diff').run },
  {
    command: 'commit <container> [reference]',
    args: [1, 2],
    describe: "Create a new image from a container's changes",
    builder: (y) =>
      y
        .option('author', { ...str, alias: 'a', describe: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' })
        .option('message', { ...str, alias: 'm', describe: 'Commit message' })
        .option('change', { ...str, alias: 'c', helpType: 'list', describe: 'Apply Dockerfile instruction to the created image' })
        .option('pause', { ...bool, alias: 'p', default: true, describe: 'Pause container during commit' }),
    load: () => require('./commands/commit').run,
  },
  {
    command: 'stats [containers..]',
    describe: 'Display a live stream of container(s) resource usage statistics',
    builder: (y) =>
      y
        .option('all', { ...bool, alias: 'a', describe: 'Show all containers (default shows just running)' })
        .option('no-stream', { ...bool, describe: 'Disable streaming stats and only pull the first result' })
        .option('no-trunc', { ...bool, describe: 'Do not truncate output' })
        .option('format', { ...str, describe: TABLE_FORMAT_HELP }),
    load: () => require('./commands/stats').run,
  },
  {
    command: 'update <containers..>',
    describe: 'Update configuration of one or more containers',
    builder: (y) =>
      y
        .option('blkio-weight', { ...str, helpType: 'uint16', helpDefault: '0', describe: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' })
        .option('cpu-period', { ...str, helpType: 'int', describe: 'Limit CPU CFS (Completely Fair Scheduler) period' })
        .option('cpu-quota', { ...str, helpType: 'int', describe: 'Limit CPU CFS (Completely Fair Scheduler) quota' })
        .option('cpu-rt-period', { ...str, helpType: 'int', describe: 'Limit the CPU real-time period in microseconds' })
        .option('cpu-rt-runtime', { ...str, helpType: 'int', describe: 'Limit the CPU real-time runtime in microseconds' })
        .option('cpuset-cpus', { ...str, describe: 'CPUs in which to allow execution (0-3, 0,1)' })
        .option('cpuset-mems', { ...str, describe: 'MEMs in which to allow execution (0-3, 0,1)' })
        .option('memory', { ...str, alias: 'm', helpType: 'bytes', describe: 'Memory limit' })
        .option('memory-swap', { ...str, helpType: 'bytes', describe: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" })
        .option('memory-reservation', { ...str, helpType: 'bytes', describe: 'Memory soft limit' })
        .option('cpus', { ...str, helpType: 'decimal', describe: 'Number of CPUs' })
        .option('cpu-shares', { ...str, helpType: 'int', alias: 'c', describe: 'CPU shares (relative weight)' })
        .option('pids-limit', { ...str, helpType: 'int', describe: 'Tune container pids limit (set -1 for unlimited)' })
        .option('restart', { ...str, describe: 'Restart policy to apply when a container exits' }),
    load: () => require('./commands/update').run,
  },
  {
    command: 'cp <source> <destination>',
    usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
    describe: 'Copy files/folders between a container and the local filesystem',
    long: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
    builder: (y) =>
      y
        .option('archive', { ...bool, alias: 'a', describe: 'Archive mode (copy all uid/gid information)' })
        .option('follow-link', { ...bool, alias: 'L', describe: 'Always follow symbol link in SRC_PATH' })
        .option('quiet', { ...bool, alias: 'q', describe: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' }),
    load: () => require('./commands/cp').run,
  },
  { command: 'rename <container> <newName>', describe: 'Rename a container', load: () => require('./commands/rename').run },
];

export const IMAGE_COMMANDS: CommandSpec[] = [
  {
    command: 'images [repository]',
    args: [0, 1],
    describe: 'List images',
    builder: (y) =>
      y
        .option('all', { ...bool, alias: 'a', describe: 'Show all images (default hides intermediate images)' })
        .option('quiet', { ...bool, alias: 'q', describe: 'Only show image IDs' })
        .option('digests', { ...bool, describe: 'Show digests' })
        .option('no-trunc', { ...bool, describe: "Don't truncate output" })
        .option('filter', { ...filterOpt, alias: 'f' })
        .option('format', { ...str, describe: TABLE_FORMAT_HELP }),
    load: () => require('./commands/images').run,
  },
  {
    command: 'import <file> [reference]',
    args: [1, Infinity],
    describe: 'Import the contents from a tarball to create a filesystem image',
    builder: (y) =>
      y
        .option('change', { ...str, alias: 'c', helpType: 'list', describe: 'Apply Dockerfile instruction to the created image' })
        .option('message', { ...str, alias: 'm', describe: 'Set commit message for imported image' })
        .option('platform', { ...str, describe: 'Set platform if server is multi-platform capable' }),
    load: () => require('./commands/import').run,
  },
  {
    command: 'load',
    describe: 'Load an image from a tar archive or STDIN',
    builder: (y) => y.option('input', { ...str, alias: 'i', describe: 'Read from tar archive file, instead of STDIN' }).option('quiet', { ...bool, alias: 'q', describe: 'Suppress the load output' }),
    load: () => require('./commands/load').run,
  },
  {
    command: 'save <images..>',
    describe: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    builder: (y) => y.option('output', { ...str, alias: 'o', describe: 'Write to a file, instead of STDOUT' }),
    load: () => require('./commands/save').run,
  },
  {
    command: 'build <context>',
    describe: 'Build an image from a Dockerfile',
    builder: (y) =>
      y
        .option('tag', { ...str, helpType: 'list', alias: 't', describe: 'Name and optionally a tag in the "name:tag" format' })
        .option('file', { ...str, alias: 'f', describe: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' })
        .option('build-arg', { ...str, helpType: 'list', describe: 'Set build-time variables' })
        .option('label', { ...str, helpType: 'list', describe: 'Set metadata for an image' })
        .option('quiet', { ...bool, alias: 'q', describe: 'Suppress the build output and print image ID on success' })
        .option('no-cache', { ...bool, describe: 'Do not use cache when building the image' })
        .option('force-rm', { ...bool, describe: 'Always remove intermediate containers' })
        .option('rm', { ...bool, describe: 'Remove intermediate containers after a successful build (default true)' })
        .option('pull', { ...bool, describe: 'Always attempt to pull a newer version of the image' })
        .option('platform', { ...str, describe: 'Set platform if server is multi-platform capable' })
        .option('network', { ...str, helpDefault: '"default"', describe: 'Set the networking mode for the RUN instructions during build' })
        .option('add-host', { ...str, helpType: 'list', describe: 'Add a custom host-to-IP mapping ("host:ip")' })
        .option('target', { ...str, describe: 'Set the target build stage to build.' })
        .option('shm-size', { ...str, helpType: 'bytes', describe: 'Size of "/dev/shm"' })
        .option('memory', { ...str, helpType: 'bytes', alias: 'm', describe: 'Memory limit' })
        .option('memory-swap', { ...str, helpType: 'bytes', describe: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap' })
        .option('cpu-shares', { ...str, helpType: 'int', alias: 'c', describe: 'CPU shares (relative weight)' })
        .option('cpu-period', { ...str, helpType: 'int', describe: 'Limit the CPU CFS (Completely Fair Scheduler) period' })
        .option('cpu-quota', { ...str, helpType: 'int', describe: 'Limit the CPU CFS (Completely Fair Scheduler) quota' })
        .option('cpuset-cpus', { ...str, describe: 'CPUs in which to allow execution (0-3, 0,1)' })
        .option('cpuset-mems', { ...str, describe: 'MEMs in which to allow execution (0-3, 0,1)' })
        .option('cgroup-parent', { ...str, describe: 'Set the parent cgroup for the "RUN" instructions during build' })
        .option('ulimit', { ...str, helpType: 'ulimit', helpDefault: '[]', describe: 'Ulimit options' })
        .option('cache-from', { ...str, helpType: 'strings', describe: 'Images to consider as cache sources' })
        .option('security-opt', { ...str, helpType: 'strings', describe: 'Security options' })
        .option('iidfile', { ...str, describe: 'Write the image ID to the file' })
        .option('isolation', { ...str, describe: 'Container isolation technology' })
        .option('squash', { ...bool, hidden: true /* docker shows it only for an experimental daemon; berthd is not */, describe: 'Squash newly built layers into a single new layer' })
        .option('compress', { ...bool, describe: 'Compress the build context using gzip' })
        .option('disable-content-trust', { ...bool, default: true, describe: 'Skip image verification' }),
    load: () => require('./commands/build').run,
  },
  {
    command: 'pull <image>',
    describe: 'Download an image from a registry',
    builder: (y) => y.option('all-tags', { ...bool, alias: 'a', describe: 'Download all tagged images in the repository' }).option('quiet', { ...bool, alias: 'q', describe: 'Suppress verbose output' }).option('platform', { ...str, describe: 'Set platform if server is multi-platform capable' }),
    load: () => require('./commands/pull').run,
  },
  {
    command: 'push <image>',
    describe: 'Upload an image to a registry',
    builder: (y) => y.option('quiet', { ...bool, alias: 'q', describe: 'Suppress verbose output' }),
    load: () => require('./commands/push').run,
  },
  { command: 'tag <source> <target>', describe: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: () => require('./commands/tag').run },
  {
    command: 'rmi <images..>',
    describe: 'Remove one or more images',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Force removal of the image' }).option('no-prune', { ...bool, describe: 'Do not delete untagged parents' }),
    load: () => require('./commands/rmi').run,
  },
  {
    command: 'history <image>',
    describe: 'Show the history of an image',
    builder: (y) =>
      y
        .option('human', { ...bool, default: true, helpShort: 'H', describe: 'Print sizes and dates in human readable format' })
        .option('no-trunc', { ...bool, describe: "Don't truncate output" })
        .option('quiet', { ...bool, alias: 'q', describe: 'Only show image IDs' })
        .option('format', { ...str, describe: TABLE_FORMAT_HELP }),
    load: () => require('./commands/history').run,
  },
];

const inspectBuilder = (y: Argv) =>
  y
    .option('format', { ...str, alias: 'f', describe: INSPECT_FORMAT_HELP })
    .option('size', { ...bool, alias: 's', describe: 'Display total file sizes if the type is container' })
    .option('type', { ...str, describe: 'Only inspect objects of the given type' });

export const INSPECT: CommandSpec = {
  command: 'inspect <names..>',
  describe: 'Return low-level information on Docker objects',
  builder: inspectBuilder,
  load: () => require('./commands/inspect').run,
};

export const CONTAINER_INSPECT: CommandSpec = {
  command: 'inspect <names..>',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  describe: 'Display detailed information on one or more containers',
  builder: (y) => y.option('format', { ...str, alias: 'f', describe: INSPECT_FORMAT_HELP }).option('size', { ...bool, alias: 's', describe: 'Display total file sizes' }),
  load: () => (ctx: CliContext, argv: never) => require('./commands/inspect').run(ctx, argv, 'container'),
};

export const IMAGE_INSPECT: CommandSpec = {
  command: 'inspect <names..>',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  describe: 'Display detailed information on one or more images',
  builder: (y) => y.option('format', { ...str, alias: 'f', describe: INSPECT_FORMAT_HELP }),
  load: () => (ctx: CliContext, argv: never) => require('./commands/inspect').run(ctx, argv, 'image'),
};

export const IMAGE_PRUNE: CommandSpec = {
  command: 'prune',
  describe: 'Remove unused images',
  builder: (y) =>
    y
      .option('all', { ...bool, alias: 'a', describe: 'Remove all unused images, not just dangling ones' })
      .option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' })
      .option('filter', untilFilter),
  load: () => require('./commands/image-prune').run,
};

export const CONTAINER_PRUNE: CommandSpec = {
  command: 'prune',
  describe: 'Remove all stopped containers',
  builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' }).option('filter', untilFilter),
  load: () => require('./commands/container-prune').run,
};

const fmtOpt = { ...str, describe: TABLE_FORMAT_HELP };

export const VOLUME_COMMANDS: CommandSpec[] = [
  {
    command: 'ls',
    aliases: ['list'],
    describe: 'List volumes',
    builder: (y) => y.option('quiet', { ...bool, alias: 'q', describe: 'Only display volume names' }).option('filter', { ...filterOpt, alias: 'f', describe: 'Provide filter values (e.g. "dangling=true")' }).option('format', fmtOpt),
    load: () => require('./commands/volume').ls,
  },
  {
    command: 'create [name]',
    args: [0, 1],
    usage: '[OPTIONS] [VOLUME]',
    describe: 'Create a volume',
    builder: (y) =>
      y
        .option('driver', { ...str, alias: 'd', helpDefault: '"local"', describe: 'Specify volume driver name' })
        .option('label', { ...str, helpType: 'list', describe: 'Set metadata for a volume' })
        .option('opt', { ...str, alias: 'o', helpType: 'map', helpDefault: 'map[]', describe: 'Set driver specific options' }),
    load: () => require('./commands/volume').create,
  },
  { command: 'inspect <names..>', usage: '[OPTIONS] VOLUME [VOLUME...]', describe: 'Display detailed information on one or more volumes', builder: (y) => y.option('format', { ...fmtOpt, alias: 'f', describe: INSPECT_FORMAT_HELP }), load: () => require('./commands/volume').inspect },
  {
    command: 'rm <volumes..>',
    aliases: ['remove'],
    describe: 'Remove one or more volumes',
    long: 'Remove one or more volumes. You cannot remove a volume that is in use by a container.',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Force the removal of one or more volumes' }),
    load: () => require('./commands/volume').rm,
  },
  {
    command: 'prune',
    describe: 'Remove unused local volumes',
    builder: (y) => y.option('all', { ...bool, alias: 'a', describe: 'Remove all unused volumes, not just anonymous ones' }).option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' }).option('filter', { ...filterOpt, describe: 'Provide filter values (e.g. "label=<label>")' }),
    load: () => require('./commands/volume').prune,
  },
];

export const NETWORK_COMMANDS: CommandSpec[] = [
  {
    command: 'ls',
    aliases: ['list'],
    describe: 'List networks',
    builder: (y) =>
      y
        .option('quiet', { ...bool, alias: 'q', describe: 'Only display network IDs' })
        .option('no-trunc', { ...bool, describe: 'Do not truncate the output' })
        .option('filter', { ...filterOpt, alias: 'f', describe: 'Provide filter values (e.g. "driver=bridge")' })
        .option('format', fmtOpt),
    load: () => require('./commands/network').ls,
  },
  {
    command: 'create <name>',
    usage: '[OPTIONS] NETWORK',
    describe: 'Create a network',
    builder: (y) =>
      y
        .option('driver', { ...str, alias: 'd', helpDefault: '"bridge"', describe: 'Driver to manage the Network' })
        .option('label', { ...strs, describe: 'Set metadata on a network' })
        .option('opt', { ...strs, alias: 'o', helpType: 'map', helpDefault: 'map[]', describe: 'Set driver specific options' })
        .option('internal', { ...bool, describe: 'Restrict external access to the network' })
        .option('attachable', { ...bool, describe: 'Enable manual container attachment' })
        .option('ipv6', { ...bool, describe: 'Enable or disable IPv6 address assignment' })
        .option('subnet', { ...strs, helpType: 'strings', describe: 'Subnet in CIDR format that represents a network segment' })
        .option('ip-range', { ...strs, helpType: 'strings', describe: 'Allocate container ip from a sub-range' })
        .option('gateway', { ...strs, helpType: 'strings', describe: 'IPv4 or IPv6 Gateway for the master subnet' })
        .option('aux-address', { ...strs, helpType: 'map', helpDefault: 'map[]', describe: 'Auxiliary IPv4 or IPv6 addresses used by Network driver' })
        .option('ipam-driver', { ...str, helpDefault: '"default"', describe: 'IP Address Management Driver' })
        .option('ipam-opt', { ...strs, helpType: 'map', helpDefault: 'map[]', describe: 'Set IPAM driver specific options' }),
    load: () => require('./commands/network').create,
  },
  {
    command: 'connect <network> <container>',
    describe: 'Connect a container to a network',
    builder: (y) =>
      y
        .option('alias', { ...strs, helpType: 'strings', describe: 'Add network-scoped alias for the container' })
        .option('ip', { ...str, describe: 'IPv4 address (e.g., "172.30.100.104")' })
        .option('ip6', { ...str, describe: 'IPv6 address (e.g., "2001:db8::33")' })
        .option('link', { ...strs, describe: 'Add link to another container' })
        .option('link-local-ip', { ...strs, helpType: 'strings', describe: 'Add a link-local address for the container' })
        .option('driver-opt', { ...strs, helpType: 'strings', describe: 'driver options for the network' }),
    load: () => require('./commands/network').connect,
  },
  {
    command: 'disconnect <network> <container>',
    describe: 'Disconnect a container from a network',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Force the container to disconnect from a network' }),
    load: () => require('./commands/network').disconnect,
  },
  {
    command: 'prune',
    describe: 'Remove all unused networks',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' }).option('filter', untilFilter),
    load: () => require('./commands/network').prune,
  },
  {
    command: 'rm <networks..>',
    usage: 'NETWORK [NETWORK...]',
    aliases: ['remove'],
    describe: 'Remove one or more networks',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Do not error if the network does not exist' }),
    load: () => require('./commands/network').rm,
  },
  { command: 'inspect <names..>', usage: '[OPTIONS] NETWORK [NETWORK...]', describe: 'Display detailed information on one or more networks', builder: (y) => y.option('format', { ...fmtOpt, alias: 'f', describe: INSPECT_FORMAT_HELP }), load: () => require('./commands/network').inspect },
];

export const SYSTEM_DF: CommandSpec = {
  command: 'df',
  describe: 'Show berth disk usage',
  builder: (y) => y.option('verbose', { ...bool, alias: 'v', describe: 'Show detailed information on space usage' }).option('format', fmtOpt),
  load: () => require('./commands/system-df').run,
};

export const SYSTEM_PRUNE: CommandSpec = {
  command: 'prune',
  describe: 'Remove unused data',
  builder: (y) =>
    y
      .option('all', { ...bool, alias: 'a', describe: 'Remove all unused images not just dangling ones' })
      .option('filter', { ...str, describe: 'Provide filter values (e.g. "label=<key>=<value>")' })
      .option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' })
      .option('volumes', { ...bool, describe: 'Prune anonymous volumes' }),
  load: () => require('./commands/system-prune').run,
};

export const BUILDER_PRUNE: CommandSpec = {
  command: 'prune',
  usage: '',
  describe: 'Remove build cache',
  builder: (y) =>
    y
      .option('all', { ...bool, alias: 'a', describe: 'Remove all unused build cache, not just dangling ones' })
      .option('filter', { ...str, describe: 'Provide filter values (e.g. "until=24h")' })
      .option('force', { ...bool, alias: 'f', describe: 'Do not prompt for confirmation' })
      .option('keep-storage', { ...str, helpType: 'bytes', describe: 'Amount of disk space to keep for cache' }),
  load: () => require('./commands/system-prune').builderPrune,
};

export const SYSTEM_COMMANDS: CommandSpec[] = [
  {
    command: 'login [server]',
    args: [0, 1],
    describe: 'Authenticate to a registry',
    long: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
    builder: (y) =>
      y
        .option('username', { ...str, alias: 'u', describe: 'Username' })
        .option('password', { ...str, alias: 'p', describe: 'Password or Personal Access Token (PAT)' })
        .option('password-stdin', { ...bool, describe: 'Take the Password or Personal Access Token (PAT) from stdin' }),
    load: () => require('./commands/login').login,
  },
  { command: 'logout [server]', args: [0, 1], describe: 'Log out from a registry', long: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.', load: () => require('./commands/login').logout },
  {
    command: 'version',
    describe: 'Show the berth version information',
    builder: (y) => y.option('format', { ...str, alias: 'f', describe: INSPECT_FORMAT_HELP }),
    load: () => require('./commands/version').run,
  },
  {
    command: 'info',
    describe: 'Display system-wide information',
    builder: (y) => y.option('format', { ...str, alias: 'f', describe: INSPECT_FORMAT_HELP }),
    load: () => require('./commands/info').run,
  },
  {
    command: 'events',
    describe: 'Get real time events from the server',
    builder: (y) =>
      y
        .option('since', { ...str, describe: 'Show all events created since timestamp' })
        .option('until', { ...str, describe: 'Stream events until this timestamp' })
        .option('filter', { ...str, alias: 'f', describe: 'Filter output based on conditions provided' })
        .option('format', { ...str, describe: INSPECT_FORMAT_HELP }),
    load: () => require('./commands/events').run,
  },
];

export const SYSTEM_DIAL_STDIO: CommandSpec = {
  command: 'dial-stdio',
  describe: 'Proxy the stdio stream to the daemon connection. Should not be invoked manually.',
  load: () => require('./commands/dial-stdio').run,
};

/** docker's Long of `context create`/`update`: the `--docker` keys in a 20/1/3 tabwriter, and an example. */
function contextEndpointLong(verb: 'create' | 'update'): string {
  const keys = [
    ['NAME', 'DESCRIPTION'],
    ['from', "Copy named context's Docker endpoint configuration"],
    ['host', 'Docker endpoint on which to connect'],
    ['ca', 'Trust certs signed only by this CA'],
    ['cert', 'Path to TLS certificate file'],
    ['key', 'Path to TLS key file'],
    ['skip-tls-verify', 'Skip TLS certificate validation'],
  ];
  const table = keys.map(([k, d]) => `${k!.padEnd(20)}${d}`).join('\n');
  return `${verb === 'create' ? 'Create' : 'Update'} a context\n\nDocker endpoint config:\n\n${table}\n\nExample:\n\n$ berth context ${verb} my-context --description "some description" --docker "host=tcp://myserver:2376,ca=~/ca-file,cert=~/cert-file,key=~/key-file"`;
}

export const CONTEXT_COMMANDS: CommandSpec[] = [
  {
    command: 'ls',
    aliases: ['list'],
    describe: 'List contexts',
    builder: (y) => y.option('format', fmtOpt).option('quiet', { ...bool, alias: 'q', describe: 'Only show context names' }),
    load: () => require('./commands/context').ls,
  },
  { command: 'show', describe: 'Print the name of the current context', load: () => require('./commands/context').show },
  { command: 'use <name>', usage: 'CONTEXT', args: [1, 1], cobraArgs: true, describe: 'Set the current berth context', load: () => require('./commands/context').use },
  {
    command: 'create <name>',
    usage: '[OPTIONS] CONTEXT',
    args: [1, 1],
    describe: 'Create a context',
    long: contextEndpointLong('create'),
    builder: (y) =>
      y
        .option('description', { ...str, describe: 'Description of the context' })
        .option('docker', { ...str, helpType: 'stringToString', helpDefault: '[]', describe: 'set the docker endpoint' })
        .option('from', { ...str, describe: 'create context from a named context' }),
    load: () => require('./commands/context').create,
  },
  {
    command: 'rm <names..>',
    aliases: ['remove'],
    usage: 'CONTEXT [CONTEXT...]',
    describe: 'Remove one or more contexts',
    builder: (y) => y.option('force', { ...bool, alias: 'f', describe: 'Force the removal of a context in use' }),
    load: () => require('./commands/context').rm,
  },
  {
    command: 'update <name>',
    usage: '[OPTIONS] CONTEXT',
    args: [1, 1],
    describe: 'Update a context',
    long: contextEndpointLong('update'),
    builder: (y) =>
      y
        .option('description', { ...str, describe: 'Description of the context' })
        .option('docker', { ...str, helpType: 'stringToString', helpDefault: '[]', describe: 'set the docker endpoint' }),
    load: () => require('./commands/context').update,
  },
  {
    command: 'export <name> [dest]',
    usage: '[OPTIONS] CONTEXT [FILE|-]',
    args: [1, 2],
    describe: 'Export a context to a tar archive FILE or a tar stream on STDOUT.',
    load: () => require('./commands/context').exportContext,
  },
  { command: 'import <name> <source>', usage: 'CONTEXT FILE|-', args: [2, 2], describe: 'Import a context from a tar or zip file', load: () => require('./commands/context').importContext },
  { command: 'inspect [names..]', usage: '[OPTIONS] [CONTEXT] [CONTEXT...]', describe: 'Display detailed information on one or more contexts', builder: (y) => y.option('format', { ...fmtOpt, alias: 'f', describe: INSPECT_FORMAT_HELP }), load: () => require('./commands/context').inspect },
];

export const MANIFEST_COMMANDS: CommandSpec[] = [
  {
    command: 'inspect <names..>',
    usage: '[OPTIONS] [MANIFEST_LIST] MANIFEST',
    experimental: true,
    args: [1, 2],
    describe: 'Display an image manifest, or manifest list',
    builder: (y) => y.option('insecure', { ...bool, describe: 'Allow communication with an insecure registry' }).option('verbose', { ...bool, alias: 'v', describe: 'Output additional info including layers and platform' }),
    load: () => require('./commands/manifest').inspect,
  },
];

export const SEARCH: CommandSpec = {
  command: 'search <term>',
  describe: 'Search Docker Hub for images',
  builder: (y) =>
    y
      .option('filter', { ...str, alias: 'f', describe: 'Filter output based on conditions provided' })
      .option('format', { ...str, describe: 'Pretty-print search using a Go template' })
      .option('limit', { ...str, helpType: 'int', describe: 'Max number of search results' })
      .option('no-trunc', { ...bool, describe: "Don't truncate output" }),
  load: () => require('./commands/search').run,
};
