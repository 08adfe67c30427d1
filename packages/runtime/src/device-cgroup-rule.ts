import { InvalidArgumentError } from '@berth/errdefs';

/** One rule of linux.resources.devices (OCI). */
export interface DeviceCgroupRule {
  allow: boolean;
  type: string;
  major: number;
  minor: number;
  access: string;
}

const RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/**
 * `--device-cgroup-rule 'c 1:3 rwm'` (HostConfig.DeviceCgroupRules) as docker reads it (moby
 * daemon/oci_linux.go WithDevices): an allow rule; `*` is -1. Malformed: docker's text (400).
 */
export function parseDeviceCgroupRule(rule: string): DeviceCgroupRule {
  const m = RULE.exec(rule);
  if (!m) throw new InvalidArgumentError(`invalid device cgroup rule format: '${rule}'`);
  const num = (s: string, what: string): number => {
    if (s === '*') return -1;
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`invalid ${what} value in device cgroup rule format: '${rule}'`);
    return n;
  };
  return { allow: true, type: m[1]!, major: num(m[2]!, 'major'), minor: num(m[3]!, 'minor'), access: m[4]! };
}
