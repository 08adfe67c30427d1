/**
 * berthd's start: it checks what it needs and fails with one clear line naming the fix; it does
 * not steal the socket of a live daemon but does replace a stale one; crun is the default runtime
 * where it is installed, `--default-runtime runc` (or `--runtime runc`) makes runc the default.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, berthdBin, busyboxRootfsTar, clientsFor, exec, ok, repoRoot, scratchDir } from './harness';

let work: string;

beforeAll(() => {
  work = scratchDir('startup');
});

/** Runs berthd expecting it to give up by itself: its exit code and output. */
async function berthdFails(args: string[], env: NodeJS.ProcessEnv = {}) {
  // no CRI endpoint: the default one (/run/berth/cri.sock) is the host's, not this test's
  // and no daemon.json: never the machine's /etc/berth/daemon.json
  const r = await exec(process.execPath, [berthdBin, ...(args.includes('--cri-socket') ? [] : ['--cri-socket', '']), ...(args.includes('--config-file') ? [] : ['--config-file', '']), ...args], { env, timeoutMs: 30_000 });
  expect(r.signal).toBeNull(); // it exited by itself, it was not killed at the timeout
  expect(r.code).not.toBe(0);
  return `${r.stdout}${r.stderr}`;
}

describe('the binaries', () => {
  it('npx berthd and npx berth are reachable from the repository root', async () => {
    const d = ok(await exec('npx', ['berthd', '--help'], { cwd: repoRoot }));
    expect(d.stdout).toMatch(/--data-root/);
    expect(d.stdout).toMatch(/--tlsverify/);
    const b = ok(await exec('npx', ['berth', '--help'], { cwd: repoRoot }));
    expect(b.stdout).toMatch(/Usage:\s+berth/);
  });
});

describe('start-up checks', () => {
  it('a missing OCI runtime binary: exits with a line naming it', async () => {
    const root = path.join(work, 'no-runtime');
    // node runs by its absolute path; crun (in /usr/bin) is nowhere on this PATH
    const out = await berthdFails(
      ['--data-root', root, '-H', `unix://${path.join(work, 'no-runtime.sock')}`, '--runtime', 'crun'],
      { PATH: path.join(work, 'empty-bin') },
    );
    expect(out).toMatch(/crun/);
    expect(out).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // a line, not a stack trace
  });

  it('an unknown runtime or a bad host is refused with a clear message', async () => {
    const sock = `unix://${path.join(work, 'bad.sock')}`;
    expect(await berthdFails(['--data-root', path.join(work, 'bad1'), '-H', sock, '--runtime', 'nope'])).toMatch(/runtime|nope/i);
    expect(await berthdFails(['--data-root', path.join(work, 'bad2'), '-H', 'ftp://example'])).toMatch(/host|ftp/i);
  });
});

describe('the unix socket', () => {
  let first: BerthDaemon;

  beforeAll(async () => {
    first = await BerthDaemon.start();
  }, 60_000);

  afterAll(async () => {
    await first?.dispose();
  }, 60_000);

  it('a second berthd on the socket of a live one refuses and leaves it working', async () => {
    const out = await berthdFails(['--data-root', path.join(work, 'second'), '-H', first.host]);
    expect(out.trim().length).toBeGreaterThan(0);
    expect(await first.ping()).toBe(true);
  });

  it('a stale socket file (no daemon behind it) is replaced', async () => {
    const sockPath = path.join(work, 'stale.sock');
    // a process that listens on the socket and dies by SIGKILL leaves the file, as a crashed daemon does
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sockPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(fs.existsSync(sockPath)).toBe(true);
    const d = await BerthDaemon.start({ socketPath: sockPath });
    try {
      const { docker } = clientsFor(d);
      ok(await docker(['version']));
    } finally {
      await d.dispose();
    }
  }, 60_000);
});

