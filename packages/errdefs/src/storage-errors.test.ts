import { describe, expect, it } from '@jest/globals';
import { InternalError, storageFailureOf, withoutHostPaths } from './index';

describe('storageFailureOf', () => {
  it("gives a full or failing disk's reason without errno, syscall or path, also through causes", () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write '/var/lib/berth/tmp/x'"), { code: 'ENOSPC' });
    expect(storageFailureOf(enospc)).toBe('no space left on device');
    const sqlite = Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    expect(storageFailureOf(new InternalError('sqlite: SQLITE_FULL: database or disk is full (in: COMMIT)', { cause: sqlite }))).toBe('database or disk is full');
    expect(storageFailureOf(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }))).toBeUndefined();
    expect(storageFailureOf(undefined)).toBeUndefined();
  });
});

describe('withoutHostPaths', () => {
  it('cuts paths under the given roots to their last component and leaves other paths alone', () => {
    const roots = ['/var/lib/berth'];
    expect(withoutHostPaths("ENOENT: no such file or directory, open '/var/lib/berth/containers/abc/config.json'", roots)).toBe(
      "ENOENT: no such file or directory, open 'config.json'",
    );
    expect(withoutHostPaths('rootfs /var/lib/berth/containers/abc/rootfs: still mounted', roots)).toBe('rootfs rootfs: still mounted');
    expect(withoutHostPaths('exec: "/bin/sh": stat /bin/sh: no such file', roots)).toBe('exec: "/bin/sh": stat /bin/sh: no such file');
    expect(withoutHostPaths('/var/lib/berthX/a', roots)).toBe('/var/lib/berthX/a');
  });
});
