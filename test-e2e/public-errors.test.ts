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
    // a COPY destination that fits in the image's root (resolved by fd) but not under berthd's
    // staging dir: the mkdir there fails with ENAMETOOLONG naming the staging path under the data
    // root (Docker fails too, naming its overlay2 path). (Two sources merged over each other's
    // file/directory no longer fail: berth replaces either way, as Docker's untar does.)
    const staging = path.join(d.dataRoot, 'tmp', 'build-copy-XXXXXX');
    // '/' + 200 characters per part, the last part shorter: the whole just past PATH_MAX (4096)
    // once under staging, and well under it alone
    const want = 4100 - staging.length;
    const parts = Array.from({ length: Math.floor(want / 201) }, (_, i) => String(i).padStart(200, 'p'));
    if (want % 201 > 1) parts.push('q'.repeat((want % 201) - 1));
    const dest = `/${parts.join('/')}/`;
    const ctx = scratchDir('public-errors');
    fs.writeFileSync(path.join(ctx, 'f'), 'file\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM busybox\nCOPY f ${dest}\n`);
    const r = await docker(['build', ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(`Step 2/2 : COPY f ${dest}`); // the JSON stream had begun
    const err = r.stderr.trim().split('\n').pop()!;
    expect(err).not.toBe('');
    expect(r.stdout + r.stderr).not.toContain(d.dataRoot);
    expect(r.stdout + r.stderr).not.toContain(path.dirname(d.dataRoot));
    // the same failure over the raw API: the errorDetail line itself
    const tar = makeTar([
      { name: 'Dockerfile', content: `FROM busybox\nCOPY f ${dest}\n` },
      { name: 'f', content: 'file\n' },
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
