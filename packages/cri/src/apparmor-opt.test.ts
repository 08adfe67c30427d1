import { describe, expect, it } from '@jest/globals';
import { apparmorSecurityOpt as withHost, type CriAppArmor } from './apparmor-opt';

const sp = (profile_type: number, localhost_ref = '') => ({ apparmor: { profile_type, localhost_ref } });

/** A host whose kernel lists these profiles ("NAME (mode)" lines of /sys/kernel/security/apparmor/profiles). */
const hostWith = (enabled: boolean, profiles = 'docker-default (enforce)\nmy-profile (enforce)\nk8s-nginx (complain)\n'): CriAppArmor & { asked: string[] } => {
  const asked: string[] = [];
  return {
    enabled,
    asked,
    isLoaded: async (name) => {
      asked.push(name);
      return profiles.split('\n').some((l) => l.startsWith(`${name} (`));
    },
  };
};
const apparmorSecurityOpt = (sc: Parameters<typeof withHost>[0], enabled: boolean) => withHost(sc, hostWith(enabled));

describe('apparmorSecurityOpt: a CRI container security context → --security-opt apparmor=…', () => {
  it('AppArmor enabled: RuntimeDefault and no choice are the default (no option), Unconfined and Localhost name their profile', async () => {
    expect(await apparmorSecurityOpt({}, true)).toEqual([]);
    expect(await apparmorSecurityOpt(sp(0), true)).toEqual([]);
    expect(await apparmorSecurityOpt(sp(1), true)).toEqual(['apparmor=unconfined']);
    expect(await apparmorSecurityOpt(sp(2, 'my-profile'), true)).toEqual(['apparmor=my-profile']);
    expect(await apparmorSecurityOpt(sp(2, 'localhost/my-profile'), true)).toEqual(['apparmor=my-profile']); // containerd trims the prefix too
  });

  it('the deprecated apparmor_profile string, read only without the SecurityProfile', async () => {
    expect(await apparmorSecurityOpt({ apparmor_profile: 'runtime/default' }, true)).toEqual([]);
    expect(await apparmorSecurityOpt({ apparmor_profile: 'docker/default' }, true)).toEqual([]);
    expect(await apparmorSecurityOpt({ apparmor_profile: 'unconfined' }, true)).toEqual(['apparmor=unconfined']);
    expect(await apparmorSecurityOpt({ apparmor_profile: 'localhost/k8s-nginx' }, true)).toEqual(['apparmor=k8s-nginx']);
    expect(await apparmorSecurityOpt({ apparmor_profile: '' }, true)).toEqual([]);
    expect(await apparmorSecurityOpt({ ...sp(1), apparmor_profile: 'localhost/other' }, true)).toEqual(['apparmor=unconfined']);
    await expect(apparmorSecurityOpt({ apparmor_profile: 'k8s-nginx' }, true)).rejects.toThrow('apparmor_profile "k8s-nginx": invalid profile (runtime/default, unconfined or localhost/NAME)');
  });

  it('refuses a localhost_ref with another type, a Localhost without a name, an unknown type', async () => {
    await expect(apparmorSecurityOpt(sp(0, 'x'), true)).rejects.toThrow('apparmor: localhost_ref must only be set if the profile type is Localhost');
    await expect(apparmorSecurityOpt(sp(2), true)).rejects.toThrow('apparmor: a Localhost profile needs localhost_ref (the profile name)');
    await expect(apparmorSecurityOpt(sp(7), true)).rejects.toThrow('apparmor: unknown profile type 7');
    await expect(apparmorSecurityOpt(sp(2), true)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('AppArmor not enabled on the host (this one): only Unconfined or no choice; anything else is refused, as containerd does', async () => {
    expect(await apparmorSecurityOpt({}, false)).toEqual([]);
    expect(await apparmorSecurityOpt(sp(1), false)).toEqual([]);
    expect(await apparmorSecurityOpt({ apparmor_profile: 'unconfined' }, false)).toEqual([]);
    for (const sc of [sp(0), sp(2, 'p'), { apparmor_profile: 'runtime/default' }, { apparmor_profile: 'localhost/p' }]) {
      await expect(apparmorSecurityOpt(sc, false)).rejects.toThrow(/^apparmor is not supported/);
    }
  });

  it('a Localhost profile the kernel has not loaded is refused at create, as containerd does (privileged too); the list is asked only for Localhost', async () => {
    const host = hostWith(true);
    expect(await withHost(sp(2, 'my-profile'), host)).toEqual(['apparmor=my-profile']);
    expect(await withHost({ apparmor_profile: 'localhost/k8s-nginx', privileged: true }, host)).toEqual(['apparmor=k8s-nginx']);
    for (const sc of [sp(2, 'not-loaded'), { apparmor_profile: 'localhost/not-loaded' }, { ...sp(2, 'not-loaded'), privileged: true }, sp(2, 'my-prof')]) {
      await expect(withHost(sc, host)).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringMatching(/^apparmor profile not found (not-loaded|my-prof): the kernel has not loaded it/),
      });
    }
    expect(host.asked).toEqual(['my-profile', 'k8s-nginx', 'not-loaded', 'not-loaded', 'not-loaded', 'my-prof']);
    const before = host.asked.length;
    await withHost({}, host);
    await withHost(sp(0), host);
    await withHost(sp(1), host);
    expect(host.asked).toHaveLength(before);
    // no AppArmor (this host): refused before any list is read, as before
    const none = hostWith(false);
    await expect(withHost(sp(2, 'my-profile'), none)).rejects.toThrow(/^apparmor is not supported/);
    expect(none.asked).toEqual([]);
  });
});
