import { expect } from '@jest/globals';
import type { clientsFor } from './clients';

type Clients = Pick<ReturnType<typeof clientsFor>, 'docker' | 'berth'>;
type Result = { code: number | null; stdout: string; stderr: string };

/** berth's output in docker's words: its program name (and `BERTH_HOST`) as docker's. */
export function asDockerOutput(s: string): string {
  return s.replace(/(^|[\s'"])berth(?=[\s:'"])/gm, '$1docker').replace(/BERTH_HOST/g, 'DOCKER_HOST');
}

/** The docker CLI and berth, one after the other, with the same arguments (and stdin): both results, berth's output through `asDockerOutput`. */
export async function bothClis(c: Clients, args: string[], input?: string): Promise<{ docker: Result; berth: Result }> {
  const opts = input !== undefined ? { input } : {};
  const dr = await c.docker(args, opts);
  const br = await c.berth(args, opts);
  return {
    docker: { code: dr.code, stdout: dr.stdout, stderr: dr.stderr },
    berth: { code: br.code, stdout: asDockerOutput(br.stdout), stderr: asDockerOutput(br.stderr) },
  };
}

/** `bothClis`, expecting berth's exit code, stdout and stderr to equal docker's; returns docker's. */
export async function sameOnBothClis(c: Clients, args: string[], input?: string): Promise<Result> {
  const r = await bothClis(c, args, input);
  expect(r.berth).toEqual(r.docker);
  return r.docker;
}
