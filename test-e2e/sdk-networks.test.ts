/**
 * Issue 12, through Docker's Python SDK (python3-docker) against a berthd in a network namespace
 * of the test's own (network safety): API 1.44's several networks at create (EndpointsConfig
 * with more than one network: every one joined from 1.44, refused below as docker does),
 * `GET /containers/json`'s endpoint fields by version (moby's list copies no Aliases, Links or
 * DNSNames), and `docker build --network` (`networkmode`: none, host, default, a user network)
 * for the RUN containers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, pythonSdk, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;

useDaemon(
  (daemon) => {
    d = daemon;
  },
  { netns: 'sdknet' },
);

beforeAll(async () => {
  const { docker } = clientsFor(d);
  ok(await docker(['network', 'create', '--subnet', '10.231.1.0/24', 'sdkn1']));
  ok(await docker(['network', 'create', '--subnet', '10.231.2.0/24', 'sdkn2']));
}, 60_000);

const apiCall = (expr: string): string => `
try:
    out({'value': ${expr}})
except docker.errors.APIError as e:
    out({'status': e.status_code, 'explanation': e.explanation})
`;

const TWO_NETWORKS = `api.create_container('busybox', ['sleep', '60'], name=NAME, host_config=api.create_host_config(network_mode='sdkn1'),
    networking_config=api.create_networking_config({'sdkn1': api.create_endpoint_config(aliases=['one']), 'sdkn2': api.create_endpoint_config(aliases=['two'])}))`;

describe('several networks at create (API 1.44)', () => {
  it('1.44: every network of EndpointsConfig is joined (an interface on each, aliases kept)', async () => {
    const r = (await pythonSdk(
      d,
      `NAME = 'multi'
c = ${TWO_NETWORKS}
api.start(c['Id'])
nets = api.inspect_container(c['Id'])['NetworkSettings']['Networks']
ex = api.exec_create(c['Id'], ['ip', '-o', '-4', 'addr', 'show'])
out({'nets': {k: {'ip': v['IPAddress'], 'aliases': v['Aliases']} for k, v in nets.items()}, 'addrs': api.exec_start(ex['Id']).decode()})`,
      { version: '1.44' },
    )) as { nets: Record<string, { ip: string; aliases: string[] }>; addrs: string };
    expect(Object.keys(r.nets).sort()).toEqual(['sdkn1', 'sdkn2']);
    expect(r.nets.sdkn1!.ip).toMatch(/^10\.231\.1\.\d+$/);
    expect(r.nets.sdkn2!.ip).toMatch(/^10\.231\.2\.\d+$/);
    expect(r.nets.sdkn1!.aliases).toEqual(expect.arrayContaining(['one']));
    expect(r.nets.sdkn2!.aliases).toEqual(expect.arrayContaining(['two']));
    expect(r.addrs).toContain(`inet ${r.nets.sdkn1!.ip}/24`);
    expect(r.addrs).toContain(`inet ${r.nets.sdkn2!.ip}/24`);
    ok(await clientsFor(d).docker(['rm', '-f', 'multi']));
  });

  it('1.43: refused with docker\'s 400 (Container cannot be connected to network endpoints)', async () => {
    const r = (await pythonSdk(d, `NAME = 'multi43'\n${apiCall(TWO_NETWORKS)}`, { version: '1.43' })) as { status: number; explanation: string };
    expect(r.status).toBe(400);
    expect(r.explanation).toMatch(/^Container cannot be connected to network endpoints: (sdkn1, sdkn2|sdkn2, sdkn1)$/);
    expect(ok(await clientsFor(d).docker(['ps', '-aq', '--filter', 'name=multi43'])).stdout).toBe('');
  });
});

describe('GET /containers/json endpoint fields by version', () => {
  it('Aliases and Links null at every version, DNSNames null from 1.44 and absent below (inspect keeps them)', async () => {
    ok(await clientsFor(d).docker(['run', '-d', '--name', 'pslist', '--network', 'sdkn1', '--network-alias', 'psalias', 'busybox', 'sleep', '60']));
    const at = async (v: string) =>
      (await pythonSdk(d, `out([c['NetworkSettings']['Networks'] for c in api.containers(filters={'name': 'pslist'})][0])`, { version: v })) as Record<string, Record<string, unknown>>;
    const v41 = (await at('1.41')).sdkn1!;
    expect(v41).toMatchObject({ Aliases: null, Links: null });
    expect(v41).not.toHaveProperty('DNSNames');
    expect(v41.IPAddress).toMatch(/^10\.231\.1\.\d+$/);
    const v45 = (await at('1.45')).sdkn1!;
    expect(v45).toMatchObject({ Aliases: null, Links: null, DNSNames: null });
    const inspect = (await pythonSdk(d, `out(api.inspect_container('pslist')['NetworkSettings']['Networks']['sdkn1'])`, { version: '1.45' })) as Record<string, unknown>;
    expect(inspect.Aliases).toEqual(['psalias']);
    expect(inspect.DNSNames).toEqual(expect.arrayContaining(['pslist', 'psalias']));
    ok(await clientsFor(d).docker(['rm', '-f', 'pslist']));
  });
});

describe('build networkmode', () => {
  it('the RUN containers get none, host, the default bridge or a user network', async () => {
    const ctx = path.join(scratchDir('sdk-build-net'), 'ctx');
    fs.mkdirSync(ctx, { recursive: true });
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN ip -o -4 addr show | sed "s/^/ADDR /"\n');
    const build = async (mode: string) =>
      (await pythonSdk(
        d,
        `lines = []
for m in api.build(path=${JSON.stringify(ctx)}, decode=True, rm=True, nocache=True, network_mode=${JSON.stringify(mode)}):
    if 'error' in m: raise Exception(m['error'])
    if 'stream' in m: lines.append(m['stream'])
out([l for l in ''.join(lines).split('\\n') if l.startswith('ADDR ')])`,
        { timeoutMs: 60_000 },
      )) as string[];
    const none = await build('none');
    expect(none.join('\n')).toMatch(/ lo .*127\.0\.0\.1/);
    expect(none).toHaveLength(1);
    const user = await build('sdkn2');
    expect(user.join('\n')).toMatch(/inet 10\.231\.2\.\d+\/24/);
    const dflt = await build('default');
    expect(dflt.join('\n')).toMatch(/inet 172\.17\.\d+\.\d+\/16/);
    // host: the namespace's own interfaces (the daemon's bridges), not one of the container's
    const host = await build('host');
    expect(host.join('\n')).toMatch(/inet 10\.231\.1\.1\/24/);
    expect(host.join('\n')).toMatch(/inet 10\.231\.2\.1\/24/);
  }, 120_000);
});
