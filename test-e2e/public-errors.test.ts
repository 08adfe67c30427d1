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
    // a fault berthd meets under its data root during a build: the layer directory of the image a
    // COPY --from reads is gone (a damaged store), and opening it fails naming its host path.
    // (Before, a COPY destination past PATH_MAX once under berthd's staging dir was the fault; the
    // staging tree is written by fd now, and a destination too long for Docker fails with Docker's
    // text naming the path in the image, no host path.)
    const ctx = scratchDir('public-errors');
    fs.writeFileSync(path.join(ctx, 'f'), 'file\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY f /f\n');
    ok(await docker(['build', '-t', 'public-errors-src', ctx]));
    const layerDir = ok(await docker(['image', 'inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'public-errors-src'])).stdout.trim();
    expect(layerDir.startsWith(d.dataRoot)).toBe(true);
    const dockerfile = 'FROM busybox\nCOPY --from=public-errors-src /f /f\n';
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
    fs.renameSync(layerDir, `${layerDir}.moved`);
    try {
      const r = await docker(['build', ctx]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain('Step 2/2 : COPY --from=public-errors-src /f /f'); // the JSON stream had begun
      const err = r.stderr.trim().split('\n').pop()!;
      expect(err).not.toBe('');
      expect(r.stdout + r.stderr).not.toContain(d.dataRoot);
      expect(r.stdout + r.stderr).not.toContain(path.dirname(d.dataRoot));
      // the same failure over the raw API: the errorDetail line itself
      const tar = makeTar([
        { name: 'Dockerfile', content: dockerfile },
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
      expect(fs.readFileSync(d.logPath, 'utf8').split('\n').some((l) => l.includes('build failed') && l.includes(layerDir))).toBe(true);
    } finally {
      fs.renameSync(`${layerDir}.moved`, layerDir);
    }
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
