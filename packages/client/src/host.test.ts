import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { parseHost } from './host';

describe('parseHost', () => {
  it('defaults to unix:///run/berth.sock', () => {
    expect(parseHost(undefined)).toEqual({ kind: 'unix', socketPath: '/run/berth.sock', url: 'unix:///run/berth.sock' });
  });
  it('parses unix, tcp and bare host:port', () => {
    expect(parseHost('unix:///tmp/x.sock')).toMatchObject({ kind: 'unix', socketPath: '/tmp/x.sock' });
    expect(parseHost('tcp://10.0.0.1:2376')).toMatchObject({ kind: 'tcp', hostname: '10.0.0.1', port: 2376 });
    expect(parseHost('example.org:1234')).toMatchObject({ kind: 'tcp', hostname: 'example.org', port: 1234 });
    expect(parseHost('tcp://[::1]:99')).toMatchObject({ kind: 'tcp', hostname: '::1', port: 99 });
    expect(parseHost('tcp://h')).toMatchObject({ port: 2376 });
  });
  it('parses ssh://[user@]host[:port] (docker -H ssh://)', () => {
    expect(parseHost('ssh://alice@box:2222')).toEqual({ kind: 'ssh', user: 'alice', hostname: 'box', port: 2222, url: 'ssh://alice@box:2222' });
    expect(parseHost('ssh://box')).toEqual({ kind: 'ssh', user: undefined, hostname: 'box', port: undefined, url: 'ssh://box' });
  });
  it('refuses other schemes and bad ports', () => {
    expect(() => parseHost('fd://x')).toThrow(InvalidArgumentError);
    expect(() => parseHost('ssh://u@h/path')).toThrow(InvalidArgumentError);
    expect(() => parseHost('ssh://h:0')).toThrow(InvalidArgumentError);
    expect(() => parseHost('tcp://h:99999')).toThrow(InvalidArgumentError);
    expect(() => parseHost('unix://relative')).toThrow(InvalidArgumentError);
  });
});
