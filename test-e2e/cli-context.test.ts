/**
 * `context use/create/rm/inspect` as docker 28: docker's name rule and errors, the reserved
 * `default`, and one store both CLIs read and write (the same config dir: a context made by one
 * is used by the other, `use` is seen by both, and berth reaches the daemon through it).
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, asDockerOutput, clientsFor, ok, sameOnBothClis, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let dir: string;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
  dir = scratchDir('context-store');
});

// one config dir for both; no *_HOST, so the current context decides the endpoint
const envs = () => ({ docker: { DOCKER_CONFIG: dir, DOCKER_HOST: '' }, berth: { BERTH_CONFIG: dir, BERTH_HOST: '' } });
const docker = (args: string[]) => c.docker(args, { env: envs().docker });
const berth = async (args: string[]) => {
  const r = await c.berth(args, { env: envs().berth });
  return { ...r, stdout: asDockerOutput(r.stdout), stderr: asDockerOutput(r.stderr) };
};
const same = (args: string[]) => sameOnBothClis(c, args, undefined, envs());

describe('contexts as docker 28', () => {
  it("names: docker's rule, the reserved default, missing contexts", async () => {
    for (const name of ['x', '.x', 'a/b', '', 'no-such.ctx']) expect((await same(['context', 'use', name])).code).toBe(1);
    for (const name of ['default', 'x', 'a b', '']) expect((await same(['context', 'create', name])).code).toBe(1);
    expect((await same(['context', 'rm', 'default', 'nosuch'])).code).toBe(1);
    expect((await same(['context', 'inspect', 'nosuch'])).code).toBe(1);
    expect((await same(['context', 'create', 'bad', '--docker', 'nokv'])).code).toBe(125);
    expect((await same(['context', 'use', 'default'])).code).toBe(0);
  });

  it('one store: created by either CLI, used by both, removed with -f when current', async () => {
    const made = ok(await docker(['context', 'create', 'by-docker', '--docker', `host=${d.host}`, '--description', 'made by docker']));
    expect(made.stdout).toBe('by-docker\n');
    await same(['context', 'inspect', 'by-docker']);
    expect((await same(['context', 'create', 'by-docker'])).code).toBe(1);
    ok(await berth(['context', 'create', 'by-berth', '--docker', `host=${d.host}`]));
    await same(['context', 'inspect', 'by-berth']);
    // berth's `use` is docker's current context too, and berth reaches berthd through it
    ok(await berth(['context', 'use', 'by-berth']));
    expect(ok(await docker(['context', 'show'])).stdout).toBe('by-berth\n');
    await same(['context', 'show']);
    await same(['ps', '-a', '--format', '{{.Names}}']);
    expect((await same(['context', 'rm', 'by-berth'])).code).toBe(1);
    ok(await berth(['context', 'rm', '-f', 'by-berth']));
    expect(ok(await docker(['context', 'show'])).stdout).toBe('default\n');
    expect(ok(await berth(['context', 'rm', 'by-docker'])).stdout).toBe('by-docker\n');
    expect((await same(['context', 'ls', '-q'])).stdout).toBe('default\n');
  });
});
