import * as path from 'node:path';
import Docker from 'dockerode';
import type { BerthDaemon } from './daemon';
import { exec, ExecOptions, ExecResult, onPath } from './exec';
import { berthBin } from './paths';
import { scratchDir } from './scratch-dir';

let dockerConfig: string | undefined;
let berthConfig: string | undefined;

/** Client-side environment that must not leak in from the machine running the tests. */
const CLEARED_ENV = [
  'DOCKER_CONTEXT',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_API_VERSION',
  'BERTH_HOST',
  'BERTH_TLS_VERIFY',
  'BERTH_CERT_PATH',
  'BERTH_API_VERSION',
];

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of CLEARED_ENV) delete env[k];
  return { ...env, ...extra };
}

/**
 * The real docker CLI. The end-to-end suite requires it: when it is missing this throws (the test
 * fails, it is not skipped) with the fix.
 */
export function dockerCli(host: string | undefined, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (!onPath('docker')) {
    throw new Error('docker CLI not found on PATH: the end-to-end tests drive the real docker CLI; run scripts/setup.sh');
  }
  // an empty config of its own: nothing from ~/.docker (contexts, auths, formats) applies
  dockerConfig ??= scratchDir('docker-config');
  const env = cleanEnv({ DOCKER_CONFIG: dockerConfig, ...(host ? { DOCKER_HOST: host } : {}), ...opts.env });
  return exec('docker', args, { ...opts, env, replaceEnv: true });
}

/** The launcher npm links as `berth`: node from the CLI's start-up snapshot when `npm run build` made one for this node, else bin/berth.js. */
const berthLauncher = path.join(path.dirname(berthBin), 'berth');

/**
 * The berth CLI as a user runs it (bin/berth, the fast path); with BERTH_E2E_CLI=plain, its
 * bin/berth.js run by this node instead.
 */
export function berthCli(host: string | undefined, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  berthConfig ??= scratchDir('berth-config');
  const env = cleanEnv({ BERTH_CONFIG: berthConfig, ...(host ? { BERTH_HOST: host } : {}), ...opts.env });
  if (process.env.BERTH_E2E_CLI === 'plain') return exec(process.execPath, ['--', berthBin, ...args], { ...opts, env, replaceEnv: true });
  return exec(berthLauncher, args, { ...opts, env, replaceEnv: true });
}

/** Shorthands bound to one daemon. */
export function clientsFor(d: BerthDaemon) {
  return {
    docker: (args: string[], opts?: ExecOptions) => dockerCli(d.host, args, opts),
    berth: (args: string[], opts?: ExecOptions) => berthCli(d.host, args, opts),
    dockerode: () => new Docker({ socketPath: d.socketPath }),
  };
}

/**
 * Parses a docker-style table (`docker ps`, `docker images`) by the header's column positions, the
 * way its tabwriter aligns them: every row cell starts where its header does.
 */
export function parseTable(output: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [] };
  const headerLine = lines[0];
  const cols: { name: string; start: number }[] = [];
  const re = /\S+(?: \S+)*/g; // names separated by 2+ spaces; single spaces stay inside (IMAGE ID)
  for (let m = re.exec(headerLine); m; m = re.exec(headerLine)) cols.push({ name: m[0], start: m.index });
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      const end = i + 1 < cols.length ? cols[i + 1].start : line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    return row;
  });
  return { header: cols.map((c) => c.name), rows };
}
