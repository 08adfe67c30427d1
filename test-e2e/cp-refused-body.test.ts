/**
 * A copy-in that the daemon refuses part-way through the body (here its first entry: a directory
 * over a file, which `docker cp` always refuses with noOverwriteDirNonDir) answers with Docker's
 * error, not a cut connection: the docker CLI prints "Error response from daemon: ...", as with
 * Docker 20.10 (which writes the response, then closes the connection). The body is big (64 MiB)
 * so that most of it is still unsent when the refusal is made.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { type BerthDaemon, clientsFor, ok, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

beforeAll(async () => {
  work = scratchDir('cp-refused');
  fs.mkdirSync(path.join(work, 'x'));
  fs.writeFileSync(path.join(work, 'x', 'big'), Buffer.alloc(64 * 1024 * 1024, 7));
  ok(await c.docker(['run', '-d', '--name', 'rf', 'busybox', 'sh', '-c', 'echo file > /x && touch /ready && exec sleep 1000']));
  for (let i = 0; i < 100 && (await c.docker(['exec', 'rf', 'test', '-e', '/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
}, 120_000);

describe('cp into a container refused mid-body', () => {
  it('docker cp of a directory onto a file prints the daemon\'s error (the response is written before the connection closes)', async () => {
    const r = await c.docker(['cp', path.join(work, 'x'), 'rf:/']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error response from daemon: ');
    expect(r.stderr).toContain('cannot overwrite non-directory');
    // the file is as it was, the daemon answers on
    expect(ok(await c.docker(['exec', 'rf', 'cat', '/x'])).stdout).toBe('file\n');
  });

  it('the raw API: a 400 with Docker\'s JSON message and Connection: close, then the daemon closes the connection (the rest of the body unread)', async () => {
    // the tar's first 64 KiB (its first entry: the directory "x/", refused over the file /x), nothing more of the 64 MiB announced
    const h = execFileSync('tar', ['-C', work, '-cf', '-', 'x'], { maxBuffer: 128 * 1024 * 1024 }).subarray(0, 64 * 1024);
    const sock = net.createConnection(d.socketPath);
    let got = '';
    sock.on('data', (b: Buffer) => (got += b.toString()));
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('error', () => undefined);
    sock.write(`PUT /v1.41/containers/rf/archive?path=%2F&noOverwriteDirNonDir=true HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
    sock.write(h);
    const gone = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    sock.destroy();
    expect({ got, gone }).toEqual({ got: expect.stringMatching(/^HTTP\/1\.1 400 /), gone: true }); // the daemon closed it, though the body is not all there
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(got.toLowerCase()).toContain('connection: close');
    expect(got).toContain('"message":"cannot overwrite non-directory');
  });
});
