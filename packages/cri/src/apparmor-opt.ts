import { FailedPreconditionError, InvalidArgumentError } from '@berth/errdefs';
import type { Message } from './grpc-handlers';

/** The host's AppArmor as the CRI needs it (berthd's @berth/runtime AppArmor). */
export interface CriAppArmor {
  /** Containers get AppArmor profiles on this host: CRI AppArmor choices are refused without. */
  enabled: boolean;
  /** The kernel has a profile of this name loaded. */
  isLoaded(name: string): Promise<boolean>;
}

/** No AppArmor on the host. */
export const NO_APPARMOR: CriAppArmor = { enabled: false, isLoaded: async () => false };

/** SecurityProfile.ProfileType (api.proto). */
const RUNTIME_DEFAULT = 0;
const UNCONFINED = 1;
const LOCALHOST = 2;
const LOCALHOST_PREFIX = 'localhost/';

/**
 * A CRI container's AppArmor choice → berth's `--security-opt apparmor=…`, which the Engine API's
 * one rule (@berth/runtime `AppArmor.profileFor`) turns into the spec's `process.apparmorProfile`:
 * nothing for RuntimeDefault (docker-default, `unconfined` when privileged), `unconfined`, or the
 * Localhost profile's name.
 *
 * The fields as containerd reads them: `security_context.apparmor` (a SecurityProfile), else the
 * deprecated `apparmor_profile` string (`runtime/default`, `docker/default` or '' is
 * RuntimeDefault, `unconfined`, `localhost/NAME`; anything else is refused). No choice at all is
 * RuntimeDefault. Without AppArmor on the host, a choice other than Unconfined is refused
 * (containerd's "apparmor is not supported"); no choice is fine.
 *
 * A Localhost profile the kernel has not loaded is refused here, at create, as containerd's CRI
 * does ("apparmor profile not found NAME"; privileged or not), where the Engine API (Docker
 * 20.10) checks nothing at create and the runtime fails the start. Unlike containerd, a
 * privileged container stays unconfined even with a Localhost profile (the Engine API's rule,
 * Docker's).
 */
export async function apparmorSecurityOpt(sc: Message, apparmor: CriAppArmor): Promise<string[]> {
  let sp = sc?.apparmor as { profile_type?: number; localhost_ref?: string } | null | undefined;
  if (!sp) {
    const legacy = String(sc?.apparmor_profile ?? '');
    if (legacy === '') sp = undefined;
    else if (legacy === 'runtime/default' || legacy === 'docker/default') sp = { profile_type: RUNTIME_DEFAULT };
    else if (legacy === 'unconfined') sp = { profile_type: UNCONFINED };
    else if (legacy.startsWith(LOCALHOST_PREFIX)) sp = { profile_type: LOCALHOST, localhost_ref: legacy.slice(LOCALHOST_PREFIX.length) };
    else throw new InvalidArgumentError(`apparmor_profile ${JSON.stringify(legacy)}: invalid profile (runtime/default, unconfined or localhost/NAME)`);
  }
  const type = sp?.profile_type ?? RUNTIME_DEFAULT;
  if (!apparmor.enabled) {
    if (sp && type !== UNCONFINED) throw new FailedPreconditionError('apparmor is not supported: this host has no AppArmor (only an Unconfined profile can be asked for)');
    return [];
  }
  if (!sp) return [];
  const ref = String(sp.localhost_ref ?? '');
  if (type !== LOCALHOST && ref !== '') throw new InvalidArgumentError('apparmor: localhost_ref must only be set if the profile type is Localhost');
  switch (type) {
    case RUNTIME_DEFAULT:
      return [];
    case UNCONFINED:
      return ['apparmor=unconfined'];
    case LOCALHOST: {
      const name = ref.startsWith(LOCALHOST_PREFIX) ? ref.slice(LOCALHOST_PREFIX.length) : ref;
      if (name === '') throw new InvalidArgumentError('apparmor: a Localhost profile needs localhost_ref (the profile name)');
      if (!(await apparmor.isLoaded(name))) {
        throw new FailedPreconditionError(`apparmor profile not found ${name}: the kernel has not loaded it (/sys/kernel/security/apparmor/profiles; load it with apparmor_parser)`);
      }
      return [`apparmor=${name}`];
    }
    default:
      throw new InvalidArgumentError(`apparmor: unknown profile type ${type}`);
  }
}
