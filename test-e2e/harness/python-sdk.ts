import { exec } from './exec';
import type { BerthDaemon } from './daemon';

/** Debian's python3 (with Debian's `python3-docker`), not a pyenv python that may be first on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Runs a Python snippet against the daemon with Docker's Python SDK (`python3-docker`) as the real
 * client. The snippet gets `docker` (the module), `client` (`docker.DockerClient` on the daemon's
 * socket), `api` (its low-level `APIClient`) and `out(value)`, which prints value as the JSON this
 * function returns. An uncaught exception fails with the traceback.
 */
export async function pythonSdk(d: BerthDaemon, snippet: string, opts: { version?: string; timeoutMs?: number } = {}): Promise<unknown> {
  const prelude = [
    'import docker, json, sys',
    `client = docker.DockerClient(base_url=${JSON.stringify(d.host)}, version=${JSON.stringify(opts.version ?? '1.41')}, timeout=30)`,
    'api = client.api',
    '_out = []',
    'def out(v): _out.append(v)',
  ].join('\n');
  const epilogue = '\nprint(json.dumps(_out[0] if len(_out) == 1 else _out))\n';
  const r = await exec(SYSTEM_PYTHON, ['-c', `${prelude}\n${snippet}\n${epilogue}`], { timeoutMs: opts.timeoutMs ?? 40_000 });
  if (r.code !== 0) throw new Error(`python3-docker snippet failed (${r.code ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as unknown;
}
