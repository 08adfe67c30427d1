import { FailedPreconditionError, InvalidArgumentError } from '@berth/errdefs';
import type { Message } from './grpc-handlers';

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
 * Unlike containerd, a privileged container stays unconfined even with a Localhost profile (the
 * Engine API's rule, Docker's), and a Localhost profile that is not loaded is reported by the
 * runtime at start, not at create.
 */
export function apparmorSecurityOpt(sc: Message, apparmorEnabled: boolean): string[] {
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
  if (!apparmorEnabled) {
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
      return [`apparmor=${name}`];
    }
    default:
      throw new InvalidArgumentError(`apparmor: unknown profile type ${type}`);
  }
}
