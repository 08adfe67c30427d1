/**
 * Real clients of the networking API (issue 9): Debian's docker-compose 1.29 brings up a stack
 * of three services on a project network with a published port (one in another's namespace,
 * `network_mode: service:web`), and dockerode creates, inspects,
 * connects and removes a network. berthd runs inside a network namespace this file creates
 * (network safety); test traffic goes only to loopback and addresses inside it.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { BerthDaemon, NetNs, clientsFor, exec, ok, onPath, scratchDir, useDaemon, waitFor } from './harness';

let ns: NetNs;
let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let project: string;

const COMPOSE_FILE = `version: "3.7"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports:
      - "8088:80"
    stop_grace_period: 1s
  client:
    image: busybox:latest
    command: ["sh", "-c", "for i in $$(seq 1 50); do wget -qO- http://web/ && exit 0; sleep 0.2; done; exit 1"]
    depends_on:
      - web
  side:
    image: busybox:latest
    network_mode: "service:web"
    command: ["sh", "-c", "for i in $$(seq 1 50); do wget -qO- http://127.0.0.1/ && exit 0; sleep 0.2; done; exit 1"]
    depends_on:
      - web
`;

function compose(args: string[]) {
  if (!onPath('docker-compose')) throw new Error('docker-compose not found on PATH: run scripts/setup.sh (apt-get install docker-compose)');
  return exec('docker-compose', ['-p', 'e2eproj', ...args], {
    cwd: project,
    env: { DOCKER_HOST: d.host, COMPOSE_INTERACTIVE_NO_CLI: '1', DOCKER_CONFIG: scratchDir('compose-docker-config') },
    timeoutMs: 60_000,
  });
}

function hostGet(url: string, seconds = 5) {
  return ns.exec('timeout', [String(seconds), 'busybox', 'wget', '-qO-', url]);
}

useDaemon(
  (daemon, netns) => {
    [d, ns] = [daemon, netns!];
    c = clientsFor(d);
  },
  { netns: 'compose' },
);

beforeAll(() => {
  project = scratchDir('compose-project');
  fs.writeFileSync(path.join(project, 'docker-compose.yml'), COMPOSE_FILE);
});

describe('docker-compose 1.29', () => {
  it('up: the client reaches the web service by its name; the port is published; ps, logs, down leave nothing', async () => {
    const up = ok(await compose(['up', '-d']));
    expect(up.stderr).toMatch(/Creating network "e2eproj_default" with the default driver/);
    let body = '';
    await waitFor('the published web service', async () => {
      const r = await hostGet('http://127.0.0.1:8088/', 2);
      body = r.stdout;
      return r.code === 0;
    }, 15_000);
    expect(body).toBe('from-web\n');
    expect(ok(await c.docker(['wait', 'e2eproj_client_1'])).stdout.trim()).toBe('0');
    // network_mode: service:web is container:<web's id>: web's namespace, its loopback
    expect(ok(await c.docker(['wait', 'e2eproj_side_1'])).stdout.trim()).toBe('0');
    expect(ok(await c.docker(['inspect', '-f', '{{.HostConfig.NetworkMode}}', 'e2eproj_side_1'])).stdout).toMatch(/^container:[0-9a-f]{64}\n$/);
    expect(ok(await compose(['logs', '--no-color', 'client'])).stdout).toContain('from-web');
    const ps = ok(await compose(['ps'])).stdout;
    expect(ps).toMatch(/e2eproj_web_1\s.*Up\s.*0\.0\.0\.0:8088->80\/tcp/);
    expect(ps).toMatch(/e2eproj_client_1\s.*Exit 0/);
    const net = JSON.parse(ok(await c.docker(['network', 'inspect', 'e2eproj_default'])).stdout)[0];
    expect(net.Labels).toMatchObject({ 'com.docker.compose.project': 'e2eproj', 'com.docker.compose.network': 'default' });
    const web = JSON.parse(ok(await c.docker(['inspect', 'e2eproj_web_1'])).stdout)[0];
    expect(web.NetworkSettings.Networks.e2eproj_default.Aliases).toEqual(expect.arrayContaining(['web']));

    const down = ok(await compose(['down']));
    expect(down.stderr).toMatch(/Removing network e2eproj_default/);
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect(ok(await c.docker(['network', 'ls', '-q', '--filter', 'name=e2eproj'])).stdout.trim()).toBe('');
    expect((await hostGet('http://127.0.0.1:8088/', 2)).code).not.toBe(0);
    expect(ns.links().filter((l) => l.startsWith('veth') || l.startsWith('br-'))).toEqual([]);
    expect(ns.nftRuleset()).not.toMatch(/8088/);
  }, 120_000);
});

describe('dockerode', () => {
  it('createNetwork, inspect, connect a container, disconnect, remove', async () => {
    const docker: Docker = c.dockerode();
    const net = await docker.createNetwork({ Name: 'dnet', Driver: 'bridge', CheckDuplicate: true, IPAM: { Driver: 'default', Config: [{ Subnet: '10.88.0.0/24' }] }, Labels: { by: 'dockerode' } });
    const info = await net.inspect();
    expect(info).toMatchObject({ Name: 'dnet', Driver: 'bridge', Scope: 'local', Labels: { by: 'dockerode' } });
    expect(info.IPAM?.Config?.[0]?.Subnet).toBe('10.88.0.0/24');
    const listed = await docker.listNetworks({ filters: { name: ['dnet'] } });
    expect(listed.map((n) => n.Name)).toEqual(['dnet']);
    const ctr = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '60'] });
    await ctr.start();
    await net.connect({ Container: ctr.id, EndpointConfig: { Aliases: ['dn'] } });
    const ci = await ctr.inspect();
    expect(ci.NetworkSettings.Networks.dnet!.IPAddress).toMatch(/^10\.88\.0\.\d+$/);
    const withCtr = await net.inspect();
    expect(Object.keys(withCtr.Containers ?? {})).toEqual([ctr.id]);
    await net.disconnect({ Container: ctr.id });
    expect(Object.keys((await ctr.inspect()).NetworkSettings.Networks)).toEqual(['bridge']);
    await ctr.remove({ force: true });
    await net.remove();
    await expect(docker.getNetwork('dnet').inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);
});
