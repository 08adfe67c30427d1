import { InternalError, InvalidArgumentError } from '@berth/errdefs';
import { publicMessage } from './public-message';

const res = { app: { locals: { hostPaths: ['/var/lib/berth'] } } };

describe('publicMessage', () => {
  it("cuts the data root's paths out of a 5xx's message", () => {
    const err = new InternalError("unable to remove filesystem for abc: rootfs /var/lib/berth/containers/abc/rootfs: still mounted");
    expect(publicMessage(err, res)).toBe('unable to remove filesystem for abc: rootfs rootfs: still mounted');
    const raw = Object.assign(new Error("ENOENT: no such file or directory, open '/var/lib/berth/containers/abc/config.json'"), { code: 'ENOENT' });
    expect(publicMessage(raw, res)).toBe("ENOENT: no such file or directory, open 'config.json'");
  });

  it("leaves a 4xx's message alone (it names the client's own input)", () => {
    const err = new InvalidArgumentError('invalid mount config: bind source path does not exist: /var/lib/berth/x');
    expect(publicMessage(err, res)).toBe(err.message);
  });
});
