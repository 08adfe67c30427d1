import { describe, expect, it } from '@jest/globals';
import { InternalError, InvalidArgumentError, NotFoundError, publicMessage } from '@berth/errdefs';
import { hostPathsOf } from './public-message';

const roots = ['/var/lib/berth'];

describe('publicMessage', () => {
  it("cuts the data root's paths out of a 5xx's message", () => {
    const err = new InternalError("unable to remove filesystem for abc: rootfs /var/lib/berth/containers/abc/rootfs: still mounted");
    expect(publicMessage(err, roots)).toBe('unable to remove filesystem for abc: rootfs rootfs: still mounted');
    const raw = Object.assign(new Error("ENOENT: no such file or directory, open '/var/lib/berth/containers/abc/config.json'"), { code: 'ENOENT' });
    expect(publicMessage(raw, roots)).toBe("ENOENT: no such file or directory, open 'config.json'");
  });

  it("cuts them out of a 4xx's too: berthd's own paths reach 4xx messages (a build context unpacked under tmp/)", () => {
    const err = new InvalidArgumentError("build context: ENOENT: no such file or directory, link '/var/lib/berth/tmp/build-ctx-0a1b/x' -> '/var/lib/berth/tmp/build-ctx-0a1b/y'");
    expect(publicMessage(err, roots)).toBe("build context: ENOENT: no such file or directory, link 'x' -> 'y'");
    expect(publicMessage(new NotFoundError('open /var/lib/berth/volumes/v/_data/f: gone'), roots)).toBe('open f: gone');
  });

  it('leaves paths outside the data root alone (paths inside containers, the client\'s bind sources)', () => {
    const err = new InvalidArgumentError('invalid mount config: bind source path does not exist: /srv/data');
    expect(publicMessage(err, roots)).toBe(err.message);
    expect(publicMessage(new Error('exec: "/bin/nope": stat /bin/nope: no such file or directory'), roots)).toBe('exec: "/bin/nope": stat /bin/nope: no such file or directory');
  });

  it("takes the data root from the express app serving a response", () => {
    expect(hostPathsOf({ app: { locals: { hostPaths: roots } } })).toEqual(roots);
    expect(hostPathsOf({})).toEqual([]);
    expect(hostPathsOf(null)).toEqual([]);
  });
});
