import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex, PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { encodeFrame } from '@berth/api';
import { BerthClient, type HijackedConnection, type Transport, type TransportRequest, type TransportResponse } from '@berth/client';
import { runCli } from './cli';

type Answer = { status?: number; json?: unknown; raw?: string | Buffer; later?: Promise<unknown> };
type Handler = (req: TransportRequest) => Answer;

/** A transport that records requests and answers from a table keyed by "METHOD /path" (version prefix stripped). */
class FakeTransport implements Transport {
  readonly calls: string[] = [];
  readonly bodies: Record<string, string> = {};
  constructor(
    private readonly routes: Record<string, Handler | Answer>,
    private readonly hijackFrames: Buffer[] = [],
  ) {}
  private find(req: TransportRequest): Answer {
    const p = req.path.split('?')[0]!.replace(/^\/v1\.\d+/, '');
    const r = this.routes[`${req.method} ${p}`];
    if (!r) return { status: 404, json: { message: `No such container: ${p.split('/')[2]}` } };
    return typeof r === 'function' ? r(req) : r;
  }
  async request(req: TransportRequest): Promise<TransportResponse> {
    if (req.path === '/_ping') return { statusCode: 200, headers: { 'api-version': '1.41' }, body: Readable.from([]) };
    this.calls.push(`${req.method} ${req.path}`);
    if (typeof req.body === 'string') this.bodies[req.path.split('?')[0]!] = req.body;
    const a = this.find(req);
    const status = a.status ?? 200;
    const headers = { 'content-type': 'application/json' };
    if (a.later) {
      const body = new PassThrough();
      void a.later.then((v) => body.end(JSON.stringify(v) + '\n'));
      return { statusCode: status, headers, body };
    }
    const text = a.raw !== undefined ? a.raw : a.json === undefined ? '' : JSON.stringify(a.json) + '\n';
    return { statusCode: status, headers, body: Readable.from(text === '' ? [] : [Buffer.from(text)]) };
  }
  async hijack(req: TransportRequest): Promise<HijackedConnection> {
    this.calls.push(`HIJACK ${req.method} ${req.path}`);
    const frames = this.hijackFrames;
    let sent = false;
    const socket = new Duplex({
      read() {
        if (sent) return;
        sent = true;
        for (const f of frames) this.push(f);
        this.push(null);
      },
      write(_c, _e, cb) {
        cb();
      },
    });
    return { socket, statusCode: 101 };
  }
  close(): void {}
}

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString();
  return w;
}

const NOW = Date.UTC(2026, 10, 28, 8, 15, 0);

