/**
 * Issue 10: no host paths in what a remote client sees. Errors that carry a path under the data
 * root reach the client through one function (daemon `publicMessage`), whatever the channel: an
 * HTTP error answer, a JSON stream's `errorDetail` (here a build's), an exec's hijacked stream (here),
 * inspect's State.Error.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, makeTar, ok, rawRequest, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

describe('errors a remote client sees', () => {
  it("a build's errorDetail names no path under the data root", async () => {
    // two sources merged into /out/: d1's file x, then d2's directory x over it: the copy fails
    // on a file of berthd's own staging dir under the data root
    const ctx = scratchDir('public-errors');
    fs.mkdirSync(path.join(ctx, 'd1'));
    fs.writeFileSync(path.join(ctx, 'd1', 'x'), 'file\n');
    fs.mkdirSync(path.join(ctx, 'd2', 'x'), { recursive: true });
    fs.writeFileSync(path.join(ctx, 'd2', 'x', 'y'), 'in a dir\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY d1 d2 /out/\n');
    const r = await docker(['build', ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('Step 2/2 : COPY d1 d2 /out/'); // the JSON stream had begun
    const err = r.stderr.trim().split('\n').pop()!;
    expect(err).not.toBe('');
    expect(r.stdout + r.stderr).not.toContain(d.dataRoot);
    expect(r.stdout + r.stderr).not.toContain(path.dirname(d.dataRoot));
    // the same failure over the raw API: the errorDetail line itself
    const tar = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox\nCOPY d1 d2 /out/\n' },
      { name: 'd1/', type: 'dir' },
      { name: 'd1/x', content: 'file\n' },
      { name: 'd2/', type: 'dir' },
      { name: 'd2/x/', type: 'dir' },
      { name: 'd2/x/y', content: 'in a dir\n' },
    ]);
    const res = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build?rm=1', headers: { 'Content-Type': 'application/x-tar' }, body: tar });
    expect(res.status).toBe(200);
    const lines = res.body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { errorDetail?: { message: string }; error?: string });
    const last = lines[lines.length - 1]!;
    expect(last.errorDetail?.message).toBeTruthy();
    expect(last.error).toBe(last.errorDetail!.message);
    expect(last.error).not.toContain(path.dirname(d.dataRoot));
    // the log keeps the whole text, path included
    expect(fs.readFileSync(d.logPath, 'utf8').split('\n').some((l) => l.includes('build failed') && l.includes(path.join(d.dataRoot, 'tmp', 'build-copy-')))).toBe(true);
  }, 120_000);

  it("an exec that cannot start: the error text on its hijacked stream names no path under the data root", async () => {
    const id = ok(await docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
    // a fault berthd reads a file of the container's bundle in: its message names the host path
    const config = path.join(d.dataRoot, 'containers', id, 'config.json');
    const saved = fs.readFileSync(config);
    fs.rmSync(config);
    try {
      const r = await docker(['exec', id, 'true']);
      expect(r.code).toBe(126);
      expect(r.stdout).toContain("no such file or directory, open 'config.json'");
      expect(r.stdout + r.stderr).not.toContain(path.dirname(d.dataRoot));
    } finally {
      fs.writeFileSync(config, saved);
    }
    ok(await docker(['rm', '-f', id]));
  }, 60_000);
});
