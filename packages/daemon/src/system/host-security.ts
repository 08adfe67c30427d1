import { promises as fs } from 'node:fs';
import { seccompSupported } from '@berth/runtime';

/** The kernel's security features as berthd sees them at start (`info`'s SecurityOptions and the start log). */
export interface HostSecurity {
  /** The kernel filters syscalls by seccomp: containers get Docker's default profile. */
  seccomp: boolean;
  /** AppArmor is enabled (/sys/module/apparmor/parameters/enabled is Y) and apparmor_parser is installed. */
  apparmor: boolean;
  /** One line for `info`'s Warnings and the start log when AppArmor confines nothing. */
  apparmorNote?: string;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

export async function hostSecurity(): Promise<HostSecurity> {
  const status = await fs.readFile('/proc/self/status', 'utf8').catch(() => '');
  const enabled = (await fs.readFile('/sys/module/apparmor/parameters/enabled', 'utf8').catch(() => '')).trim() === 'Y';
  const parser = (await exists('/sbin/apparmor_parser')) || (await exists('/usr/sbin/apparmor_parser'));
  const out: HostSecurity = { seccomp: seccompSupported(status), apparmor: false };
  if (!enabled) out.apparmorNote = 'AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y): containers run without an AppArmor profile';
  else if (!parser) out.apparmorNote = 'AppArmor is enabled on this host but apparmor_parser is not installed (apt-get install apparmor): containers run without an AppArmor profile';
  else out.apparmorNote = "AppArmor is enabled on this host, but berth does not load Docker's docker-default profile yet: containers run without an AppArmor profile";
  return out;
}

/** Docker's `info` SecurityOptions for these features (moby daemon/info.go fillSecurityOptions). */
export function securityOptions(h: HostSecurity): string[] {
  const out: string[] = [];
  if (h.apparmor) out.push('name=apparmor');
  if (h.seccomp) out.push('name=seccomp,profile=default');
  return out;
}
