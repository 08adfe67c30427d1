/**
 * The drift check of the CLI's `format/docker-types.ts` (the Go types docker CLI 28 decodes
 * answers into, written by hand): every key berthd sends in container, image, volume and
 * network inspect, `GET /info`, `/version` and `/system/df` must be a field of the type there, with a value of the field's JSON kind. A key
 * the table lacks is one `{{json .}}` would silently drop (docker 28 keeps it); a wrong kind would
 * print as the type's zero. The objects are made to carry as many fields as berthd fills:
 * mounts of every kind, limits, devices, ulimits, a health log, a committed image's
 * ContainerConfig, a volume's labels.
 */
import { describe, expect, it } from '@jest/globals';
import * as path from 'node:path';
import { parseJsonExact } from '@berth/api';
import { BerthDaemon, clientsFor, exec, ok, rawRequest, useDaemon, waitFor } from './harness';

/** The CLI package's drift tool (not its API): goTypeDrift over answers given on stdin. */
const DRIFT_TOOL = path.join(__dirname, '..', 'packages', 'cli', 'scripts', 'inspect-type-drift.js');

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

/** berthd's answer as it sent it. */
async function answerText(path: string): Promise<string> {
  const res = await rawRequest(d.socketPath, { method: 'GET', path: `/v1.41${path}` });
  expect(res.status).toBe(200);
  return res.body.toString('utf8');
}

/** berthd's answer, numbers as the CLI reads them (int64 past 2^53 as bigints). */
async function answer(path: string): Promise<unknown> {
  return parseJsonExact(await answerText(path), { bigintsOnly: true });
}

/**
 * Keys berthd sends (API 1.41, as Docker 20.10) that docker 28's types no longer have, so docker
 * drops them too: an image's Config is docker 28's DockerOCIImageConfig, without the container
 * Config's fields (checked: `docker image inspect -f '{{json .Config}}'` prints `{}` for berthd's
 * busybox).
 */
const DROPPED_BY_DOCKER_28 = new Set([
  ...['Hostname', 'Domainname', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Image'].map((k) => `Config.${k}`),
  // API 1.41's Info has them; docker 28's system.Info does not (v28.2.2 api/types/system/info.go),
  // so `docker info --format '{{json .}}'` leaves them out, as berth's info.ts does
  'BridgeNfIptables',
  'BridgeNfIp6tables',
]);

describe("format/docker-types.ts knows every field berthd's inspect answers carry", () => {
  it('containers (created, running with a health log), images (imported, committed), volumes, networks', async () => {
    ok(await c.docker(['volume', 'create', '--label', 'k=v', 'types-vol']));
    ok(
      await c.docker([
        'create', '--name', 'types-full', '-v', 'types-vol:/data', '-v', '/tmp:/h:ro', '--tmpfs', '/t:size=1m',
        '--mount', 'type=volume,src=types-vol2,dst=/v2,volume-nocopy', '--ulimit', 'nofile=100:200',
        '--restart', 'on-failure:3', '--health-cmd', 'true', '--health-interval', '90s', '-e', 'A=1', '-l', 'x=y',
        '--device', '/dev/null:/dev/xnull', '--cpus', '0.5', '--blkio-weight-device', '/dev/null:100',
        '--device-read-bps', '/dev/null:1mb', '--stop-timeout', '5', '--stop-signal', 'SIGUSR1', '--init',
        '--sysctl', 'net.ipv4.ip_forward=1', '--security-opt', 'no-new-privileges', '--cap-add', 'NET_ADMIN',
        '--dns', '127.0.0.1', '--add-host', 'h:127.0.0.1', '--shm-size', '1g', '-m', '1152921504606846976',
        '--memory-swap', '-1', '--pids-limit', '50', '-w', '/w', '-u', '1000', '--entrypoint', 'sh',
        'busybox', '-c', 'sleep 100',
      ]),
    );
    ok(await c.docker(['run', '-d', '--name', 'types-run', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '100']));
    await waitFor('a health log', async () => ((await answer('/containers/types-run/json')) as { State: { Health?: { Log?: unknown[] } } }).State.Health?.Log?.length, 20_000);
    ok(await c.docker(['exec', 'types-run', 'true']));
    ok(await c.docker(['commit', '-c', 'EXPOSE 80', '-c', 'VOLUME /vv', 'types-run', 'types-committed:1']));
    const checks: [string, 'container' | 'image' | 'volume' | 'network' | 'info' | 'version' | 'df'][] = [
      ['/containers/types-full/json?size=1', 'container'],
      ['/containers/types-run/json', 'container'],
      ['/images/busybox/json', 'image'],
      ['/images/types-committed:1/json', 'image'],
      ['/volumes/types-vol', 'volume'],
      ['/volumes/types-vol2', 'volume'],
      ['/networks/none', 'network'],
      ['/networks/host', 'network'],
      // info, version and system df, as docker 28 decodes them (system.Info, types.Version, types.DiskUsage)
      ['/info', 'info'],
      ['/version', 'version'],
      ['/system/df', 'df'],
    ];
    const answers = [];
    for (const [label, kind] of checks) answers.push({ label, kind, body: await answerText(label) });
    const r = await exec('node', [DRIFT_TOOL], { input: JSON.stringify({ answers, ignore: [...DROPPED_BY_DOCKER_28] }) });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    ok(await c.docker(['rm', '-f', 'types-run', 'types-full']));
    ok(await c.docker(['rmi', 'types-committed:1']));
  });
});
