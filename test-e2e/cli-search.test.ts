/**
 * Issue 11: `search` end to end. berthd's `GET /images/search` asks the registry's index
 * (`/v1/search`, which berth-registry answers over its catalog); `docker search` and `berth search`
 * run against the same berthd and print the same (program name swapped): table, `--limit`,
 * `--no-trunc`, `--format`, `--filter` (is-official, stars, the deprecated is-automated), the
 * daemon's errors (bad filter, limit out of range, a registry that cannot be reached) and the
 * CLI's own (`--limit x`, a template naming a field docker's search rows lack). All traffic stays
 * on loopback.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, rawRequest, sameOnBothClis } from './harness';
import { type RunningRegistry, useDaemonWithRegistry } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let reg: RunningRegistry;

useDaemonWithRegistry((daemon, registry) => {
  [d, reg] = [daemon, registry];
  c = clientsFor(d);
}, ['fixture/busybox', 'fixture/other', 'tools/busyhelper']);

const same = (args: string[]) => sameOnBothClis(c, args);

describe('search', () => {
  it('berth-registry answers /v1/search over its catalog', async () => {
    const res = await fetch(`http://${reg.host}/v1/search?q=BUSY&n=10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { name: string }[]; num_results: number; query: string };
    expect(body.results.map((r) => r.name)).toEqual(['fixture/busybox', 'tools/busyhelper']);
    expect(body).toMatchObject({ num_results: 2, query: 'BUSY' });
  });

  it('the daemon asks the index and filters: the same answer for docker and berth', async () => {
    const t = await same(['search', `${reg.host}/busy`]);
    expect(t.code).toBe(0);
    expect(t.stdout.split('\n')[0]).toMatch(/^NAME +DESCRIPTION +STARS +OFFICIAL$/);
    expect(t.stdout).toContain('fixture/busybox');
    expect(t.stdout).toContain('tools/busyhelper');
    expect(t.stdout).not.toContain('fixture/other');
    expect((await same(['search', '--limit', '1', `${reg.host}/busy`])).stdout.trim().split('\n')).toHaveLength(2);
    await same(['search', '--no-trunc', `${reg.host}/fix`]);
    const j = await same(['search', '--format', 'json', `${reg.host}/fix`]);
    expect(JSON.parse(j.stdout.split('\n')[0]!)).toEqual({ Description: '', IsOfficial: 'false', Name: 'fixture/busybox', StarCount: '0' });
    await same(['search', '--format', '{{.Name}}\t{{.StarCount}}', `${reg.host}/fix`]);
    expect((await same(['search', '--filter', 'is-official=true', `${reg.host}/fix`])).stdout.trim().split('\n')).toHaveLength(1);
    expect((await same(['search', '--filter', 'stars=0', `${reg.host}/fix`])).stdout.trim().split('\n')).toHaveLength(3);
    // deprecated: a warning from the CLI, nothing from the daemon
    const auto = await same(['search', '--filter', 'is-automated=true', `${reg.host}/busy`]);
    expect(auto.stderr).toContain('"is-automated" filter is deprecated');
    expect(auto.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('errors: the daemon\'s (filters, limit, an unreachable registry) and the CLI\'s', async () => {
    expect((await same(['search', '--filter', 'stars=x', `${reg.host}/x`])).stderr).toBe('Error response from daemon: invalid filter \'stars=x\': strconv.Atoi: parsing "x": invalid syntax\n');
    expect((await same(['search', '--filter', 'nope=1', `${reg.host}/x`])).stderr).toBe("Error response from daemon: invalid filter 'nope'\n");
    expect((await same(['search', '--limit', '101', `${reg.host}/x`])).stderr).toBe('Error response from daemon: limit 101 is outside the range of [1, 100]\n');
    const down = await same(['search', '127.0.0.1:9/busy']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^Error response from daemon: Get "https?:\/\/127\.0\.0\.1:9\/v1\/search\?q=busy&n=25": dial tcp 127\.0\.0\.1:9: connect: connection refused\n$/);
    expect((await same(['search', '--limit', 'x', 'a'])).code).toBe(125);
    expect((await same(['search', '--format', '{{.IsAutomated}}', `${reg.host}/fix`])).stderr).toContain("can't evaluate field IsAutomated in type *registry.searchContext");
    // the API itself: a bad limit is a 400
    const r = await rawRequest(d.socketPath, { path: '/v1.41/images/search?term=x&limit=abc' });
    expect(r.status).toBe(400);
  });
});
