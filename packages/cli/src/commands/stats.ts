import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { normalizeFormat, renderRows } from '../format/render';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, statsRow } from '../format/stats-row';
import type { FormatContext } from '../format/template';

export interface StatsArgv {
  containers?: string[];
  all?: boolean;
  noStream?: boolean;
  noTrunc?: boolean;
  format?: string;
}

/**
 * `berth stats [--no-stream] [-a] [--no-trunc] [--format] [CONTAINER...]`. With --no-stream: one
 * sample per container, fetched in parallel. Without: docker's live view — a stats stream per
 * container, the table redrawn every 500 ms from the top-left with docker's exact escape sequences
 * (`ESC[H`, each line again with `ESC[K`, then `ESC[J`), containers started or stopped picked up
 * when no names were given, until the containers named all stopped; ctrl-c cancels the streams
 * (rows of `--`, still redrawn, as docker 28) and the third ctrl-c leaves (exit 1).
 */
export async function run(ctx: CliContext, argv: StatsArgv): Promise<ExitCode> {
  if (!argv.noStream) return live(ctx, argv);
  const client = ctx.client('fast');
  let names = argv.containers ?? [];
  if (names.length === 0) names = (await client.containers.list({ all: argv.all })).map((c) => c.Id.slice(0, 12));
  const results = await Promise.allSettled(names.map((n) => client.containers.stats(n)));
  const rows = [];
  let failed = false;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === 'fulfilled') rows.push(statsRow(r.value, { trunc: !argv.noTrunc, container: names[i]! }));
    else {
      failed = true;
      ctx.io.stderr.write(`${describeError(r.reason)}\n`);
    }
  }
  if (failed) return 1; // docker prints no table when a container fails
  ctx.io.stdout.write(renderRows(normalizeFormat(argv.format, STATS_DEFAULT_FORMAT), rows, STATS_HEADERS));
  return 0;
}

/** One frame as docker writes it while streaming. */
export function liveFrame(table: string): string {
  const buf = `\u001b[H${table}`;
  return `${buf}${buf
    .split('\n')
    .map((l) => `${l} \u001b[K\n`)
    .join('')}\u001b[J`;
}

interface Watched {
  name: string;
  last?: Record<string, unknown>;
  abort: AbortController;
  gone: boolean;
  /** When the last sample came (or the watch began): a row 2 s without one shows `--`, as docker's collector resets it. */
  at: number;
  /** Settles at the first sample, or when the stream ends. */
  first: Promise<void>;
  /** The stream ended in an error (not because the container stopped). */
  failed?: boolean;
}

/** docker's collector resets a row that got no sample for this long ("timeout waiting for stats"). */
const STALE_MS = 2000;

async function live(ctx: CliContext, argv: StatsArgv): Promise<ExitCode> {
  const client = ctx.client('general');
  const watched = new Map<string, Watched>();
  const named = argv.containers ?? [];
  const format = normalizeFormat(argv.format, STATS_DEFAULT_FORMAT);
  let stopped = false;
  const watch = (key: string, name: string) => {
    let firstCame: () => void = () => undefined;
    const w: Watched = { name, abort: new AbortController(), gone: false, at: Date.now(), first: new Promise<void>((r) => (firstCame = r)) };
    watched.set(key, w);
    (async () => {
      try {
        for await (const s of await client.containers.statsStream(key, w.abort.signal)) {
          w.last = s;
          w.at = Date.now();
          firstCame();
        }
      } catch (e) {
        w.failed = true;
        if (!w.abort.signal.aborted && named.length) ctx.io.stderr.write(`${describeError(e)}\n`);
      }
      w.gone = true;
      firstCame();
    })().catch(() => undefined);
  };
  if (named.length) {
    // docker checks each named container first
    const found = await Promise.allSettled(named.map((n) => client.containers.inspect(n)));
    const missing = found.flatMap((r, i) => (r.status === 'rejected' ? [`${describeError(r.reason)}`.replace(/^Error response from daemon: /, '') || named[i]!] : []));
    if (missing.length) {
      ctx.io.stderr.write(`Error response from daemon: ${missing.join(', ')}\n`);
      return 1;
    }
    for (const n of named) watch(n, n);
  }
  const refresh = async () => {
    if (named.length) return;
    const list = await client.containers.list({ all: argv.all });
    const ids = new Set(list.map((c) => c.Id.slice(0, 12)));
    for (const id of ids) if (!watched.has(id)) watch(id, id);
    for (const [id, w] of watched) {
      if (!ids.has(id)) {
        w.abort.abort();
        watched.delete(id);
      }
    }
  };
  // docker 28: the first SIGINT/SIGTERM cancels the streams (rows turn to `--`) but the table is
  // still redrawn; the third leaves with "got 3 SIGTERM/SIGINTs, forcefully exiting", exit 1
  let signals = 0;
  let forced: () => void = () => undefined;
  const forcedExit = new Promise<void>((r) => (forced = r));
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      stopped = true;
      for (const w of watched.values()) w.abort.abort();
    } else if (signals >= 3) {
      ctx.io.stderr.write('\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n');
      forced();
    }
  };
  const unhook = ctx.onSignal('SIGINT', onSignal);
  const unhookTerm = ctx.onSignal('SIGTERM', onSignal);
  try {
    await refresh();
    // docker draws the first frame once every container has sent a sample, or after 2 s (then its row is `--`)
    let waited: ReturnType<typeof setTimeout> | undefined;
    const firsts = Promise.all([...watched.values()].map((w) => w.first));
    const twoSeconds = new Promise<void>((r) => (waited = setTimeout(r, STALE_MS)));
    const started = await Promise.race([firsts.then(() => 'ok' as const), twoSeconds.then(() => 'ok' as const), forcedExit.then(() => 'forced' as const)]);
    clearTimeout(waited);
    if (started === 'forced') return 1;
    for (;;) {
      const tick = await Promise.race([new Promise<'tick'>((r) => setTimeout(() => r('tick'), 500)), forcedExit.then(() => 'forced' as const)]);
      if (tick === 'forced') return 1;
      const rows: FormatContext[] = [];
      for (const w of watched.values()) rows.push(statsRow(w.last ?? {}, { trunc: !argv.noTrunc, container: w.name, invalid: stopped || (w.gone && w.failed) || (!w.gone && Date.now() - w.at > STALE_MS) }));
      ctx.io.stdout.write(liveFrame(renderRows(format, rows, STATS_HEADERS)));
      if (stopped) continue;
      if (named.length && [...watched.values()].every((w) => w.gone) && !argv.all) break;
      await refresh().catch(() => undefined);
    }
  } finally {
    unhook();
    unhookTerm();
    for (const w of watched.values()) w.abort.abort();
  }
  return 0;
}
