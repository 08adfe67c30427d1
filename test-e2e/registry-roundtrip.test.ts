/**
 * berth ↔ berth-registry, end to end: one berthd, two berth-registry processes on loopback (basic
 * auth from an htpasswd file with bcrypt entries; token auth with its own /token endpoint). The
 * multi-layer fixture is pushed, removed locally, pulled back (same image ID) and run, by the
 * berth CLI after `berth login` and by the real docker CLI after `docker login`. Without
 * credentials the push and the pull are refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as path from 'node:path';
import { BerthDaemon, berthBin, clientsFor, exec, failed, fixtures, ok, rawRequest, scratchDir } from './harness';
import { RunningRegistry, startBerthRegistry, writeHtpasswd } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let basic: RunningRegistry;
let token: RunningRegistry;
let berthConfig: string;
let dockerConfig: string;
const USER = 'e2e';
/** The fixture's layer count (its manifest.json). */
const LAYERS = 5;
const PASS = 'hunter2-registry';

beforeAll(async () => {
  const dir = scratchDir('registry-auth');
  const htpasswd = path.join(dir, 'htpasswd');
  writeHtpasswd(htpasswd, USER, PASS);
  berthConfig = scratchDir('registry-berth-config');
  dockerConfig = scratchDir('registry-docker-config');
  [d, basic, token] = await Promise.all([
    BerthDaemon.start(),
    startBerthRegistry(['--htpasswd', htpasswd]),
    startBerthRegistry(['--htpasswd', htpasswd, '--token-auth']),
  ]);
  c = clientsFor(d);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([basic?.dispose(), token?.dispose()]);
  await d?.dispose();
}, 60_000);

