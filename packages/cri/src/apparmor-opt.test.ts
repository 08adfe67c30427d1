import { describe, expect, it } from '@jest/globals';
import { apparmorSecurityOpt } from './apparmor-opt';

const sp = (profile_type: number, localhost_ref = '') => ({ apparmor: { profile_type, localhost_ref } });

describe('apparmorSecurityOpt: a CRI container security context → --security-opt apparmor=…', () => {
  it('AppArmor enabled: RuntimeDefault and no choice are the default (no option), Unconfined and Localhost name their profile', () => {
    expect(apparmorSecurityOpt({}, true)).toEqual([]);
    expect(apparmorSecurityOpt(sp(0), true)).toEqual([]);
    expect(apparmorSecurityOpt(sp(1), true)).toEqual(['apparmor=unconfined']);
    expect(apparmorSecurityOpt(sp(2, 'my-profile'), true)).toEqual(['apparmor=my-profile']);
    expect(apparmorSecurityOpt(sp(2, 'localhost/my-profile'), true)).toEqual(['apparmor=my-profile']); // containerd trims the prefix too
  });

  it('the deprecated apparmor_profile string, read only without the SecurityProfile', () => {
    expect(apparmorSecurityOpt({ apparmor_profile: 'runtime/default' }, true)).toEqual([]);
    expect(apparmorSecurityOpt({ apparmor_profile: 'docker/default' }, true)).toEqual([]);
    expect(apparmorSecurityOpt({ apparmor_profile: 'unconfined' }, true)).toEqual(['apparmor=unconfined']);
    expect(apparmorSecurityOpt({ apparmor_profile: 'localhost/k8s-nginx' }, true)).toEqual(['apparmor=k8s-nginx']);
    expect(apparmorSecurityOpt({ apparmor_profile: '' }, true)).toEqual([]);
    expect(apparmorSecurityOpt({ ...sp(1), apparmor_profile: 'localhost/other' }, true)).toEqual(['apparmor=unconfined']);
    expect(() => apparmorSecurityOpt({ apparmor_profile: 'k8s-nginx' }, true)).toThrow('apparmor_profile "k8s-nginx": invalid profile (runtime/default, unconfined or localhost/NAME)');
  });

  it('refuses a localhost_ref with another type, a Localhost without a name, an unknown type', () => {
    expect(() => apparmorSecurityOpt(sp(0, 'x'), true)).toThrow('apparmor: localhost_ref must only be set if the profile type is Localhost');
    expect(() => apparmorSecurityOpt(sp(2), true)).toThrow('apparmor: a Localhost profile needs localhost_ref (the profile name)');
    expect(() => apparmorSecurityOpt(sp(7), true)).toThrow('apparmor: unknown profile type 7');
    expect(() => apparmorSecurityOpt(sp(2), true)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as never);
  });

  it('AppArmor not enabled on the host (this one): only Unconfined or no choice; anything else is refused, as containerd does', () => {
    expect(apparmorSecurityOpt({}, false)).toEqual([]);
    expect(apparmorSecurityOpt(sp(1), false)).toEqual([]);
    expect(apparmorSecurityOpt({ apparmor_profile: 'unconfined' }, false)).toEqual([]);
    for (const sc of [sp(0), sp(2, 'p'), { apparmor_profile: 'runtime/default' }, { apparmor_profile: 'localhost/p' }]) {
      expect(() => apparmorSecurityOpt(sc, false)).toThrow(/^apparmor is not supported/);
    }
  });
});
