/**
 * Issue 12: swarm, node, service, task, secret, config and plugin routes as an inactive-swarm
 * Docker 20.10 answers them, driven by Docker's Python SDK (python3-docker) and the docker CLI.
 * Docker's texts: moby daemon/cluster errors.go (errNoManager, errNoSwarm), plugin/errors.go.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, pythonSdk, rawRequest, useDaemon } from './harness';

const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

let d: BerthDaemon;
useDaemon(
  (daemon) => {
    d = daemon;
  },
  { busybox: false, timeoutMs: 60_000 },
);

/** A snippet that calls `expr` and reports the APIError's status and explanation (or the value). */
const apiCall = (expr: string): string => `
try:
    out({'value': ${expr}})
except docker.errors.APIError as e:
    out({'status': e.status_code, 'explanation': e.explanation})
`;

describe('swarm mode (inactive)', () => {
  it('info reports LocalNodeState inactive', async () => {
    expect(await pythonSdk(d, `out(client.info()['Swarm'])`)).toMatchObject({ LocalNodeState: 'inactive', NodeID: '', ControlAvailable: false });
  });

  it('the SDK\'s forced leave tolerates the 503; unforced it is "not part of a swarm"', async () => {
    expect(await pythonSdk(d, `out(client.swarm.leave(force=True))`)).toBe(true);
    expect(await pythonSdk(d, apiCall('client.swarm.leave()'))).toEqual({ status: 503, explanation: 'This node is not part of a swarm' });
  });

  it.each([
    ['nodes', 'client.nodes.list()'],
    ['node', "client.nodes.get('abc')"],
    ['services', 'client.services.list()'],
    ['service', "api.inspect_service('abc')"],
    ['service create', "api.create_service(docker.types.TaskTemplate(docker.types.ContainerSpec('busybox', ['true'])))"],
    ['tasks', 'api.tasks()'],
    ['secrets', 'client.secrets.list()'],
    ['secret create', "api.create_secret('s', b'x')"],
    ['configs', 'client.configs.list()'],
    ['swarm inspect', 'api.inspect_swarm()'],
    ['unlock key', 'api.get_unlock_key()'],
  ])('%s: 503 not a swarm manager', async (_what, expr) => {
    expect(await pythonSdk(d, apiCall(expr))).toEqual({ status: 503, explanation: NOT_MANAGER });
  });

  it('malformed list filters are a 400 before the 503, as docker parses them first', async () => {
    const r = await rawRequest(d.socketPath, { path: '/v1.41/services?filters=%7Bnot-json' });
    expect(r.status).toBe(400);
  });

  it('init is refused plainly (berth does not implement swarm mode)', async () => {
    const r = (await pythonSdk(d, apiCall("client.swarm.init(advertise_addr='127.0.0.1')"))) as { status: number; explanation: string };
    expect(r.status).toBe(501);
    expect(r.explanation).toMatch(/does not implement swarm mode/);
  });

  it('docker node ls / service ls print the daemon\'s message and exit 1', async () => {
    const { docker } = clientsFor(d);
    for (const args of [['node', 'ls'], ['service', 'ls'], ['secret', 'ls']]) {
      const r = await docker(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error response from daemon: ${NOT_MANAGER}`);
    }
  });
});

describe('plugins (none installed)', () => {
  it('lists none', async () => {
    expect(await pythonSdk(d, `out([p.name for p in client.plugins.list()])`)).toEqual([]);
    const r = await clientsFor(d).docker(['plugin', 'ls']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1); // the header only
  });

  it('a named plugin is 404 plugin "NAME" not found', async () => {
    expect(await pythonSdk(d, apiCall("client.plugins.get('vieux/sshfs:latest').name"))).toEqual({
      status: 404,
      explanation: 'plugin "vieux/sshfs:latest" not found',
    });
    const rm = await rawRequest(d.socketPath, { method: 'DELETE', path: '/v1.41/plugins/vieux/sshfs?force=1' });
    expect([rm.status, rm.json]).toEqual([404, { message: 'plugin "vieux/sshfs" not found' }]);
    const en = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/plugins/sshfs/enable?timeout=30' });
    expect([en.status, en.json]).toEqual([404, { message: 'plugin "sshfs" not found' }]);
    // moby: strconv.Atoi(timeout) before the lookup, its error raw (500); out of int64's range too
    for (const [t, why] of [['x', 'invalid syntax'], ['99999999999999999999', 'value out of range']]) {
      const bad = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/plugins/sshfs/enable?timeout=${t}` });
      expect([bad.status, bad.json]).toEqual([500, { message: `strconv.Atoi: parsing "${t}": ${why}` }]);
    }
  });

  it('an unknown list filter is 400 as docker', async () => {
    const r = await rawRequest(d.socketPath, { path: `/v1.41/plugins?filters=${encodeURIComponent('{"nope":{"x":true}}')}` });
    expect([r.status, r.json]).toEqual([400, { message: "invalid filter 'nope'" }]);
  });
});
