/**
 * Issue 11: `berth manifest inspect` asks the registry itself (as the docker CLI does, through
 * @berth/registry-client) and prints what docker 28 prints, byte for byte: an image manifest as
 * the registry has it, `-v` (docker's ImageManifest: Ref, Descriptor with the platform from the
 * config, Raw, SchemaV2Manifest), a manifest list (docker's rebuilt list; `-v` an array), a
 * missing manifest, usage errors and the help. The registry is berth-registry on loopback; the list
 * is made by `docker manifest create/annotate/push`.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { clientsFor, ok, sameOnBothClis } from './harness';
import { type RunningRegistry, useDaemonWithRegistry } from './registry-helpers';

let c: ReturnType<typeof clientsFor>;
let reg: RunningRegistry;

useDaemonWithRegistry((d, registry) => {
  c = clientsFor(d);
  reg = registry;
}, ['img/a', 'img/b']);

beforeAll(async () => {
  const list = `${reg.host}/img/list:1`;
  ok(await c.docker(['manifest', 'create', '--insecure', list, `${reg.host}/img/a:1`, `${reg.host}/img/b:1`]));
  ok(await c.docker(['manifest', 'annotate', '--arch', 'arm64', '--variant', 'v8', list, `${reg.host}/img/b:1`]));
  ok(await c.docker(['manifest', 'push', '--purge', '--insecure', list]));
}, 60_000);

const same = (args: string[]) => sameOnBothClis(c, args);

describe('manifest inspect', () => {
  it('an image manifest, plain and -v', async () => {
    const plain = await same(['manifest', 'inspect', '--insecure', `${reg.host}/img/a:1`]);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
    const v = await same(['manifest', 'inspect', '--insecure', '-v', `${reg.host}/img/a:1`]);
    const vj = JSON.parse(v.stdout) as { Ref: string; Descriptor: { platform: unknown }; Raw: string };
    expect(vj.Ref).toBe(`${reg.host}/img/a:1`);
    expect(vj.Descriptor.platform).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(JSON.parse(Buffer.from(vj.Raw, 'base64').toString())).toEqual(JSON.parse(plain.stdout));
  });

  it('a manifest list, plain and -v', async () => {
    const plain = await same(['manifest', 'inspect', '--insecure', `${reg.host}/img/list:1`]);
    expect(JSON.parse(plain.stdout).manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const v = await same(['manifest', 'inspect', '--insecure', '-v', `${reg.host}/img/list:1`]);
    expect((JSON.parse(v.stdout) as unknown[]).length).toBe(2);
  });

  it('a missing manifest, usage errors, help', async () => {
    expect((await same(['manifest', 'inspect', '--insecure', `${reg.host}/img/nope:1`])).stderr).toBe(`no such manifest: ${reg.host}/img/nope:1\n`);
    expect((await same(['manifest', 'inspect'])).code).toBe(1);
    expect((await same(['manifest', 'inspect', 'a', 'b', 'c'])).code).toBe(1);
    expect((await same(['manifest', 'inspect', '--help'])).stdout).toContain('EXPERIMENTAL:');
  });
});
