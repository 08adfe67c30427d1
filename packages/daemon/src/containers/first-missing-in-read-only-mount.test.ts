import { describe, expect, it } from '@jest/globals';
import { firstMissingInReadOnlyMount } from './first-missing-in-read-only-mount';

const ro = { destination: '/r', source: '/h', rw: false, fd: -1 };
const rw = { ...ro, rw: true };

describe('firstMissingInReadOnlyMount (runc: nothing is made inside a read-only mount)', () => {
  it('names the first missing directory of a path inside a read-only mount', () => {
    expect(firstMissingInReadOnlyMount({ path: '/r/sub', missing: 1, mount: ro }, [])).toBe('/r/sub');
    expect(firstMissingInReadOnlyMount({ path: '/r/a/b/c', missing: 2, mount: ro }, [])).toBe('/r/a/b');
  });

  it('passes what exists, a writable mount, the rootfs, and a tmpfs laid inside the read-only mount', () => {
    expect(firstMissingInReadOnlyMount({ path: '/r/sub', missing: 0, mount: ro }, [])).toBeUndefined();
    expect(firstMissingInReadOnlyMount({ path: '/r/sub', missing: 1, mount: rw }, [])).toBeUndefined();
    expect(firstMissingInReadOnlyMount({ path: '/x/sub', missing: 1, mount: undefined }, [])).toBeUndefined();
    expect(firstMissingInReadOnlyMount({ path: '/r/t/sub', missing: 1, mount: ro }, ['/r/t'])).toBeUndefined();
    expect(firstMissingInReadOnlyMount({ path: '/r/t', missing: 1, mount: ro }, ['/r/t'])).toBeUndefined();
  });

  it('a tmpfs elsewhere, or one the read-only mount covers from above, does not exempt it', () => {
    expect(firstMissingInReadOnlyMount({ path: '/r/sub', missing: 1, mount: ro }, ['/other'])).toBe('/r/sub');
    // a tmpfs at / (outside the read-only mount at /r) is covered by it
    expect(firstMissingInReadOnlyMount({ path: '/r/sub', missing: 1, mount: ro }, ['/'])).toBe('/r/sub');
  });
});
