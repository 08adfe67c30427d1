import type { ContainerAppArmor } from './deps';

/**
 * HostConfig.SecurityOpt entries: `key=value` (or the old `key:value`), or a bare
 * `no-new-privileges`. The docker CLI sends `seccomp=<profile JSON>` after reading the file
 * named on its command line, so a value may itself hold `=` and `:`.
 */
export function splitSecurityOpt(o: string): { key: string; value: string | undefined } {
  // Docker splits at the first `=`, and at the first `:` only when there is no `=`.
  const eq = o.indexOf('=');
  const at = eq >= 0 ? eq : o.indexOf(':');
  return at < 0 ? { key: o, value: undefined } : { key: o.slice(0, at), value: o.slice(at + 1) };
}

/** The `seccomp` option's value (`unconfined`, `builtin`, or a profile's JSON); undefined when absent. */
export function seccompOpt(opts: readonly string[] | null | undefined): string | undefined {
  let found: string | undefined;
  for (const o of opts ?? []) {
    const { key, value } = splitSecurityOpt(o);
    if (key === 'seccomp') found = value;
  }
  return found;
}

/** The `apparmor` option's value (a profile name or `unconfined`); undefined when absent. */
export function apparmorOpt(opts: readonly string[] | null | undefined): string | undefined {
  let found: string | undefined;
  for (const o of opts ?? []) {
    const { key, value } = splitSecurityOpt(o);
    if (key === 'apparmor') found = value;
  }
  return found;
}

/** A container's AppArmor profile (inspect's AppArmorProfile, the spec's): '' without AppArmor. */
export function appArmorProfileOf(apparmor: ContainerAppArmor | undefined, h: { Privileged?: boolean; SecurityOpt?: string[] | null }): string {
  return apparmor?.profileFor({ privileged: Boolean(h.Privileged), apparmorOpt: apparmorOpt(h.SecurityOpt) }) ?? '';
}

/** `no-new-privileges` (bare or `=true`/`:true`). */
export function noNewPrivilegesOpt(opts: readonly string[] | null | undefined): boolean {
  let on = false;
  for (const o of opts ?? []) {
    const { key, value } = splitSecurityOpt(o);
    if (key === 'no-new-privileges') on = value === undefined || value === 'true';
  }
  return on;
}
