import { expect } from '@jest/globals';
import type { clientsFor } from './clients';

type Clients = Pick<ReturnType<typeof clientsFor>, 'docker' | 'berth'>;
type Result = { code: number | null; stdout: string; stderr: string };

/** berth's output in docker's words: its program name (and `BERTH_HOST`) as docker's. */
export function asDockerOutput(s: string): string {
  return s.replace(/(^|[\s'"])berth(?=[\s:'"])/gm, '$1docker').replace(/BERTH_HOST/g, 'DOCKER_HOST');
}

/** Environment for each CLI (e.g. DOCKER_CONFIG for docker, BERTH_CONFIG for berth). */
export type CliEnvs = { docker?: Record<string, string>; berth?: Record<string, string> };

/** The docker CLI and berth, one after the other, with the same arguments (and stdin, and each its env): both results, berth's output through `asDockerOutput`. */
export async function bothClis(c: Clients, args: string[], input?: string, env: CliEnvs = {}): Promise<{ docker: Result; berth: Result }> {
  const opts = input !== undefined ? { input } : {};
  const dr = await c.docker(args, env.docker ? { ...opts, env: env.docker } : opts);
  const br = await c.berth(args, env.berth ? { ...opts, env: env.berth } : opts);
  return {
    docker: { code: dr.code, stdout: dr.stdout, stderr: dr.stderr },
    berth: { code: br.code, stdout: asDockerOutput(br.stdout), stderr: asDockerOutput(br.stderr) },
  };
}

/** `bothClis`, expecting berth's exit code, stdout and stderr to equal docker's; returns docker's. */
export async function sameOnBothClis(c: Clients, args: string[], input?: string, env: CliEnvs = {}): Promise<Result> {
  const r = await bothClis(c, args, input, env);
  expect(r.berth).toEqual(r.docker);
  return r.docker;
}
