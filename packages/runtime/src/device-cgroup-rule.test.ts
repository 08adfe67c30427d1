import { describe, expect, it } from '@jest/globals';
import { parseDeviceCgroupRule } from './device-cgroup-rule';
import { sourceMountOf } from './bind-propagation';

describe('parseDeviceCgroupRule', () => {
  it('reads docker\'s rules, * as -1', () => {
    expect(parseDeviceCgroupRule('c 1:3 rwm')).toEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    expect(parseDeviceCgroupRule('b *:* m')).toEqual({ allow: true, type: 'b', major: -1, minor: -1, access: 'm' });
  });
  it('refuses malformed rules with docker\'s text', () => {
    for (const r of ['c 1:3', 'x 1:3 r', 'c 1:3 rwmx', 'c1:3 r']) expect(() => parseDeviceCgroupRule(r)).toThrow(`invalid device cgroup rule format: '${r}'`);
  });
});

describe('sourceMountOf', () => {
  it('takes the longest mount point above the path, with its optional fields', async () => {
    const info = [
      '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '40 27 0:50 / /tmp rw,relatime master:3 - tmpfs tmpfs rw',
      '41 27 0:51 / /tmpx rw,relatime - tmpfs tmpfs rw',
    ].join('\n');
    expect(await sourceMountOf('/tmp', info)).toEqual({ mountPoint: '/tmp', optional: ['master:3'] });
    expect(await sourceMountOf('/', info)).toEqual({ mountPoint: '/', optional: ['shared:1'] });
  });
});
