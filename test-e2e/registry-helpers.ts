/**
 * Registries for the registry end-to-end files: berth-registry (the built bin) and Debian's
 * docker-registry as child processes on free loopback ports, with temp data dirs of their own;
 * an htpasswd file with bcrypt entries; and a tiny TCP proxy that can misbehave.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll } from '@jest/globals';
import { BerthDaemon, clientsFor, fixtures, freePort, ok, repoRoot, waitFor } from './harness';
import { dockerRegistryCommand } from '../scripts/docker-registry';

export const berthRegistryBin = path.join(repoRoot, 'packages', 'registry', 'bin', 'berth-registry.js');

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  dir: string;
  dataRoot: string;
  running(): boolean;
  stop(): Promise<void>;
  /** Starts the same registry again on the same port and data. */
  start(): Promise<void>;
  log(): string;
  /** stop and remove the temp dir */
  dispose(): Promise<void>;
}

async function startChild(make: (port: number, dir: string) => { cmd: string; args: string[] }, prefix: string): Promise<RunningRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-e2e-${prefix}-`));
  const port = await freePort();
  const dataRoot = path.join(dir, 'data');
  const logPath = path.join(dir, 'log');
  let child: ChildProcess | undefined;
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const r: RunningRegistry = {
    host: `127.0.0.1:${port}`,
    port,
    dir,
    dataRoot,
    running: alive,
    log: () => {
      try {
        return fs.readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    async start() {
      const { cmd, args } = make(port, dir);
      const fd = fs.openSync(logPath, 'a');
      const c = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
      child = c;
      c.on('error', () => undefined);
      await waitFor(`${prefix} to listen on ${port}`, async () => {
        if (c.exitCode !== null) throw new Error(`${prefix} exited (${c.exitCode}):\n${r.log()}`);
        return listening(port);
      }, 20_000);
    },
    async stop() {
      const c = child;
      if (!c || !alive()) return;
      const gone = new Promise((res) => c.on('exit', res));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
    async dispose() {
      await r.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await r.start();
  } catch (e) {
    await r.dispose();
    throw e;
  }
  return r;
}

/** `berth-registry serve --addr 127.0.0.1:PORT --data-root DIR/data ...extra` */
export function startBerthRegistry(extra: string[] = []): Promise<RunningRegistry> {
  return startChild(
    (port, dir) => ({
      cmd: process.execPath,
      args: [berthRegistryBin, 'serve', '--addr', `127.0.0.1:${port}`, '--data-root', path.join(dir, 'data'), ...extra],
    }),
    'berth-registry',
  );
}

/**
 * A berthd and a berth-registry for the test file, started together in `beforeAll` (handed to
 * `set`), the Docker-made fixture image loaded and pushed as `REGISTRY/REPO:1` for each of
 * `repos`; both disposed in `afterAll`. A `beforeAll` the file declares after this call runs
 * once the pushes are done.
 */
export function useDaemonWithRegistry(set: (d: BerthDaemon, reg: RunningRegistry) => void, repos: string[]): void {
  let d: BerthDaemon | undefined;
  let reg: RunningRegistry | undefined;
  beforeAll(async () => {
    const [started, registry] = await Promise.allSettled([BerthDaemon.start(), startBerthRegistry()]);
    if (started.status === 'fulfilled') d = started.value;
    if (registry.status === 'fulfilled') reg = registry.value;
    if (started.status === 'rejected') throw started.reason;
    if (registry.status === 'rejected') throw registry.reason;
    set(started.value, registry.value);
    const c = clientsFor(started.value);
    ok(await c.docker(['load', '-i', fixtures.dockerSave]));
    for (const repo of repos) {
      ok(await c.docker(['tag', fixtures.dockerSaveTag, `${registry.value.host}/${repo}:1`]));
      ok(await c.docker(['push', '-q', `${registry.value.host}/${repo}:1`]));
    }
  }, 120_000);
  afterAll(async () => {
    try {
      await reg?.dispose();
    } finally {
      await d?.dispose();
    }
  }, 60_000);
}

/** Debian's docker-registry (distribution 2.8; scripts/docker-registry.js, which the benchmarks use too), filesystem storage in DIR/data. */
export function startDockerRegistry(opts: { htpasswd?: string; proxyRemote?: string } = {}): Promise<RunningRegistry> {
  return startChild((port, dir) => dockerRegistryCommand(dir, { port, root: path.join(dir, 'data'), ...opts }), 'docker-registry');
}

/** An htpasswd file with one bcrypt (`$2y$`, as `htpasswd -B` writes) entry. */
export function writeHtpasswd(file: string, user: string, password: string): void {
  const hash = bcrypt.hashSync(password, 5).replace(/^\$2[ab]\$/, '$2y$');
  fs.writeFileSync(file, `${user}:${hash}\n`);
}

/** Number of regular files under a directory (0 when it does not exist). */
export function countFiles(dir: string): number {
  let n = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += countFiles(p);
    else n++;
  }
  return n;
}

export interface FaultyProxy {
  host: string;
  port: number;
  /** connections seen */
  connections: number;
  /** mode 'stall': resolves once a blob response is held */
  stalled: Promise<void>;
  /** mode 'drop-upload': how many uploads were cut (0 or 1) */
  readonly cut: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of `target` (plain http) that rewrites the upstream's responses:
 * `mode: 'drop'` cuts the first response carrying more than `afterBytes` body bytes of a blob once
 * (connection destroyed mid-layer); `mode: 'corrupt'` flips the byte at offset `afterBytes` of
 * every blob body (blobs shorter than that, like configs, pass); `mode: 'stall'` holds the first
 * blob response after `afterBytes` bytes forever (`stalled` resolves then); these touch only
 * `/blobs/sha256:` GETs. `mode: 'drop-upload'` cuts the first upload request (a `PATCH`, or a
 * `PUT` with a body, to `/blobs/uploads/`) once more than `afterBytes` of it went up (connection
 * destroyed mid-layer). Everything else passes through.
 */
export async function startFaultyProxy(targetPort: number, mode: 'drop' | 'corrupt' | 'stall' | 'drop-upload', afterBytes = 64 * 1024): Promise<FaultyProxy> {
  let dropped = false;
  let onStall: () => void = () => undefined;
  const stalled = new Promise<void>((r) => (onStall = r));
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, cut: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    sockets.add(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    let isBlob = false;
    let head = Buffer.alloc(0);
    let headerDone = false;
    let body = 0;
    let holding = false;
    let uploading = false;
    let sent = 0;
    client.on('data', (b: Buffer) => {
      // keep-alive: each request on this connection resets the response state
      const s = b.toString('latin1');
      if (/^(GET|HEAD|POST|PUT|PATCH|DELETE) /.test(s)) {
        isBlob = /^GET \S*\/blobs\/sha256:/.test(s);
        uploading = /^(PATCH|PUT) \S*\/blobs\/uploads\//.test(s) && !/\r\ncontent-length: 0\r\n/i.test(s);
        sent = 0;
        headerDone = false;
        head = Buffer.alloc(0);
        body = 0;
      }
      if (mode === 'drop-upload' && uploading && !dropped && sent + b.length > afterBytes) {
        dropped = true;
        state.cut++;
        upstream.write(b.subarray(0, Math.max(0, afterBytes - sent)), () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      sent += b.length;
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (!isBlob) return void client.write(b);
      let chunk = b;
      if (!headerDone) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headerDone = true;
        client.write(head.subarray(0, end + 4));
        chunk = head.subarray(end + 4);
        if (!/^HTTP\/1\.1 20[06]/.test(head.toString('latin1'))) return void client.write(chunk);
      }
      if (chunk.length === 0) return;
      if (holding) return;
      if (mode === 'corrupt') {
        const c = Buffer.from(chunk);
        if (afterBytes >= body && afterBytes < body + c.length) c[afterBytes - body] = c[afterBytes - body]! ^ 0xff;
        body += c.length;
        client.write(c);
        return;
      }
      if (mode === 'stall' && !dropped && body + chunk.length > afterBytes) {
        dropped = true;
        holding = true;
        client.write(chunk.subarray(0, Math.max(0, afterBytes - body)), () => onStall());
        return;
      }
      if (mode === 'drop' && !dropped && body + chunk.length > afterBytes) {
        dropped = true;
        client.write(chunk.subarray(0, Math.max(0, afterBytes - body)), () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      body += chunk.length;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    host: `127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get cut() {
      return state.cut;
    },
    stalled,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  } as FaultyProxy;
}
