import { describe, expect, it } from '@jest/globals';
import { orderUserMounts } from './mount-order';

describe('orderUserMounts', () => {
  it('puts shallow destinations first and says which built-in destinations they cover', () => {
    const { ordered, covers } = orderUserMounts([{ d: '/data/sub/x' }, { d: '/etc/hosts' }, { d: '/data' }, { d: '/dev/shm/' }], (m) => m.d);
    expect(ordered.map((m) => m.d)).toEqual(['/data', '/etc/hosts', '/dev/shm/', '/data/sub/x']);
    expect(covers('/etc/hosts')).toBe(true);
    expect(covers('/dev/shm')).toBe(true); // normalised
    expect(covers('/etc/resolv.conf')).toBe(false);
  });
});
