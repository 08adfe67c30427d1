/**
 * `docker logs --follow` through rotations it cannot keep up with, end to end: a container prints
 * one line, waits until the test sees that line on a running `docker logs --follow` (so the
 * follower is past its first read and following), then writes 30,000 lines at once; with
 * `max-size=100k` the shim rotates ~20 times in a burst, far faster than the follower wakes.
 * `max-file` is large enough that no file is deleted: every line must come, once and in order
 * (berth's follower used to read the file it had, then jump to the newest LOG, losing the files
 * in between). Bounded: the burst is 30,000 lines, each wait has a deadline.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientsFor, ok, scratchDir, useDaemon, waitFor, type BerthDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(daemon);
});
const work = scratchDir('logs-follow-rotation');

/** `docker logs ARGS` running beside the test: its stdout so far, and its end. */
function dockerStreaming(args: string[]): { out: () => string; done: Promise<{ code: number | null; stderr: string }>; kill(): void } {
  const config = path.join(work, 'docker-config');
  fs.mkdirSync(config, { recursive: true });
  const child = spawn('docker', args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, DOCKER_CONFIG: config, DOCKER_HOST: d.host },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr: err })));
  return { out: () => out, done, kill: () => void (child.exitCode === null && child.kill('SIGTERM')) };
}

describe('docker logs --follow through a burst of rotations', () => {
  it('30,000 lines through ~20 rotations of 100 kB: the follower gets every line once, in order; so does a plain read after', async () => {
    const go = path.join(work, 'go');
    fs.mkdirSync(go);
    const N = 30000;
    ok(
      await c.docker([
        'run', '-d', '--name', 'logrot', '--network', 'none', '-v', `${go}:/go`,
        '--log-opt', 'max-size=100k', '--log-opt', 'max-file=60',
        'busybox', 'sh', '-c', `echo ready; i=0; while [ ! -e /go/now ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; seq 1 ${N}`,
      ]),
    );
    const follower = dockerStreaming(['logs', '--follow', 'logrot']);
    let result: { code: number | null; stderr: string } | undefined;
    try {
      await waitFor('the follower to print the first line', () => follower.out().startsWith('ready\n'), 20_000, 20);
      fs.writeFileSync(path.join(go, 'now'), '');
      let timer: NodeJS.Timeout | undefined;
      result = await Promise.race([follower.done, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 60_000)))]);
      clearTimeout(timer);
    } finally {
      follower.kill();
    }
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const got = follower.out().split('\n');
    expect(got.pop()).toBe('');
    expect(got.shift()).toBe('ready');
    // where it went wrong, if it did: the first line out of place
    const firstWrong = got.findIndex((l, i) => l !== String(i + 1));
    expect({ lines: got.length, firstWrong, near: firstWrong < 0 ? [] : got.slice(Math.max(0, firstWrong - 1), firstWrong + 2) }).toEqual({ lines: N, firstWrong: -1, near: [] });

    // the rotations happened (else this passed for nothing): many files, none deleted
    const logPath = ok(await c.docker(['inspect', '-f', '{{.LogPath}}', 'logrot'])).stdout.trim();
    const files = fs.readdirSync(path.dirname(logPath)).filter((f) => f.startsWith(path.basename(logPath)));
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files.length).toBeLessThan(60);

    const plain = ok(await c.docker(['logs', 'logrot'])).stdout.split('\n');
    expect(plain.length).toBe(N + 2);
    expect(plain.slice(0, 3)).toEqual(['ready', '1', '2']);
    expect(plain.slice(-2)).toEqual([String(N), '']);
    ok(await c.docker(['rm', '-f', 'logrot']));
  }, 120_000);
});
