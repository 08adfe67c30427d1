/**
 * Engine API edges checked against Docker 20.10 (moby v20.10.24):
 * - create with an empty or missing `Config.Image` makes an image-less container (daemon/create.go
 *   looks an image up only when one is named), `No command specified` without a command; its
 *   start fails (nothing to run in an empty root) and it is removed as any other;
 * - commit refuses a bad `repo`/`tag` before it commits anything, so no untagged image is left
 *   (20.10 tagged after committing; moby 23+'s RepoTagReference and the docker CLI check first);
 *   a `tag` without a `repo` is ignored, as in both.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, rawRequest, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];
useDaemon(
  (daemon) => {
    d = daemon;
    docker = clientsFor(d).docker;
  },
  { busybox: false },
);

const post = (path: string, body?: string) =>
  rawRequest(d.socketPath, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, ...(body !== undefined ? { body } : {}) });
const imageIds = async (): Promise<string[]> => ((await rawRequest(d.socketPath, { path: '/v1.41/images/json?all=1' })).json as { Id: string }[]).map((i) => i.Id).sort();

describe('Config.Image empty or missing (Docker 20.10: an image-less container)', () => {
  it('is created, inspected with Image "", fails to start, and is removed', async () => {
    for (const [name, body] of [
      ['noimg-empty', '{"Image":"","Cmd":["/bin/true"],"HostConfig":{"NetworkMode":"none"}}'],
      ['noimg-missing', '{"Cmd":["/bin/true"],"HostConfig":{"NetworkMode":"none"}}'],
    ] as const) {
      const res = await post(`/v1.41/containers/create?name=${name}`, body);
      expect([res.status, res.body.toString()]).toEqual([201, expect.stringContaining('"Id"')]);
      const insp = (await rawRequest(d.socketPath, { path: `/v1.41/containers/${name}/json` })).json as { Image: string; Config: { Image: string; Cmd: string[] }; State: { Status: string } };
      expect([insp.Image, insp.Config.Image, insp.Config.Cmd, insp.State.Status]).toEqual(['', '', ['/bin/true'], 'created']);
    }
    expect(ok(await docker(['ps', '-a', '--format', '{{.Names}}|{{.Image}}'])).stdout.trim().split('\n').sort()).toEqual(['noimg-empty|<no image>', 'noimg-missing|<no image>']); // the docker CLI's text for an empty Image
    // Docker 20.10 (translateContainerdStartErr): "no such file or directory" is a 400 and exit code 127
    const start = await post('/v1.41/containers/noimg-empty/start');
    expect([start.status, (start.json as { message: string }).message]).toEqual([400, expect.stringContaining('no such file or directory')]);
    expect(ok(await docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', 'noimg-empty'])).stdout.trim()).toBe('false 127');
    ok(await docker(['rm', '-f', 'noimg-empty', 'noimg-missing']));
    expect(ok(await docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('without a command: "No command specified" (400)', async () => {
    const res = await post('/v1.41/containers/create', '{"Image":""}');
    expect([res.status, res.json]).toEqual([400, { message: 'No command specified' }]);
  });
});

describe('commit: the reference checked before committing', () => {
  it('a bad repo or tag leaves no image behind; a tag without a repo is ignored', async () => {
    expect((await post('/v1.41/containers/create?name=tocommit', '{"Image":"","Cmd":["/x"],"HostConfig":{"NetworkMode":"none"}}')).status).toBe(201);
    try {
      const before = await imageIds();
      for (const q of ['repo=UPPER', 'repo=ok&tag=bad%20tag', `repo=${'a'.repeat(64)}`, `repo=ok@sha256:${'b'.repeat(64)}`]) {
        const res = await post(`/v1.41/commit?container=tocommit&${q}`);
        expect([q, res.status]).toEqual([q, 400]);
        expect(await imageIds()).toEqual(before);
      }
      const untagged = await post('/v1.41/commit?container=tocommit&tag=v1');
      expect(untagged.status).toBe(201);
      const id = (untagged.json as { Id: string }).Id;
      expect((await rawRequest(d.socketPath, { path: `/v1.41/images/${id}/json` })).json).toMatchObject({ Id: id, RepoTags: [] });
      const tagged = await post('/v1.41/commit?container=tocommit&repo=ok&tag=v2');
      expect(tagged.status).toBe(201);
      expect((await rawRequest(d.socketPath, { path: '/v1.41/images/ok:v2/json' })).json).toMatchObject({ Id: (tagged.json as { Id: string }).Id });
    } finally {
      await docker(['rm', '-f', 'tocommit']);
    }
  });
});
