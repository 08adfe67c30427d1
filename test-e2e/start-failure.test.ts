/**
 * A start that fails before the runtime runs (Docker's containerStart: conditionalMountOnStart,
 * initializeNetworking, createSpec) records exit code 128 whatever the error's text: Docker's
 * translateContainerdStartErr (127 for "no such file or directory", 126 for "permission
 * denied") reads only the runtime's errors. berth read every error's text: a missing --device
 * node (createSpec's "error gathering device information ...: no such file or directory") was
 * recorded as 127, as if the command had not been found. createSpec's errors are a 500 whatever
 * their kind (Docker wraps them in errdefs.System); berth answered that one with a 400.
 */
import { describe, expect, it } from '@jest/globals';
import { clientsFor, failed, ok, rawRequest, useDaemon, type BerthDaemon } from './harness';

let c: ReturnType<typeof clientsFor>;
let d: BerthDaemon;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(daemon);
});

describe('a start failing before the runtime (Docker: exit code 128)', () => {
  it('a --device node missing at start: a 500 and exit code 128, not the runtime\'s 127 for its "no such file or directory"', async () => {
    ok(await c.docker(['create', '--name', 'sf-dev', '--network', 'none', '--device', '/dev/berth-no-such-device', 'busybox', 'true']));
    const r = failed(await c.docker(['start', 'sf-dev']));
    expect(r.stderr).toContain('Error response from daemon: error gathering device information while adding custom device "/dev/berth-no-such-device": no such file or directory');
    const again = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/sf-dev/start' });
    expect([again.status, (again.json as { message: string }).message]).toEqual([500, expect.stringContaining('error gathering device information')]);
    expect(ok(await c.docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', 'sf-dev'])).stdout).toBe('false 128\n');
    ok(await c.docker(['rm', 'sf-dev']));
  });

  it('the runtime\'s own "no such file or directory" (a command that does not exist) is still 127', async () => {
    ok(await c.docker(['create', '--name', 'sf-cmd', '--network', 'none', 'busybox', '/no/such/cmd']));
    failed(await c.docker(['start', 'sf-cmd']));
    expect(ok(await c.docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', 'sf-cmd'])).stdout).toBe('false 127\n');
    ok(await c.docker(['rm', 'sf-cmd']));
  });
});
