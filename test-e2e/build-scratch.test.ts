/**
 * `FROM scratch` then metadata-only steps through the docker CLI's classic builder, as Docker
 * 20.10 builds them (moby builder.commit → probeAndCreate → a container with Config.Image ''):
 * `FROM scratch` prints ` ---> ` with no ID, every metadata step (the first one too) runs in a
 * container that is created, committed and removed, the image names it (`container`,
 * `container_config.Hostname`), and an image without layers has no `diff_ids` in its config
 * (omitempty) and no `RootFS.Layers` in inspect; such an image saves and loads back. A RUN there
 * runs in an image-less container whose start fails (no `/bin/sh`) with runc's words, as Docker's.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientsFor, ok, rawRequest, scratchDir, useDaemon, type BerthDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
useDaemon(
  (daemon) => {
    d = daemon;
    c = clientsFor(daemon);
  },
  { busybox: false },
);
const work = scratchDir('build-scratch');

function ctxDir(name: string, dockerfile: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

/** Image inspect at API 1.41 (Container and ContainerConfig are still there). */
async function inspect141(ref: string): Promise<Record<string, any>> {
  const r = await rawRequest(d.socketPath, { path: `/v1.41/images/${ref}/json` });
  expect(r.status).toBe(200);
  return r.json as Record<string, any>;
}

describe('FROM scratch then metadata steps (classic builder)', () => {
  it('each step runs in an image-less container; history and inspect as Docker\'s', async () => {
    const ctx = ctxDir('meta', 'FROM scratch\nENV A=1\nLABEL x=y\nCMD ["/app"]\nWORKDIR /w\n');
    const out = ok(await c.docker(['build', '-t', 'scratch-meta:v1', ctx])).stdout;
    expect(out).toContain('Step 1/5 : FROM scratch\n ---> \nStep 2/5 : ENV A=1\n ---> Running in ');
    const ran = [...out.matchAll(/ ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> ([0-9a-f]{12})\n/g)];
    expect(ran).toHaveLength(4); // ENV, LABEL, CMD, WORKDIR
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');

    const history = ok(await c.docker(['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}', 'scratch-meta:v1'])).stdout.trim().split('\n');
    expect(history.map((l) => l.split('|').slice(1).join('|'))).toEqual([
      '/bin/sh -c #(nop) WORKDIR /w|0B',
      '/bin/sh -c #(nop)  CMD ["/app"]|0B',
      '/bin/sh -c #(nop)  LABEL x=y|0B',
      '/bin/sh -c #(nop)  ENV A=1|0B',
    ]);
    const ids = history.map((l) => l.split('|')[0]!);
    expect(ids.every((i) => /^sha256:[0-9a-f]{64}$/.test(i))).toBe(true);
    expect(ids.map((i) => i.slice(7, 19))).toEqual(ran.map((m) => m[2]).reverse());

    // the first step's image: made from the image-less container, no parent, no layers
    const env = await inspect141(ids[3]!);
    const envContainer = ran[0]![1]!;
    expect(env['Container']).toMatch(new RegExp(`^${envContainer}[0-9a-f]{52}$`));
    expect(env['ContainerConfig'].Hostname).toBe(envContainer);
    expect(env['ContainerConfig'].Image).toBe('');
    expect(env['ContainerConfig'].Cmd).toEqual(['/bin/sh', '-c', '#(nop) ', 'ENV A=1']);
    expect(env['Config'].Image).toBe('');
    expect(env['Config'].Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1']);
    expect(env['Parent']).toBe('');
    expect(env['RootFS']).toEqual({ Type: 'layers' });
    expect(env['Size']).toBe(0);
    expect([env['Architecture'], env['Os']]).toEqual(['amd64', 'linux']);

    // the next step's container is made from the ENV image
    const label = await inspect141(ids[2]!);
    expect(label['Container'].slice(0, 12)).toBe(ran[1]![1]);
    expect(label['ContainerConfig'].Image).toBe(ids[3]);
    expect(label['Parent']).toBe(ids[3]);

    // WORKDIR made its directory: the one layer
    const final = await inspect141('scratch-meta:v1');
    expect(final['RootFS'].Layers).toHaveLength(1);
    expect(final['Config']).toMatchObject({ Cmd: ['/app'], WorkingDir: '/w', Labels: { x: 'y' } });
  });

  it('an image without layers: config without diff_ids (omitempty), saved and loaded back whole', async () => {
    const ctx = ctxDir('nolayers', 'FROM scratch\nENV A=1\nCMD ["x"]\n');
    ok(await c.docker(['build', '-t', 'scratch-nolayers:v1', ctx]));
    const id = ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', 'scratch-nolayers:v1'])).stdout.trim();
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{json .RootFS}}', 'scratch-nolayers:v1'])).stdout.trim()).toBe('{"Type":"layers"}');
    const tar = path.join(work, 'nolayers.tar');
    ok(await c.docker(['save', '-o', tar, 'scratch-nolayers:v1']));
    const extracted = path.join(work, 'nolayers-saved');
    fs.mkdirSync(extracted);
    execFileSync('tar', ['-xf', tar, '-C', extracted]);
    const manifest = JSON.parse(fs.readFileSync(path.join(extracted, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
    expect(manifest[0]!.Layers).toEqual([]);
    const config = JSON.parse(fs.readFileSync(path.join(extracted, manifest[0]!.Config), 'utf8')) as Record<string, any>;
    expect(config['rootfs']).toEqual({ type: 'layers' });
    expect(config['history']).toEqual([
      expect.objectContaining({ created_by: '/bin/sh -c #(nop)  ENV A=1', empty_layer: true }),
      expect.objectContaining({ created_by: '/bin/sh -c #(nop)  CMD ["x"]', empty_layer: true }),
    ]);
    ok(await c.docker(['rmi', 'scratch-nolayers:v1']));
    expect(ok(await c.docker(['load', '-i', tar])).stdout).toContain('Loaded image: scratch-nolayers:v1');
    expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}} {{json .RootFS}}', 'scratch-nolayers:v1'])).stdout.trim()).toBe(`${id} {"Type":"layers"}`);
  });

  it('RUN after FROM scratch: the step\'s container is made without an image and its start fails (no /bin/sh), as Docker\'s', async () => {
    const ctx = ctxDir('run', 'FROM scratch\nRUN echo hi\n');
    const r = await c.docker(['build', ctx]);
    expect(r.code).toBe(1);
    const ran = /Step 2\/2 : RUN echo hi\n ---> Running in ([0-9a-f]{12})\n/.exec(r.stdout);
    expect(ran).not.toBeNull();
    // the start error, in runc's words as Docker 20.10's classic builder prints it (under crun too)
    expect(r.stderr).toContain('exec: "/bin/sh": stat /bin/sh: no such file or directory');
    // left as Docker leaves it without --force-rm: created, with no image
    expect(ok(await c.docker(['inspect', '-f', '{{json .Image}} {{json .Config.Image}} {{.State.Status}}', ran![1]!])).stdout.trim()).toBe('"" "" created');
    ok(await c.docker(['rm', ran![1]!]));
    expect((await c.docker(['build', '--force-rm', ctx])).code).toBe(1);
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });
});