const berth = (args: string[], input?: string) => c.berth(args, { env: { BERTH_CONFIG: berthConfig }, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
const docker = (args: string[], input?: string) => c.docker(args, { env: { DOCKER_CONFIG: dockerConfig }, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

/** Loads the fixture and tags it `ref`. */
async function loadAs(ref: string): Promise<void> {
  ok(await c.berth(['load', '-i', fixtures.dockerSave]));
  ok(await c.berth(['tag', fixtures.dockerSaveTag, ref]));
}

/** Removes every tag of the fixture image so that nothing of it is left locally. */
async function removeImage(): Promise<void> {
  ok(await c.docker(['rmi', '-f', fixtures.dockerSaveId]));
  const left = ok(await c.docker(['images', '-q', '--no-trunc'])).stdout;
  expect(left).not.toContain(fixtures.dockerSaveId);
}

async function roundTrip(cli: typeof berth, registry: RunningRegistry, repo: string): Promise<void> {
  const ref = `${registry.host}/${repo}:1`;
  await loadAs(ref);
  const pushed = ok(await cli(['push', ref]));
  expect(pushed.stdout).toContain(`The push refers to repository [${registry.host}/${repo}]`);
  expect(pushed.stdout.match(/: Pushed$/gm)?.length).toBe(LAYERS);
  expect(pushed.stdout).toMatch(new RegExp(`^1: digest: sha256:[0-9a-f]{64} size: \\d+$`, 'm'));
  await removeImage();
  const pulled = ok(await cli(['pull', ref]));
  expect(pulled.stdout.match(/: Pull complete$/gm)?.length).toBe(LAYERS);
  expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
  expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(fixtures.dockerSaveId);
  expect(ok(await c.docker(['run', '--rm', ref])).stdout).toBe('hello\n');
  await removeImage();
}

describe('berth ↔ berth-registry with basic auth (htpasswd, bcrypt)', () => {
  it('without credentials: push and pull are refused with a clear message', async () => {
    const ref = `${basic.host}/e2e/multi:1`;
    await loadAs(ref);
    const push = failed(await berth(['push', ref]));
    expect(push.stderr).toMatch(/unauthorized|authentication required|login/i);
    const pull = failed(await berth(['pull', `${basic.host}/e2e/multi:nope`]));
    expect(pull.stderr).toMatch(/pull access denied|unauthorized|login/i);
    const badLogin = failed(await berth(['login', '-u', USER, '--password-stdin', basic.host], 'wrong'));
    expect(badLogin.stderr).toMatch(/unauthorized|incorrect|denied/i);
    await removeImage();
  });

  it('berth login, push, rmi, pull: the same image ID, and it runs', async () => {
    const login = ok(await berth(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    expect(login.stdout).toContain('Login Succeeded');
    await roundTrip(berth, basic, 'e2e/multi');
    const logout = ok(await berth(['logout', basic.host]));
    expect(logout.stdout).toContain(`Removing login credentials for ${basic.host}`);
    failed(await berth(['pull', `${basic.host}/e2e/multi:1`]));
  });

  it('the docker CLI: docker login, push, rmi, pull against berthd', async () => {
    const login = ok(await docker(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    expect(login.stdout).toContain('Login Succeeded');
    await roundTrip(docker, basic, 'e2e/docker-cli');
    ok(await docker(['logout', basic.host]));
  });
});

describe('pull -a: every tag of a repository', () => {
  it('berth pull -a and docker pull -a fetch both tags; a tag with -a is refused', async () => {
    const repo = `${basic.host}/e2e/all`;
    ok(await berth(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    ok(await docker(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    await loadAs(`${repo}:a`);
    ok(await c.berth(['tag', `${repo}:a`, `${repo}:b`]));
    ok(await berth(['push', `${repo}:a`]));
    ok(await berth(['push', `${repo}:b`]));
    for (const cli of [berth, docker]) {
      await removeImage();
      const r = ok(await cli(['pull', '-a', repo]));
      expect(r.stdout).toMatch(/^a: Pulling from e2e\/all$/m);
      expect(r.stdout).toMatch(/^b: Pulling from e2e\/all$/m);
      expect(r.stdout).toContain(`Status: Downloaded newer image for ${repo}`);
      const tags = ok(await c.docker(['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).stdout.split('\n').filter(Boolean).sort();
      expect(tags).toEqual([`${repo}:a`, `${repo}:b`]);
    }
    expect(failed(await berth(['pull', '-a', `${repo}:a`])).stderr).toContain("tag can't be used with --all-tags/-a");
    // a push to another repository of the same registry mounts the blobs instead of uploading them
    ok(await c.berth(['tag', `${repo}:a`, `${basic.host}/e2e/mounted:1`]));
    const mounted = ok(await berth(['push', `${basic.host}/e2e/mounted:1`]));
    expect(mounted.stdout.match(/: Mounted from e2e\/all$/gm)?.length).toBe(LAYERS);
    await removeImage();
  });
});

describe('berth ↔ berth-registry with token auth (--token-auth)', () => {
  it('without credentials: refused with a clear message', async () => {
    const ref = `${token.host}/e2e/tok:1`;
    await loadAs(ref);
    const push = failed(await berth(['push', ref]));
    expect(push.stderr).toMatch(/unauthorized|authentication required|login/i);
    await removeImage();
  });

  it('berth login, push, rmi, pull: the same image ID, and it runs', async () => {
    ok(await berth(['login', '-u', USER, '--password-stdin', token.host], PASS));
    await roundTrip(berth, token, 'e2e/tok');
  });

  it('the docker CLI after docker login', async () => {
    ok(await docker(['login', '-u', USER, '--password-stdin', token.host], PASS));
    await roundTrip(docker, token, 'e2e/tok-docker');
  });

  it('GET /distribution/{name}/json: the pushed manifest with X-Registry-Auth, refused without', async () => {
    const ref = `${token.host}/e2e/tok:1`;
    const auth = Buffer.from(JSON.stringify({ username: USER, password: PASS, serveraddress: token.host })).toString('base64url');
    const withAuth = await rawRequest(d.socketPath, { path: `/v1.41/distribution/${ref}/json`, headers: { 'X-Registry-Auth': auth } });
    expect(withAuth.status).toBe(200);
    const body = withAuth.json as { Descriptor: { mediaType: string; digest: string; size: number }; Platforms: { os: string; architecture: string }[] };
    // a locally made image is pushed as docker pushes it: Docker v2 schema 2 (issue 12)
    expect(body.Descriptor.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(body.Descriptor.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.Platforms[0]).toMatchObject({ os: 'linux', architecture: 'amd64' });
    const without = await rawRequest(d.socketPath, { path: `/v1.41/distribution/${ref}/json` });
    expect(without.status).toBeGreaterThanOrEqual(400);
    expect(without.body.toString()).toMatch(/unauthorized|authentication required|denied/i);
  });
});

/** The screen a terminal shows after `out`: newline, carriage return, cursor up/down, erase line. */
function finalScreen(out: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < out.length; i++) {
    const ch = out[i]!;
    // eslint-disable-next-line no-control-regex -- ESC starts the terminal's cursor sequences
    const esc = /^\x1b\[(\d*)([ABK])/.exec(out.slice(i, i + 8));
    if (esc) {
      const n = Number(esc[1] || 1);
      if (esc[2] === 'A') row = Math.max(0, row - n);
      else if (esc[2] === 'B') row += n;
      else rows[row] = [];
      i += esc[0].length - 1;
    } else if (ch === '\n') {
      row++;
      col = 0;
    } else if (ch === '\r') col = 0;
    else {
      while (rows.length <= row) rows.push([]);
      (rows[row] ??= [])[col++] = ch;
    }
    while (rows.length <= row) rows.push([]);
  }
  return rows.map((r) => Array.from(r, (c) => c ?? ' ').join('').trimEnd()).filter((l) => l !== '');
}

describe('progress on a terminal', () => {
  it('berth pull in a pty draws per-layer lines in place and ends on the same screen as docker pull', async () => {
    const ref = `${basic.host}/e2e/tty:1`;
    ok(await berth(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    ok(await docker(['login', '-u', USER, '--password-stdin', basic.host], PASS));
    await loadAs(ref);
    ok(await berth(['push', ref]));
    const inPty = async (cmd: string) => {
      await removeImage();
      const env = { DOCKER_HOST: d.host, BERTH_HOST: d.host, DOCKER_CONFIG: dockerConfig, BERTH_CONFIG: berthConfig, PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
      return ok(await exec('script', ['-qec', `stty cols 160 2>/dev/null; ${cmd}`, '/dev/null'], { env, replaceEnv: true, timeoutMs: 60_000 })).stdout;
    };
    const viaBerth = await inPty(`${process.execPath} ${berthBin} pull ${ref}`);
    const viaDocker = await inPty(`docker pull ${ref}`);
    expect(viaBerth).toContain('\x1b[2K');
    // eslint-disable-next-line no-control-regex -- ESC starts the terminal's cursor sequences
    expect(viaBerth).toMatch(/\x1b\[\d+A/);
    const screen = finalScreen(viaBerth);
    expect(screen.filter((l) => / Pull complete$/.test(l))).toHaveLength(LAYERS);
    expect(screen).toEqual(finalScreen(viaDocker));
    await removeImage();
  });
});
