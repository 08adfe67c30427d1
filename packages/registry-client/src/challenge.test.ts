import { describe, expect, it } from '@jest/globals';
import { parseChallenges } from './challenge';

describe('parseChallenges', () => {
  it('reads a Docker Hub bearer challenge', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });
  it('reads basic, unquoted values, escapes and several challenges', () => {
    expect(parseChallenges('Basic realm="basic-realm"')).toEqual([{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
    expect(parseChallenges('Bearer realm=http://x/token, error="insufficient_scope", Basic realm="a\\"b"')).toEqual([
      { scheme: 'bearer', params: { realm: 'http://x/token', error: 'insufficient_scope' } },
      { scheme: 'basic', params: { realm: 'a"b' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
  });
});