/** Runs the CLI on `args` (a line split at spaces, or the words themselves). */
async function cli(args: string | string[], t: FakeTransport, stdin: Readable = Readable.from([]), stdoutIsTTY = false) {
  const stdout = sink();
  if (stdoutIsTTY) (stdout as { isTTY?: boolean }).isTTY = true;
  const stderr = sink();
  const code = await runCli(typeof args === 'string' ? args.split(' ').filter(Boolean) : args, {
    io: { stdout, stderr, stdin },
    env: {},
    now: () => NOW,
    makeClient: () => new BerthClient({ transport: t }),
    onSignal: () => () => undefined,
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

const ID = 'd60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9';

describe('berth CLI: flags → requests, answers → docker output', () => {
  it('a global value flag given last is pflag\'s usage error (125); -cNAME is the context NAME, as docker reads it', async () => {
    const t = new FakeTransport({});
    for (const [arg, msg] of [['-c', "flag needs an argument: 'c' in -c"], ['--context', 'flag needs an argument: --context'], ['-H', "flag needs an argument: 'H' in -H"]] as const) {
      const r = await cli([arg], t);
      expect(r.code).toBe(125);
      expect(r.err).toBe(`${msg}\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n`);
    }
    const attached = await cli(['-cnosuch-ctx', 'ps'], t);
    expect(attached.err).toContain('context "nosuch-ctx": context not found');
    expect(t.calls).toEqual([]);
  });
  it('stats draws its first frame once the first sample came (docker waits up to 2 s), not an empty row at the first tick', async () => {
    const sample = { id: ID, name: '/web', pids_stats: { current: 3 }, memory_stats: { usage: 1024, limit: 4096 }, cpu_stats: {}, precpu_stats: {} };
    const t = new FakeTransport({
      'GET /containers/web/json': { json: { Id: ID, Name: '/web', State: { Running: true } } },
      // the daemon's first sample takes longer than the CLI's 500 ms tick
      'GET /containers/web/stats': () => ({ later: new Promise((r) => setTimeout(() => r(sample), 900)) }),
    });
    const r = await cli('stats web', t, Readable.from([]), true);
    const first = r.out.split('\u001b[J')[0]!;
    const row = first.split('\n').find((l) => l.startsWith('d60a65032f8e'));
    expect(row).toMatch(/^d60a65032f8e +web +0\.00% +1KiB \/ 4KiB +25\.00% .* 3\b/);
    expect(r.code).toBe(0);
  }, 10_000);
  it('run --rm: create, attach, wait(removed), start; output demultiplexed; exit code from wait', async () => {
    let release!: (v: unknown) => void;
    const later = new Promise((r) => (release = r));
    const t = new FakeTransport(
      {
        'POST /containers/create': { status: 201, json: { Id: ID, Warnings: [] } },
        [`POST /containers/${ID}/wait`]: { later },
        [`POST /containers/${ID}/start`]: () => {
          setTimeout(() => release({ Error: null, StatusCode: 7 }), 5);
          return { status: 204 };
        },
      },
      [encodeFrame('stdout', Buffer.from('out\n')), encodeFrame('stderr', Buffer.from('err\n'))],
    );
    const r = await cli('run --rm busybox:local sh -c exit-7 -n', t);
    expect(r).toEqual({ code: 7, out: 'out\n', err: 'err\n' });
    expect(t.calls).toEqual([
      'POST /v1.41/containers/create',
      `HIJACK POST /v1.41/containers/${ID}/attach?stderr=1&stdout=1&stream=1`,
      `POST /v1.41/containers/${ID}/wait?condition=removed`,
      `POST /v1.41/containers/${ID}/start`,
    ]);
    const body = JSON.parse(t.bodies['/v1.41/containers/create']!);
    expect(body.Cmd).toEqual(['sh', '-c', 'exit-7', '-n']);
    expect(body.HostConfig.AutoRemove).toBe(true);
  });

  it('run -d --name: no attach, wait next-exit, prints the full id', async () => {
    const t = new FakeTransport({
      'POST /containers/create': { status: 201, json: { Id: ID, Warnings: [] } },
      [`POST /containers/${ID}/wait`]: { later: new Promise(() => undefined) },
      [`POST /containers/${ID}/start`]: { status: 204 },
    });
    const r = await cli('run -d --name trace-x busybox:local sleep 3600', t);
    expect(r).toEqual({ code: 0, out: `${ID}\n`, err: '' });
    expect(t.calls).toEqual(['POST /v1.41/containers/create?name=trace-x', `POST /v1.41/containers/${ID}/wait?condition=next-exit`, `POST /v1.41/containers/${ID}/start`]);
  });

  it('run: start errors map to 127/126/125 with docker wording', async () => {
    for (const [msg, code] of [
      ['failed to create shim task: OCI runtime create failed: exec: "no-such-binary": executable file not found in $PATH: unknown', 127],
      ['exec /x: permission denied', 126],
      ['boom: generic start failure', 125],
    ] as const) {
      const t = new FakeTransport({
        'POST /containers/create': { status: 201, json: { Id: ID, Warnings: [] } },
        [`POST /containers/${ID}/wait`]: { later: new Promise(() => undefined) },
        [`POST /containers/${ID}/start`]: { status: 400, json: { message: msg } },
      });
      const r = await cli('run --rm busybox:local no-such-binary', t);
      expect(r.code).toBe(code);
      expect(r.err).toBe(`berth: Error response from daemon: ${msg}\n\nRun 'berth run --help' for more information\n`);
    }
  });

  it('run: a 404 from create pulls (normalised) and creates again; a failed pull exits 125', async () => {
    let creates = 0;
    const t = new FakeTransport({
      'POST /containers/create': () => (++creates === 1 ? { status: 404, json: { message: 'No such image: fakeimg:latest' } } : { status: 201, json: { Id: ID, Warnings: [] } }),
      'POST /images/create': { raw: '{"status":"Pulling from library/fakeimg","id":"latest"}\n{"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"abc"}\n{"status":"Status: Downloaded newer image for fakeimg:latest"}\n' },
      [`POST /containers/${ID}/wait`]: { later: new Promise(() => undefined) },
      [`POST /containers/${ID}/start`]: { status: 204 },
    });
    const r = await cli('run -d fakeimg', t);
    expect(r.err).toBe("Unable to find image 'fakeimg:latest' locally\nlatest: Pulling from library/fakeimg\nStatus: Downloaded newer image for fakeimg:latest\n");
    expect(t.calls).toContain('POST /v1.41/images/create?fromImage=docker.io%2Flibrary%2Ffakeimg&tag=latest');
    const t2 = new FakeTransport({
      'POST /containers/create': { status: 404, json: { message: 'No such image: 127.0.0.1:5000/trace/nonexistent:v1' } },
      'POST /images/create': { status: 404, json: { message: 'manifest for 127.0.0.1:5000/trace/nonexistent:v1 not found: manifest unknown: manifest unknown' } },
    });
    const r2 = await cli('run --rm 127.0.0.1:5000/trace/nonexistent:v1 echo never', t2);
    expect(r2.code).toBe(125);
    expect(r2.err).toBe(
      "Unable to find image '127.0.0.1:5000/trace/nonexistent:v1' locally\nberth: Error response from daemon: manifest for 127.0.0.1:5000/trace/nonexistent:v1 not found: manifest unknown: manifest unknown\n\nRun 'berth run --help' for more information\n",
    );
  });

  it('ps: flags become the query; the table matches 41-ps-a-filters', async () => {
    const t = new FakeTransport({
      'GET /containers/json': {
        json: [
          { Id: '4dff95bebcab3e63b4773979ec9d8dfc620cae220cdf255ba5535c9b3c185f11', Names: ['/trace-norm'], Image: 'busybox:local', ImageID: 'sha256:7a0f', Command: 'echo kept', Created: Math.floor(NOW / 1000) - 24, Ports: [], State: 'exited', Status: 'Exited (0) 4 seconds ago' },
        ],
      },
    });
    const r = await cli('ps -a --filter name=trace- --filter status=exited', t);
    expect(t.calls).toEqual(['GET /v1.41/containers/json?all=1&filters=%7B%22name%22%3A%7B%22trace-%22%3Atrue%7D%2C%22status%22%3A%7B%22exited%22%3Atrue%7D%7D']);
    expect(r.out).toBe(
      'CONTAINER ID   IMAGE           COMMAND       CREATED          STATUS                     PORTS     NAMES\n' +
        '4dff95bebcab   busybox:local   "echo kept"   24 seconds ago   Exited (0) 4 seconds ago             trace-norm\n',
    );
    await cli('ps -n 2', t);
    await cli('ps -q --filter label=trace=1', t);
    expect(t.calls.slice(1)).toEqual(['GET /v1.41/containers/json?limit=2', 'GET /v1.41/containers/json?filters=%7B%22label%22%3A%7B%22trace%3D1%22%3Atrue%7D%7D']);
  });

  it('ps --format: the template is checked on an empty row before any request (docker\'s wording and type); .Size, or every field through {{json .}}, asks for sizes', async () => {
    const t = new FakeTransport({ 'GET /containers/json': { json: [] } });
    expect(await cli('ps --format {{.Nope}}', t)).toEqual({
      code: 1,
      out: '',
      err: 'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext\n',
    });
    const run = (...args: string[]) => cli(args, t);
    // the position counts `table ` as docker's does
    expect((await run('ps', '--format', 'table {{.Nope}}')).err).toMatch(/^failed to execute template: template: :1:8: executing/);
    expect(await cli('ps --format {{.ID', t)).toEqual({ code: 1, out: '', err: 'failed to parse template: template: :1: unclosed action\n' });
    expect(t.calls).toEqual([]);
    await run('ps', '--format', '{{json .}}');
    await cli('ps --format json', t);
    await cli('ps --format {{.ID}}:{{.Size}}', t);
    await cli('ps --format {{.ID}}', t);
    expect(t.calls).toEqual(['GET /v1.41/containers/json?size=1', 'GET /v1.41/containers/json', 'GET /v1.41/containers/json?size=1', 'GET /v1.41/containers/json']);
  });

  it('list commands word any template failure as docker\'s formatter does, naming docker\'s row type', async () => {
    const t = new FakeTransport({
      'GET /images/json': { json: [{ Id: 'sha256:7a0f', RepoTags: ['busybox:latest'], Created: 0, Size: 1 }] },
      'GET /networks': { json: [{ Id: 'abc', Name: 'bridge', Driver: 'bridge', Scope: 'local' }] },
    });
    expect(await cli('images --format {{.Nope}}', t)).toEqual({
      code: 1,
      out: '',
      err: 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext\n',
    });
    expect((await cli('network ls --format {{.Nope}}', t)).err).toMatch(/^template parsing error: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type \*network\.networkContext\n$/);
    expect(await cli('images --format {{.ID', t)).toEqual({ code: 1, out: '', err: 'template parsing error: template: :1: unclosed action\n' });
  });

  it('lifecycle commands echo their arguments and send docker queries', async () => {
    const t = new FakeTransport({
      'POST /containers/x/stop': { status: 204 },
      'POST /containers/web/kill': { status: 204 },
      'DELETE /containers/a': { status: 204 },
      'POST /containers/c/restart': { status: 204 },
      'POST /containers/w/wait': { json: { Error: null, StatusCode: 3 } },
      'POST /containers/x/rename': { status: 204 },
      'POST /images/busybox/tag': { status: 201 },
    });
    expect(await cli('stop -t 2 x', t)).toEqual({ code: 0, out: 'x\n', err: '' });
    expect(await cli('kill -s USR1 web', t)).toEqual({ code: 0, out: 'web\n', err: '' });
    // docker 28: with -f a missing container is reported and the command still succeeds
    expect(await cli('rm -f -v a nope', t)).toEqual({ code: 0, out: 'a\n', err: 'Error response from daemon: No such container: nope\n' });
    expect(await cli('rm -v a nope', t)).toEqual({ code: 1, out: 'a\n', err: 'Error response from daemon: No such container: nope\n' });
    expect(await cli('restart -t 1 c', t)).toEqual({ code: 0, out: 'c\n', err: '' });
    expect(await cli('wait w', t)).toEqual({ code: 0, out: '3\n', err: '' });
    expect(await cli('rename x y', t)).toEqual({ code: 0, out: '', err: '' });
    expect(await cli('tag busybox other/name:v3', t)).toEqual({ code: 0, out: '', err: '' });
    expect(t.calls).toEqual([
      'POST /v1.41/containers/x/stop?t=2',
      'POST /v1.41/containers/web/kill?signal=USR1',
      'DELETE /v1.41/containers/a?force=1&v=1',
      'DELETE /v1.41/containers/nope?force=1&v=1',
      'DELETE /v1.41/containers/a?v=1',
      'DELETE /v1.41/containers/nope?v=1',
      'POST /v1.41/containers/c/restart?t=1',
      'POST /v1.41/containers/w/wait',
      'POST /v1.41/containers/x/rename?name=y',
      'POST /v1.41/images/busybox/tag?repo=docker.io%2Fother%2Fname&tag=v3',
    ]);
  });

  it('inspect: containers, then images; unknown names give [] and "No such object"', async () => {
    const t = new FakeTransport({ 'GET /images/busybox:local/json': { json: { Id: 'sha256:7a0f', Config: { Cmd: null } } } });
    expect(await cli('inspect trace-nonexistent', t)).toEqual({ code: 1, out: '[]\n', err: 'Error: No such object: trace-nonexistent\n' });
    const r = await cli('inspect busybox:local', t);
    expect(r.out).toBe('[\n    {\n        "Id": "sha256:7a0f",\n        "Config": {\n            "Cmd": null\n        }\n    }\n]\n');
    // `.Id` is no Go field of image.InspectResponse (ID is): docker's typed run fails, its raw run prints the null Cmd as <no value> (docker 28, e2e cli-templates)
    expect((await cli('image inspect --format {{.Id}}|{{.Config.Cmd}} busybox:local', t)).out).toBe('sha256:7a0f|<no value>\n');
    expect((await cli('image inspect --format {{.ID}}|{{.Config.Cmd}} busybox:local', t)).out).toBe('sha256:7a0f|[]\n');
  });

  it('images and rmi output', async () => {
    const t = new FakeTransport({
      'GET /images/json': { json: [{ Id: 'sha256:7a0f54585e7aa750ac0b6bf9e2179358609f9f8564fae4d2209153dd7ea31f32', RepoTags: ['busybox:local'], RepoDigests: [], Created: Math.floor(NOW / 1000) - 33 * 60, Size: 1982368, SharedSize: -1, Containers: -1 }] },
      'DELETE /images/trace-built:v2': { json: [{ Untagged: 'trace-built:v2' }, { Deleted: 'sha256:7994' }] },
    });
    expect((await cli('images', t)).out).toBe('REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\nbusybox      local     7a0f54585e7a   33 minutes ago   1.98MB\n');
    expect((await cli('image ls -q', t)).out).toBe('7a0f54585e7a\n');
    expect(await cli('rmi trace-built:v2', t)).toEqual({ code: 0, out: 'Untagged: trace-built:v2\nDeleted: sha256:7994\n', err: '' });
  });

  it('logs: inspect for Tty, then the full id; timestamps and tail', async () => {
    const t = new FakeTransport({
      'GET /containers/trace-logger/json': { json: { Id: ID, Config: { Tty: false } } },
      [`GET /containers/${ID}/logs`]: { raw: Buffer.concat([encodeFrame('stdout', Buffer.from('out5\n')), encodeFrame('stderr', Buffer.from('err5\n'))]) },
    });
    const r = await cli('logs -t --tail 2 trace-logger', t);
    expect(r).toEqual({ code: 0, out: 'out5\n', err: 'err5\n' });
    expect(t.calls[1]).toBe(`GET /v1.41/containers/${ID}/logs?stderr=1&stdout=1&tail=2&timestamps=1`);
  });

  it('prune sends dangling=true unless -a and prints docker totals', async () => {
    const t = new FakeTransport({ 'POST /images/prune': { json: { ImagesDeleted: [{ Deleted: 'sha256:3155' }], SpaceReclaimed: 4 } }, 'POST /containers/prune': { json: { ContainersDeleted: ['096a'], SpaceReclaimed: 0 } } });
    expect((await cli('image prune -f --filter label=trace-prune=1', t)).out).toBe('Deleted Images:\ndeleted: sha256:3155\n\nTotal reclaimed space: 4B\n');
    expect(t.calls[0]).toBe('POST /v1.41/images/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%2C%22label%22%3A%7B%22trace-prune%3D1%22%3Atrue%7D%7D');
    expect((await cli('container prune -f', t)).out).toBe('Deleted Containers:\n096a\n\nTotal reclaimed space: 0B\n');
  });

  it('usage errors keep the English wording and exit codes of docker under another locale', async () => {
    const saved = process.env.LC_ALL;
    process.env.LC_ALL = 'de_DE.UTF-8';
    try {
      const r = await cli('ps --bogus', new FakeTransport({}));
      expect(r.code).toBe(125);
      expect(r.err.split('\n')[0]).toBe('unknown flag: --bogus');
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
  });

  it('usage errors: unknown flags exit 125, missing arguments exit 1, unknown commands', async () => {
    const t = new FakeTransport({});
    const r = await cli('ps --bogus', t);
    expect(r.code).toBe(125);
    expect(r.err.split('\n')[0]).toBe('unknown flag: --bogus');
    const m = await cli('rm', t);
    expect(m.code).toBe(1);
    expect(m.err.split('\n')[0]).toBe("berth: 'berth rm' requires at least 1 argument");
    // an unknown flag wins over the argument count, as pflag checks flags first (yargs takes SRC
    // as --bogus's value and counts one argument)
    for (const line of ['cp --bogus a b', 'tag --bogus a b', 'network connect --bogus n c']) {
      const u = await cli(line, t);
      expect([u.code, u.err.split('\n')[0]]).toEqual([125, 'unknown flag: --bogus']);
    }
    const s = await cli('cp -x a b', t);
    expect([s.code, s.err.split('\n')[0]]).toEqual([125, "unknown shorthand flag: 'x' in -x"]);
    const two = await cli('cp a', t);
    expect([two.code, two.err.split('\n')[0]]).toEqual([1, "berth: 'berth cp' requires 2 arguments"]);
    expect((await cli('frobnicate', t)).err).toBe("berth: unknown command: berth frobnicate\n\nRun 'berth --help' for more information\n");
    expect(t.calls).toEqual([]);
  });

  it('usage errors and --help name a group leaf by its own name, whatever alias was typed (cobra CommandPath)', async () => {
    const t = new FakeTransport({});
    for (const typed of ['container ls', 'container list', 'container ps']) {
      expect(await cli(`${typed} --bogus`, t)).toEqual({ code: 125, out: '', err: "unknown flag: --bogus\n\nUsage:  berth container ls [OPTIONS]\n\nRun 'berth container ls --help' for more information\n" });
      expect(await cli(`${typed} x`, t)).toEqual({ code: 1, out: '', err: "berth: 'berth container ls' accepts no arguments\n\nUsage:  berth container ls [OPTIONS]\n\nRun 'berth container ls --help' for more information\n" });
      expect((await cli(`${typed} --help`, t)).out.split('\n')[0]).toBe('Usage:  berth container ls [OPTIONS]');
    }
    expect((await cli('image list --bogus', t)).err.split('\n').slice(0, 3)).toEqual(['unknown flag: --bogus', '', 'Usage:  berth image ls [OPTIONS] [REPOSITORY[:TAG]]']);
    expect((await cli('image remove --help', t)).out.split('\n')[0]).toBe('Usage:  berth image rm [OPTIONS] IMAGE [IMAGE...]');
    // the group's own listing says ls, as docker's
    const g = await cli('container', t);
    expect(g.err).toContain('\n  ls          List containers\n');
    expect(g.err).not.toContain('  ps ');
    expect(t.calls).toEqual([]);
  });

  it('usage errors print the synopsis --help prints (one rule: usageOf), for no-argument commands and run\'s flag errors too', async () => {
    const t = new FakeTransport({});
    const usageLine = (text: string) => text.split('\n').find((l) => l.startsWith('Usage:'));
    for (const [line, path] of [
      ['builder prune x', 'builder prune'],
      ['system df x', 'system df'],
      ['network ls x', 'network ls'],
      ['context show x', 'context show'],
      ['version x', 'version'],
      ['container prune x', 'container prune'],
      ['run -Z busybox', 'run'],
      ['container create --bogus busybox', 'container create'],
      ['exec --bogus c true', 'exec'],
      ['network create', 'network create'],
    ] as const) {
      const r = await cli(line, t);
      expect([line, usageLine(r.err)]).toEqual([line, usageLine((await cli(`${path} --help`, t)).out)]);
    }
    // network create's synopsis has one argument, not create's (a container's) variadic one
    expect((await cli('network create', t)).err).toBe("berth: 'berth network create' requires 1 argument\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nRun 'berth network create --help' for more information\n");
    expect(t.calls).toEqual([]);
  });

  it('argument counts by docker\'s rule of each command: exact, at least, at most (with docker 28\'s "SRun"), a range', async () => {
    const t = new FakeTransport({});
    const first = async (line: string) => {
      const r = await cli(line, t);
      return [r.code, r.err];
    };
    expect(await first('top')).toEqual([1, "berth: 'berth top' requires at least 1 argument\n\nUsage:  berth top CONTAINER [ps OPTIONS]\n\nSee 'berth top --help' for more information\n"]);
    expect(await first('import')).toEqual([1, "berth: 'berth import' requires at least 1 argument\n\nUsage:  berth import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]\n\nSee 'berth import --help' for more information\n"]);
    expect(await first('images a b')).toEqual([1, "berth: 'berth images' requires at most 1 argument\n\nUsage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\nSRun 'berth images --help' for more information\n"]);
    expect(await first('volume create a b')).toEqual([1, "berth: 'berth volume create' requires at most 1 argument\n\nUsage:  berth volume create [OPTIONS] [VOLUME]\n\nSRun 'berth volume create --help' for more information\n"]);
    expect(await first('logout a b')).toEqual([1, "berth: 'berth logout' requires at most 1 argument\n\nUsage:  berth logout [SERVER]\n\nSRun 'berth logout --help' for more information\n"]);
    for (const line of ['commit', 'commit a b c']) {
      expect(await first(line)).toEqual([1, "berth: 'berth commit' requires at least 1 and at most 2 arguments\n\nUsage:  berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\nRun 'berth commit --help' for more information\n"]);
    }
    for (const [line, path] of [['exec c', 'exec'], ['container exec c', 'container exec'], ['exec', 'exec']]) {
      expect(await first(line)).toEqual([1, `berth: 'berth ${path}' requires at least 2 arguments\n\nUsage:  berth ${path} [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'berth ${path} --help' for more information\n`]);
    }
    // context use: cobra's own ExactArgs in docker
    expect(await first('context use')).toEqual([1, 'accepts 1 arg(s), received 0\n']);
    expect(await first('context use a b')).toEqual([1, 'accepts 1 arg(s), received 2\n']);
    expect((await first('port a b c'))[1]).toMatch(/^berth: 'berth port' requires at least 1 and at most 2 arguments\n/);
    expect((await first('manifest inspect a b c'))[1]).toMatch(/^berth: 'berth manifest inspect' requires at least 1 and at most 2 arguments\n/);
    expect(t.calls).toEqual([]);
  });

  it('completion offers each group\'s leaves as the groups list them (hidden dial-stdio left out)', async () => {
    const t = new FakeTransport({});
    const complete = async (...w: string[]) => (await cli(['__complete', ...w], t)).out.split('\n').filter(Boolean);
    expect(await complete('system', '')).toEqual(['df', 'events', 'info', 'prune']);
    expect(await complete('volume', '')).toEqual(['create', 'inspect', 'ls', 'prune', 'rm']);
    expect(await complete('image', '')).toEqual(['build', 'history', 'import', 'inspect', 'load', 'ls', 'prune', 'pull', 'push', 'rm', 'save', 'tag']);
    expect(await complete('container', 'p')).toEqual(['pause', 'port', 'prune']);
    expect(await complete('container', 'l')).toEqual(['logs', 'ls']);
    expect(await complete('network', 'c')).toEqual(['connect', 'create']);
  });

  it('import sends the tar with repo carrying the tag and prints the id', async () => {
    const t = new FakeTransport({ 'POST /images/create': { raw: '{"status":"sha256:7baf"}\n' } });
    const r = await cli('import -c ENV=1 -m msg - trace-imported:v1', t, Readable.from([Buffer.from('tar')]));
    expect(r).toEqual({ code: 0, out: 'sha256:7baf\n', err: '' });
    expect(t.calls[0]).toBe('POST /v1.41/images/create?changes=ENV%3D1&fromSrc=-&message=msg&repo=trace-imported%3Av1');
  });

  it('load prints the stream and fails with the stream error', async () => {
    const t = new FakeTransport({ 'POST /images/load': { raw: '{"errorDetail":{"message":"Error processing tar file(exit status 1): unexpected EOF"},"error":"x"}\n' } });
    const r = await cli('load', t, Readable.from([Buffer.from('garbage')]));
    expect(r).toEqual({ code: 1, out: '', err: 'Error processing tar file(exit status 1): unexpected EOF\n' });
    expect(t.calls[0]).toBe('POST /v1.41/images/load?quiet=1');
  });

  it('save and export refuse a terminal, write a non-terminal stdout', async () => {
    const t = new FakeTransport({ 'GET /images/get': { raw: 'TARBYTES' }, 'GET /containers/x/export': { raw: 'TAR2' } });
    expect(await cli('save busybox', t, Readable.from([]), true)).toEqual({ code: 1, out: '', err: 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n' });
    expect(t.calls).toEqual([]);
    expect(await cli('save busybox:local other', t)).toEqual({ code: 0, out: 'TARBYTES', err: '' });
    expect(t.calls).toEqual(['GET /v1.41/images/get?names=busybox%3Alocal&names=other']);
    expect(await cli('export x', t)).toEqual({ code: 0, out: 'TAR2', err: '' });
  });

  it('start echoes names and summarises failures; start -a exits with the container code', async () => {
    let release!: (v: unknown) => void;
    const later = new Promise((r) => (release = r));
    const t = new FakeTransport(
      {
        'POST /containers/a/start': { status: 204 },
        'GET /containers/n/json': { json: { Id: ID, Config: { Tty: false, OpenStdin: false } } },
        [`POST /containers/${ID}/wait`]: { later },
        [`POST /containers/${ID}/start`]: () => {
          setTimeout(() => release({ Error: null, StatusCode: 4 }), 5);
          return { status: 204 };
        },
      },
      [encodeFrame('stdout', Buffer.from('kept\n'))],
    );
    expect(await cli('start a nope', t)).toEqual({ code: 1, out: 'a\n', err: 'Error response from daemon: No such container: nope\nError: failed to start containers: nope\n' });
    expect(await cli('start -a n', t)).toEqual({ code: 4, out: 'kept\n', err: '' });
    expect(t.calls.slice(2)).toEqual([
      'GET /v1.41/containers/n/json',
      `HIJACK POST /v1.41/containers/${ID}/attach?stderr=1&stdout=1&stream=1`,
      `POST /v1.41/containers/${ID}/wait?condition=next-exit`,
      `POST /v1.41/containers/${ID}/start`,
    ]);
  });

  it('global -H comes before the command and reaches the client', async () => {
    const t = new FakeTransport({ 'GET /containers/json': { json: [] } });
    const hosts: (string | undefined)[] = [];
    const code = await runCli(['-H', 'unix:///tmp/x.sock', 'ps', '-q'], {
      io: { stdout: sink(), stderr: sink(), stdin: Readable.from([]) },
      env: { BERTH_HOST: 'unix:///tmp/env.sock' },
      makeClient: (o) => {
        hosts.push(o.host as string | undefined);
        return new BerthClient({ transport: t });
      },
      onSignal: () => () => undefined,
    });
    expect(code).toBe(0);
    expect(hosts).toEqual(['unix:///tmp/x.sock']);
    expect(t.calls).toEqual(['GET /v1.41/containers/json']);
  });

  it('exec: inspect, create (docker body), hijacked start, exit code from exec inspect', async () => {
    const t = new FakeTransport(
      {
        'GET /containers/x/json': { json: { Id: ID, Config: {} } },
        'POST /containers/x/exec': { status: 201, json: { Id: 'e1' } },
        'GET /exec/e1/json': { json: { ID: 'e1', Running: false, ExitCode: 5 } },
      },
      [encodeFrame('stdout', Buffer.from('out\n')), encodeFrame('stderr', Buffer.from('err\n'))],
    );
    expect(await cli('exec -e X=1 -w /bin -u 1000 x sh -c exit -5', t)).toEqual({ code: 5, out: 'out\n', err: 'err\n' });
    expect(t.calls).toEqual(['POST /v1.41/containers/x/exec', 'HIJACK POST /v1.41/exec/e1/start', 'GET /v1.41/exec/e1/json']);
    expect(t.bodies['/v1.41/containers/x/exec']).toBe(
      '{"User":"1000","Privileged":false,"Tty":false,"AttachStdin":false,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":["X=1"],"WorkingDir":"/bin","Cmd":["sh","-c","exit","-5"]}',
    );
  });

  it('top, port and diff render like 85-top, 30-port and docker diff', async () => {
    const t = new FakeTransport({
      'GET /containers/trace-x/top': {
        json: { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['root', '31024', '31004', '0', '08:14', '?', '00:00:00', 'sleep 3600']] },
      },
      'GET /containers/trace-web/json': {
        json: {
          Id: ID,
          NetworkSettings: {
            Ports: { '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '38081' }], '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '38080' }, { HostIp: '::', HostPort: '38080' }] },
          },
        },
      },
      'GET /containers/c/changes': { json: [{ Path: '/etc', Kind: 0 }, { Path: '/newfile', Kind: 1 }, { Path: '/gone', Kind: 2 }] },
    });
    expect((await cli('top trace-x', t)).out).toBe(
      'UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD\n' +
        'root                31024               31004               0                   08:14               ?                   00:00:00            sleep 3600\n',
    );
    expect((await cli('port trace-web', t)).out).toBe('80/tcp -> 0.0.0.0:38080\n80/tcp -> [::]:38080\n81/tcp -> 127.0.0.1:38081\n');
    expect((await cli('diff c', t)).out).toBe('C /etc\nA /newfile\nD /gone\n');
    await cli('top trace-x -o pid,comm', t);
    expect(t.calls[t.calls.length - 1]).toBe('GET /v1.41/containers/trace-x/top?ps_args=-o+pid%2Ccomm');
  });

  it('login stores docker-style credentials, push sends them, logout removes them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-login-'));
    try {
      const t = new FakeTransport({
        'POST /auth': { json: { IdentityToken: '', Status: 'Login Succeeded' } },
        'POST /images/127.0.0.1:5001/trace/busybox/push': { raw: '{"status":"The push refers to repository [127.0.0.1:5001/trace/busybox]"}\n{"status":"Pushed","id":"78eb80b7795b"}\n{"progressDetail":{},"aux":{"Tag":"v1"}}\n' },
      });
      const r = await cli(`--config ${dir} login -u trace --password-stdin 127.0.0.1:5001`, t, Readable.from([Buffer.from('tracepass\n')]));
      expect(r.code).toBe(0);
      expect(r.out).toBe('Login Succeeded\n');
      expect(JSON.parse(t.bodies['/v1.41/auth']!)).toEqual({ username: 'trace', password: 'tracepass', serveraddress: '127.0.0.1:5001' });
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ auths: { '127.0.0.1:5001': { auth: 'dHJhY2U6dHJhY2VwYXNz' } } });
      let authHeader: string | undefined;
      const t2 = new FakeTransport({
        'POST /images/127.0.0.1:5001/trace/busybox/push': (req) => {
          authHeader = req.headers?.['X-Registry-Auth'];
          return { raw: '{"status":"The push refers to repository [127.0.0.1:5001/trace/busybox]"}\n{"status":"Pushed","id":"78eb80b7795b"}\n' };
        },
      });
      const p = await cli(`--config ${dir} push 127.0.0.1:5001/trace/busybox:v1`, t2);
      expect(p).toEqual({ code: 0, out: 'The push refers to repository [127.0.0.1:5001/trace/busybox]\n78eb80b7795b: Pushed\n', err: '' });
      expect(t2.calls).toEqual(['POST /v1.41/images/127.0.0.1:5001/trace/busybox/push?tag=v1']);
      expect(JSON.parse(Buffer.from(authHeader!, 'base64').toString())).toEqual({ username: 'trace', password: 'tracepass', serveraddress: '127.0.0.1:5001' });
      expect((await cli(`--config ${dir} logout 127.0.0.1:5001`, t)).out).toBe('Removing login credentials for 127.0.0.1:5001\n');
      expect((await cli(`--config ${dir} logout 127.0.0.1:5001`, t)).out).toBe('Not logged in to 127.0.0.1:5001\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commit sends the repository normalised and prints the id', async () => {
    const t = new FakeTransport({ 'POST /commit': { status: 201, json: { Id: 'sha256:f148' } } });
    expect(await cli('commit -a Trace -m msg -c ENV=1 trace-x trace-committed:v1', t)).toEqual({ code: 0, out: 'sha256:f148\n', err: '' });
    expect(t.calls).toEqual(['POST /v1.41/commit?author=Trace&changes=ENV%3D1&comment=msg&container=trace-x&repo=docker.io%2Flibrary%2Ftrace-committed&tag=v1']);
  });

  it('update sends the body of 93-update, prints names then the warnings', async () => {
    const t = new FakeTransport({ 'POST /containers/trace-web/update': { json: { Warnings: ['limits apply at next start'] } } });
    expect(await cli('update --memory 128m --memory-swap 256m --cpus 1 --restart on-failure:3 trace-web', t)).toEqual({ code: 0, out: 'trace-web\nlimits apply at next start\n', err: '' });
    expect(t.bodies['/v1.41/containers/trace-web/update']).toBe(
      '{"CpuShares":0,"Memory":134217728,"NanoCpus":1000000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":268435456,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":null,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}',
    );
  });

  it('system df summarises like 154-system-df', async () => {
    const mb = 1982368;
    const t = new FakeTransport({
      'GET /system/df': {
        json: {
          LayersSize: 5949000,
          Images: [
            { Containers: 1, Size: mb, SharedSize: 0 },
            { Containers: 2, Size: mb, SharedSize: mb },
            { Containers: 0, Size: mb, SharedSize: mb },
          ],
          Containers: [{ State: 'running', SizeRw: 0 }, { State: 'exited', SizeRw: 0 }],
          Volumes: [],
          BuildCache: [],
        },
      },
    });
    expect((await cli('system df', t)).out).toBe(
      'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n' +
        'Images          3         2         5.949MB   3.967MB (66%)\n' +
        'Containers      2         1         0B        0B\n' +
        'Local Volumes   0         0         0B        0B\n' +
        'Build Cache     0         0         0B        0B\n',
    );
  });

  it('cp to a container: HEAD the destination, then PUT the tar to it (or to its parent under the new name)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cpcli-'));
    try {
      fs.writeFileSync(path.join(dir, 'file.txt'), 'data');
      const dirStat = Buffer.from(JSON.stringify({ name: 'srv', size: 4096, mode: 2147484141, mtime: '', linkTarget: '' })).toString('base64');
      const t = new FakeTransport({
        'HEAD /containers/x/archive': (req) => (req.path.endsWith('path=%2Fsrv%2F') ? { status: 200, raw: '' } : { status: 404, json: { message: 'no' } }),
        'PUT /containers/x/archive': { status: 200 },
      });
      const origRequest = t.request.bind(t);
      t.request = async (req) => {
        const r = await origRequest(req);
        if (req.method === 'HEAD' && r.statusCode === 200) r.headers['x-docker-container-path-stat'] = dirStat;
        // read the tar body to its end before answering, as a daemon does (and before the
        // test's finally removes the files it is made from)
        const body = req.body;
        if (body && typeof body !== 'string' && !Buffer.isBuffer(body)) {
          await new Promise<void>((resolve, reject) => body.on('end', resolve).on('error', reject).resume());
        }
        return r;
      };
      expect(await cli(`cp ${dir}/file.txt x:/srv/`, t)).toEqual({ code: 0, out: '', err: '' });
      expect(await cli(`cp ${dir}/file.txt x:/srv/renamed.txt`, t)).toEqual({ code: 0, out: '', err: '' });
      expect(t.calls).toEqual([
        'HEAD /v1.41/containers/x/archive?path=%2Fsrv%2F',
        'PUT /v1.41/containers/x/archive?noOverwriteDirNonDir=true&path=%2Fsrv%2F',
        'HEAD /v1.41/containers/x/archive?path=%2Fsrv%2Frenamed.txt',
        'PUT /v1.41/containers/x/archive?noOverwriteDirNonDir=true&path=%2Fsrv',
      ]);
      expect((await cli('cp a:/x b:/y', t)).err).toBe('copying between containers is not supported\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cp from a container never replaces a destination that is not a directory or a regular file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cpdev-'));
    try {
      const fifo = path.join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const nul = path.join(dir, 'null'); // a device of its own: a regression must not clobber the host's /dev/null
      execFileSync('mknod', ['-m', '666', nul, 'c', '1', '3']);
      const fileStat = Buffer.from(JSON.stringify({ name: 'hostname', size: 3, mode: 0o644, mtime: '', linkTarget: '' })).toString('base64');
      const t = new FakeTransport({ 'GET /containers/x/archive': { status: 200, raw: '' } });
      const origRequest = t.request.bind(t);
      t.request = async (req) => {
        const r = await origRequest(req);
        r.headers['x-docker-container-path-stat'] = fileStat;
        return r;
      };
      for (const dest of [fifo, nul]) {
        expect(await cli(`cp x:/etc/hostname ${dest}`, t)).toEqual({
          code: 1,
          out: '',
          err: `invalid output path: "${dest}" must be a directory or a regular file: got ${dest === fifo ? 'a named pipe' : 'a device'}\n`,
        });
      }
      expect(fs.statSync(fifo).isFIFO()).toBe(true);
      expect(fs.statSync(nul).isCharacterDevice()).toBe(true);
      // docker's ValidateOutputPath comes before any request, as does a missing parent directory
      expect(await cli(`cp x:/etc/hostname ${dir}/none/h`, t)).toEqual({ code: 1, out: '', err: `invalid output path: directory "${dir}/none" does not exist\n` });
      expect(fs.existsSync(path.join(dir, 'none'))).toBe(false);
      expect(t.calls).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cp to a container follows a symlink destination to its target (the PUT and the summary name it); the summary comes before a failed extraction\'s error, both ways', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cplink-'));
    try {
      fs.writeFileSync(path.join(dir, 'file.txt'), 'data');
      fs.mkdirSync(path.join(dir, 'sub'));
      const stat = (name: string, mode: number, linkTarget = '') => Buffer.from(JSON.stringify({ name, size: 4, mode, mtime: '', linkTarget })).toString('base64');
      const stats: Record<string, string> = {
        '/l': stat('l', 0x8000000 | 0o777, '/srv'),
        '/rel/l': stat('l', 0x8000000 | 0o777, 'f'),
        '/srv': stat('srv', 0x80000000 | 0o755),
        '/rel/f': stat('f', 0o644),
        '/dev/null': stat('null', 0x4000000 | 0x200000 | 0o666),
      };
      const t = new FakeTransport({
        'HEAD /containers/x/archive': (req) => (stats[new URLSearchParams(req.path.split('?')[1]).get('path')!] ? { status: 200, raw: '' } : { status: 404, json: { message: 'no' } }),
        'PUT /containers/x/archive': (req) => (req.path.includes('path=%2Fbad') ? { status: 400, json: { message: 'extraction point is not a directory: /bad' } } : { status: 200 }),
        'GET /containers/x/archive': { status: 200, raw: '' },
      });
      const origRequest = t.request.bind(t);
      t.request = async (req) => {
        const r = await origRequest(req);
        const p = new URLSearchParams(req.path.split('?')[1]).get('path')!;
        if (r.statusCode === 200 && req.method !== 'PUT') r.headers['x-docker-container-path-stat'] = req.method === 'GET' ? stat('srv', 0x80000000 | 0o755) : stats[p]!;
        const body = req.body;
        if (body && typeof body !== 'string' && !Buffer.isBuffer(body)) await new Promise<void>((resolve, reject) => body.on('end', resolve).on('error', reject).resume());
        return r;
      };
      const tty = (line: string, stdin?: Readable) => cli(line, t, stdin, true);
      // a link to a directory: the file goes into the target, named after itself
      expect(await tty(`cp ${dir}/file.txt x:/l`)).toEqual({ code: 0, out: '', err: 'Successfully copied 2.05kB to x:/srv\n' });
      // a relative link to a file: the target (beside the link) is replaced under its own name
      expect(await tty(`cp ${dir}/file.txt x:/rel/l`)).toEqual({ code: 0, out: '', err: 'Successfully copied 2.05kB to x:/rel/f\n' });
      expect(t.calls.filter((c) => c.startsWith('PUT')).map((c) => new URLSearchParams(c.split('?')[1]).get('path'))).toEqual(['/srv', '/rel']);
      // docker's destination checks and PrepareArchiveCopy errors, before any upload
      t.calls.length = 0;
      expect(await tty(`cp ${dir}/file.txt x:/dev/null`)).toEqual({ code: 1, out: '', err: 'destination "x:/dev/null" must be a directory or a regular file: got a device\n' });
      expect(await tty(`cp ${dir}/sub x:/rel/f`)).toEqual({ code: 1, out: '', err: 'cannot copy directory\n' });
      expect(await tty(`cp ${dir}/file.txt x:/new/`)).toEqual({ code: 1, out: '', err: 'no such directory\n' });
      expect(await tty('cp - x:/rel/f', Readable.from([Buffer.from('tar')]))).toEqual({ code: 1, out: '', err: 'destination "x:/rel/f" must be a directory\n' });
      expect(t.calls.filter((c) => c.startsWith('PUT'))).toEqual([]);
      // a tar on stdin into a linked directory: not counted, as docker's
      expect(await tty('cp - x:/l', Readable.from([Buffer.from('tar')]))).toEqual({ code: 0, out: '', err: 'Successfully copied 0B to x:/srv\n' });
      // a failed upload: the summary, then the daemon's error
      expect(await tty(`cp ${dir}/file.txt x:/bad/f`)).toEqual({ code: 1, out: '', err: 'Successfully copied 2.05kB to x:/bad/f\nError response from daemon: extraction point is not a directory: /bad\n' });
      // copy-out: a failed extraction also has its summary first
      expect(await tty(`cp x:/srv ${dir}/file.txt`)).toEqual({ code: 1, out: '', err: `Successfully copied 0B to ${dir}/file.txt\ncannot copy directory\n` });
      expect(await cli(`cp x:/srv ${dir}/file.txt`, t)).toEqual({ code: 1, out: '', err: 'cannot copy directory\n' });
      expect(fs.readFileSync(path.join(dir, 'file.txt'), 'utf8')).toBe('data');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("version/info --format: the client's struct leaves out empty fields but Context (docker 28's clientVersion omitempty)", async () => {
    const t = new FakeTransport({
      'GET /_ping': { raw: 'OK' },
      'GET /version': { json: { Version: '1', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64', GitCommit: 'x', GoVersion: 'go' } },
      'GET /info': { json: { ID: 'i' } },
    });
    const v = await cli(['version', '--format', '{{json .Client}}'], t);
    expect(Object.keys(JSON.parse(v.out))).toEqual(['Version', 'ApiVersion', 'DefaultAPIVersion', 'GoVersion', 'Os', 'Arch', 'Context']);
    const i = await cli(['info', '--format', '{{json .ClientInfo}}'], t);
    expect(Object.keys(JSON.parse(i.out))).toEqual(['Debug', 'Version', 'DefaultAPIVersion', 'GoVersion', 'Os', 'Arch', 'Context', 'Plugins', 'Warnings']);
  });

  it('build: the context tar, docker query, streamed output, exit code from errorDetail.code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox:local\n');
      const t = new FakeTransport({
        'POST /build': (req) =>
          req.path.includes('t=fail')
            ? { raw: '{"stream":"Step 1/2 : FROM busybox:local"}\n{"stream":"\\n"}\n{"errorDetail":{"code":3,"message":"The command \'/bin/sh -c exit 3\' returned a non-zero code: 3"},"error":"x"}\n' }
            : { raw: '{"stream":"Step 1/1 : FROM busybox:local"}\n{"stream":"\\n"}\n{"stream":" ---\\u003e 7a0f54585e7a\\n"}\n{"aux":{"ID":"sha256:7a0f"}}\n{"stream":"Successfully built 7a0f54585e7a\\n"}\n' },
      });
      const ok = await cli(`build -t trace-built:v1 --build-arg GREETING=hi --label extra=1 ${dir}`, t);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/^Sending build context to Docker daemon {2}\d+(\.\d+)?kB\nStep 1\/1 : FROM busybox:local\n ---> 7a0f54585e7a\nSuccessfully built 7a0f54585e7a\n$/);
      expect(t.calls[0]).toBe('POST /v1.41/build?buildargs=%7B%22GREETING%22%3A%22hi%22%7D&dockerfile=Dockerfile&labels=%7B%22extra%22%3A%221%22%7D&t=trace-built%3Av1&version=1');
      const bad = await cli(`build --force-rm -t fail ${dir}`, t);
      expect(bad.code).toBe(3);
      expect(bad.err).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3\n");
      expect(t.calls[1]).toBe('POST /v1.41/build?dockerfile=Dockerfile&forcerm=1&t=fail&version=1');
      // a build arg or label named `__proto__` is one (docker's map[string]*string keeps it), not the map's prototype
      const proto = await cli(`build -t p --build-arg __proto__=x --build-arg constructor --label __proto__=1 ${dir}`, t);
      expect(proto.code).toBe(0);
      expect(decodeURIComponent(t.calls[2]!)).toBe('POST /v1.41/build?buildargs={"__proto__":"x"}&dockerfile=Dockerfile&labels={"__proto__":"1"}&t=p&version=1');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a current context whose TLS files are bad, as docker 28 (the endpoint is resolved at the first client use)', () => {
  it('context ls/use/inspect/rm still work; every command that needs the daemon fails with the reason and exit 1, before any request', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-badtls-'));
    try {
      const t = new FakeTransport({});
      const run = async (args: string[]) => {
        const stdout = sink();
        const stderr = sink();
        const code = await runCli(args, {
          io: { stdout, stderr, stdin: Readable.from([]) },
          env: { BERTH_CONFIG: dir, HOME: dir },
          now: () => NOW,
          makeClient: () => new BerthClient({ transport: t }),
          onSignal: () => () => undefined,
        });
        return { code, out: stdout.text(), err: stderr.text() };
      };
      expect((await run(['context', 'create', 'bad', '--docker', 'host=tcp://127.0.0.1:1'])).code).toBe(0);
      const { resetTlsFiles } = require('./context-store') as typeof import('./context-store');
      resetTlsFiles(dir, 'bad', new Map([['docker', new Map([['ca.pem', Buffer.from('garbage\n')]])]]));
      expect(await run(['context', 'use', 'bad'])).toEqual({ code: 0, out: 'bad\n', err: 'Current context is now "bad"\n' });
      const ls = await run(['context', 'ls']);
      expect(ls.code).toBe(0);
      expect(ls.out).toMatch(/^bad \* +tcp:\/\/127\.0\.0\.1:1 *$/m);
      const inspect = await run(['context', 'inspect']);
      expect(inspect.code).toBe(0);
      expect(JSON.parse(inspect.out)[0].TLSMaterial).toEqual({ docker: ['ca.pem'] });
      expect((await run(['context', 'show'])).out).toBe('bad\n');
      const failed = { code: 1, out: '', err: 'Failed to initialize: failed to retrieve context tls info: ca.pem seems invalid\n' };
      const build = fs.mkdtempSync(path.join(dir, 'build-'));
      fs.writeFileSync(path.join(build, 'Dockerfile'), 'FROM scratch\n');
      for (const args of [
        'ps',
        'version',
        'info',
        'info --format {{.ID}}',
        'events',
        'pull busybox',
        'push busybox',
        'rename a b',
        'rm x',
        'stop x',
        'run busybox',
        'create busybox',
        'images',
        'network ls',
        'volume ls',
        'logs x',
        'inspect x',
        'system df',
        'system dial-stdio',
        'login -u u -p p',
        `build -q ${build}`,
        `--context bad ps`,
        ...['kill x', 'start x', 'restart x', 'pause x', 'wait x', 'exec x ls', 'top x', 'port x', 'diff x', 'history x', 'commit x', 'tag a b', 'rmi a'],
        ...['search x', 'stats --no-stream', 'update --cpus 1 x', 'attach x', 'container prune -f', 'image prune -f', 'system prune -f', 'network create n', 'volume create v'],
      ]) {
        // as docker: what a command does before it first needs the daemon is done (pull's default tag)
        const before = args.startsWith('pull') || args.startsWith('push') ? { out: 'Using default tag: latest\n' } : args.startsWith('login') ? { err: `WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n${failed.err}` } : {};
        expect([args, await run(args.split(' '))]).toEqual([args, { ...failed, ...before }]);
      }
      expect(t.calls).toEqual([]);
      // conflicting host flags still fail every command at start-up, as docker's Initialize
      const conflict = await run(['-c', 'bad', '-H', 'tcp://h:1', 'context', 'ls']);
      expect(conflict).toEqual({ code: 1, out: '', err: 'conflicting options: cannot specify both --host and --context\n' });
      expect(await run(['context', 'use', 'default'])).toEqual({ code: 0, out: 'default\n', err: 'Current context is now "default"\n' });
      expect(await run(['context', 'rm', 'bad'])).toEqual({ code: 0, out: 'bad\n', err: '' });
      // a current context that is not there: docker 28's text, as for --context
      fs.writeFileSync(path.join(dir, 'config.json'), '{"currentContext":"gone"}');
      const gone = await run(['ps']);
      expect([gone.code, gone.out]).toEqual([1, '']);
      expect(gone.err).toMatch(/^Failed to initialize: unable to resolve docker endpoint: context "gone": context not found: open .*\/meta\.json: no such file or directory\n$/);
      expect((await run(['context', 'use', 'default'])).code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a TLS flag's file that cannot be read fails what resolves `default` (context ls, context inspect default), as docker's ResolveDefaultContext, not context use or show", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-badflag-'));
    try {
      const run = async (args: string[]) => {
        const stdout = sink();
        const stderr = sink();
        const code = await runCli(['--tlsverify', '--tlscacert', path.join(dir, 'missing.pem'), ...args], {
          io: { stdout, stderr, stdin: Readable.from([]) },
          env: { BERTH_CONFIG: dir, HOME: dir },
          now: () => NOW,
          makeClient: () => new BerthClient({ transport: new FakeTransport({}) }),
          onSignal: () => () => undefined,
        });
        return { code, out: stdout.text(), err: stderr.text() };
      };
      const unreadable = new RegExp(`^could not read ${dir}/missing\\.pem: ENOENT`);
      for (const args of [['context', 'ls'], ['context', 'inspect', 'default'], ['ps']]) {
        const r = await run(args);
        expect([args, r.code, r.out]).toEqual([args, 1, args[1] === 'inspect' ? '[]\n' : '']); // (inspect's empty list, as docker's)
        expect(r.err).toMatch(unreadable);
      }
      expect(await run(['context', 'show'])).toEqual({ code: 0, out: 'default\n', err: '' });
      expect(await run(['context', 'use', 'default'])).toEqual({ code: 0, out: 'default\n', err: 'Current context is now "default"\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
