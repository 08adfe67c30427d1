import { promises as fs } from 'node:fs';
import { AppArmor, seccompSupported } from '@berth/runtime';

/** The kernel's security features as berthd sees them at start (`info`'s SecurityOptions and the start log). */
export interface HostSecurity {
  /** The kernel filters syscalls by seccomp: containers get Docker's default profile. */
  seccomp: boolean;
  /** AppArmor is enabled and apparmor_parser is installed: containers get docker-default (AppArmor). */
  apparmor: boolean;
  /** One line for `info`'s Warnings and the start log when AppArmor confines nothing. */
  apparmorNote?: string;
}

/** What this host offers; `apparmor` from `AppArmor.detect()`. */
export async function hostSecurity(apparmor: AppArmor): Promise<HostSecurity> {
  const status = await fs.readFile('/proc/self/status', 'utf8').catch(() => '');
  return { seccomp: seccompSupported(status), apparmor: apparmor.enabled, ...(apparmor.note ? { apparmorNote: apparmor.note } : {}) };
}

/** Docker's `info` SecurityOptions for these features (moby daemon/info.go fillSecurityOptions). */
export function securityOptions(h: HostSecurity): string[] {
  const out: string[] = [];
  if (h.apparmor) out.push('name=apparmor');
  if (h.seccomp) out.push('name=seccomp,profile=default');
  return out;
}