describe('one berthd per data root', () => {
  it('a second berthd on the same data root refuses (another socket, or the same), touching nothing: the first one\'s containers run on and are reported running', async () => {
    const first = await BerthDaemon.start();
    try {
      const { docker } = clientsFor(first);
      ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
      const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
      const lockFile = path.join(first.dataRoot, 'berthd.lock');
      expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(first.pid));
      const before = fs.readdirSync(first.dataRoot).sort();

      const other = await berthdFails(['--data-root', first.dataRoot, '-H', `unix://${path.join(work, 'other.sock')}`]);
      expect(other.trim()).toBe(`berthd: data root ${first.dataRoot} is in use by another berthd (pid ${first.pid}): stop it first, or give this one another --data-root`);
      expect(fs.existsSync(path.join(work, 'other.sock'))).toBe(false);
      const same = await berthdFails(['--data-root', first.dataRoot, '-H', first.host]);
      expect(same.trim().split('\n')).toHaveLength(1);
      expect(same).toMatch(/another daemon is listening on this socket/);

      expect(fs.readdirSync(first.dataRoot).sort()).toEqual(before);
      expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(first.pid));
      expect(await first.ping()).toBe(true);
      expect(ok(await docker(['inspect', '--format', '{{.State.Status}} {{.State.Running}}', id])).stdout.trim()).toBe('running true');
      expect(ok(await docker(['exec', id, 'echo', 'still here'])).stdout).toBe('still here\n');
      // no shim or runtime process inherited the lock: only berthd holds it
      const holders = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readdirSync(`/proc/${p}/fd`).some((fd) => fs.readlinkSync(`/proc/${p}/fd/${fd}`) === lockFile);
          } catch {
            return false;
          }
        });
      expect(holders).toEqual([String(first.pid)]);

      // kill -9 leaves no stale lock: the next berthd on the root starts and finds the container
      await first.kill9();
      await first.restart();
      expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(first.pid));
      expect(ok(await docker(['inspect', '--format', '{{.State.Status}}', id])).stdout.trim()).toBe('running');
    } finally {
      await first.dispose();
    }
  }, 90_000);

  it('-p writes the pid file and removes it at stop; a pid file naming a live process is refused', async () => {
    const pidFile = path.join(work, 'berthd.pid');
    const d = await BerthDaemon.start({ args: ['-p', pidFile] });
    try {
      expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(d.pid));
      const out = await berthdFails(['--data-root', path.join(work, 'pid2'), '-H', `unix://${path.join(work, 'pid2.sock')}`, '-p', pidFile]);
      expect(out).toMatch(new RegExp(`pid file ${pidFile} names a running process \\(${d.pid}\\)`));
      expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(d.pid));
      await d.stop();
      expect(fs.existsSync(pidFile)).toBe(false);
    } finally {
      await d.dispose();
    }
  }, 60_000);
});

describe('--default-runtime runc (dockerd\'s flag; --runtime is its alias)', () => {
  it('runs containers under runc by default, and says so', async () => {
    const d = await BerthDaemon.start({ args: ['--default-runtime', 'runc'] });
    try {
      const { docker } = clientsFor(d);
      ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
      expect(ok(await docker(['info', '--format', '{{.DefaultRuntime}}'])).stdout.trim()).toBe('runc');
      const r = ok(await docker(['run', '--rm', 'busybox', 'echo', 'via runc']));
      expect(r.stdout).toBe('via runc\n');
      const id = ok(await docker(['create', 'busybox', 'true'])).stdout.trim();
      expect(ok(await docker(['inspect', '--format', '{{.HostConfig.Runtime}}', id])).stdout.trim()).toBe('runc');
      ok(await docker(['rm', id]));
    } finally {
      await d.dispose();
    }
  }, 60_000);
});

describe('the default runtime, and a container may choose the other one (docker run --runtime)', () => {
  it('crun is the default when installed; runc runs beside it, through exec, pause and a daemon restart; an unknown runtime is 400', async () => {
    const d = await BerthDaemon.start();
    try {
      const { docker } = clientsFor(d);
      ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
      const info = JSON.parse(ok(await docker(['info', '--format', '{{json .Runtimes}}'])).stdout) as Record<string, unknown>;
      expect(Object.keys(info)).toEqual(expect.arrayContaining(['runc', 'crun'])); // scripts/setup.sh installs both
      // crun is the default where it is installed (berthd hands it the seccomp filter compiled once)
      expect(ok(await docker(['info', '--format', '{{.DefaultRuntime}}'])).stdout.trim()).toBe('crun');
      expect(ok(await docker(['info'])).stdout).toContain(' Default Runtime: crun\n');
      const dflt = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
      expect(ok(await docker(['inspect', '--format', '{{.HostConfig.Runtime}}', dflt])).stdout.trim()).toBe('crun');
      expect(fs.readdirSync(path.join(d.runtimeStateDir, 'crun'))).toContain(dflt);
      ok(await docker(['rm', '-f', dflt]));
      expect(ok(await docker(['run', '--rm', '--runtime', 'runc', 'busybox', 'echo', 'via runc'])).stdout).toBe('via runc\n');
      const id = ok(await docker(['run', '-d', '--runtime', 'runc', 'busybox', 'sleep', '1000'])).stdout.trim();
      expect(ok(await docker(['inspect', '--format', '{{.HostConfig.Runtime}}', id])).stdout.trim()).toBe('runc');
      // the runtime's own state says it is runc's container, not crun's
      expect(fs.readdirSync(path.join(d.runtimeStateDir, 'runc'))).toContain(id);
      expect(fs.existsSync(path.join(d.runtimeStateDir, 'crun', id))).toBe(false);
      expect(ok(await docker(['exec', id, 'echo', 'in'])).stdout).toBe('in\n');
      ok(await docker(['pause', id]));
      ok(await docker(['unpause', id]));
      await d.restart();
      expect(ok(await docker(['inspect', '--format', '{{.State.Status}}', id])).stdout.trim()).toBe('running');
      expect(ok(await docker(['exec', id, 'echo', 'again'])).stdout).toBe('again\n');
      ok(await docker(['rm', '-f', id]));
      const bad = await docker(['run', '--rm', '--runtime', 'kata', 'busybox', 'true']);
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain('Unknown runtime specified kata');
      const left = d.leaks();
      expect(left.runtimeContainers).toEqual([]);
      expect(left.mounts).toEqual([]);
    } finally {
      await d.dispose();
    }
  }, 90_000);
});

