/**
 * AppArmor through the container service, on a faked host (this machine has no AppArmor): the
 * profile each container gets in its spec and in inspect, docker-default loaded before the first
 * start that needs it, and nothing at all where AppArmor is not enabled; a CRI container's
 * AppArmor choice through the same rule.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apparmorSecurityOpt } from '@berth/cri';
import { AppArmor, type AppArmorHost, type SpecInput } from '@berth/runtime';
import { Database } from '@berth/sqlite';
import { DataRoot } from '../layout';
import type { ContainerService } from './container-service';
import { createContainerService } from './create-container-service';
import { FakeRuntime, FakeSnapshots, fakeHooks, fakeImages } from './__fixtures__/fakes';

function host(enabled: boolean): { host: AppArmorHost; runs: string[][] } {
  const files: Record<string, string> = enabled
    ? { '/sys/kernel/security/apparmor': '', '/sys/module/apparmor/parameters/enabled': 'Y\n', '/sys/kernel/security/apparmor/profiles': '', '/sbin/apparmor_parser': '' }
    : {};
  const runs: string[][] = [];
  return {
    runs,
    host: {
      readFile: async (p) => files[p] ?? null,
      exists: async (p) => p in files,
      run: async (file, args) => {
        runs.push([file, ...args]);
        if (args[0] === '--version') return { code: 0, output: 'AppArmor parser version 2.13.6\n' };
        files['/sys/kernel/security/apparmor/profiles'] += 'docker-default (enforce)\n';
        return { code: 0, output: '' };
      },
      writeTemp: async (prefix) => `/tmp/${prefix}`,
      remove: async () => undefined,
    },
  };
}

describe.each([true, false])('AppArmor in the container service (host has it enabled: %s)', (enabled) => {
  let root: string;
  let db: Database;
  let svc: ContainerService;
  let inputs: SpecInput[];
  let runs: string[][];

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-aa-'));
    db = await Database.open(path.join(root, 'berth.db'));
    const runtime = new FakeRuntime();
    const hooks = fakeHooks(runtime);
    const build = hooks.buildSpec!;
    inputs = [];
    hooks.buildSpec = async (input) => {
      inputs.push(structuredClone(input));
      return build(input);
    };
    const h = host(enabled);
    runs = h.runs;
    svc = await createContainerService(
      {
        db,
        layout: new DataRoot(root, path.join(root, 'exec-root')),
        images: fakeImages(),
        snapshots: new FakeSnapshots(),
        runtime,
        apparmor: await AppArmor.detect(h.host),
        packDirectory: () => {
          throw new Error('unused');
        },
      },
      hooks,
    );
    await svc.restore();
  });

  afterEach(async () => {
    await svc.shutdown();
    await db.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('docker-default by default, unconfined when privileged, the named one with --security-opt apparmor=NAME: in the spec and in inspect', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'docker-default'],
      [{ Privileged: true }, 'unconfined'],
      [{ SecurityOpt: ['apparmor=unconfined'] }, 'unconfined'],
      [{ SecurityOpt: ['apparmor=my-profile'] }, 'my-profile'],
      [{ Privileged: true, SecurityOpt: ['apparmor=my-profile'] }, 'unconfined'],
    ];
    for (const [hostConfig, profile] of cases) {
      const { Id, Warnings } = await svc.create({ Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig } as never, {});
      expect(Warnings).toEqual([]);
      await svc.start(Id);
      const want = enabled ? profile : '';
      expect((await svc.inspect(Id)).AppArmorProfile).toBe(want);
      expect(inputs.at(-1)!.apparmorProfile ?? '').toBe(want);
    }
    // docker-default was loaded once, before the first start that used it
    expect(runs).toEqual(enabled ? [['/sbin/apparmor_parser', '--version'], ['/sbin/apparmor_parser', '-Kr', '/tmp/docker-default']] : []);
  });

  it("a CRI container's AppArmor choice (security_context.apparmor / apparmor_profile) becomes the same spec profile", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'docker-default'],
      [{ apparmor: { profile_type: 0 } }, 'docker-default'],
      [{ apparmor: { profile_type: 0 }, privileged: true }, 'unconfined'],
      [{ apparmor: { profile_type: 1 } }, 'unconfined'],
      [{ apparmor: { profile_type: 2, localhost_ref: 'k8s-nginx' } }, 'k8s-nginx'],
      [{ apparmor_profile: 'localhost/k8s-nginx' }, 'k8s-nginx'],
      [{ apparmor_profile: 'unconfined' }, 'unconfined'],
      [{ apparmor_profile: 'runtime/default' }, 'docker-default'],
    ];
    // the CRI's view of this host: the Localhost profile of the cases is loaded
    const criHost = { enabled, isLoaded: async (name: string) => name === 'k8s-nginx' };
    for (const [sc, profile] of cases) {
      const explicit = sc['apparmor'] !== undefined || sc['apparmor_profile'] !== undefined;
      const unconfined = (sc['apparmor'] as { profile_type?: number } | undefined)?.profile_type === 1 || sc['apparmor_profile'] === 'unconfined';
      if (!enabled && explicit && !unconfined) {
        await expect(apparmorSecurityOpt(sc, criHost)).rejects.toThrow(/^apparmor is not supported/);
        continue;
      }
      const hostConfig = { Privileged: Boolean(sc['privileged']), SecurityOpt: await apparmorSecurityOpt(sc, criHost) };
      const { Id } = await svc.create({ Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig } as never, {});
      await svc.start(Id);
      const want = enabled ? profile : '';
      expect(inputs.at(-1)!.apparmorProfile ?? '').toBe(want);
      expect((await svc.inspect(Id)).AppArmorProfile).toBe(want);
    }
  });

  it('apparmor without a value is refused at create, as docker does (no = nor :)', async () => {
    await expect(svc.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { SecurityOpt: ['apparmor'] } } as never, {})).rejects.toThrow('invalid --security-opt 1: "apparmor"');
  });
});
