import { describe, expect, it } from '@jest/globals';
import { familiarString, formatReference, normalizeReference, parseReference, registryHost, withDefaultTag } from './reference';

describe('references', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x', 'busybox:x'],
    ['someuser/app:v2', 'docker.io/someuser/app:v2', 'someuser/app:v2'],
    ['127.0.0.1:5000/trace/busybox:v1', '127.0.0.1:5000/trace/busybox:v1', '127.0.0.1:5000/trace/busybox:v1'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
    ['ghcr.io/a/b/c', 'ghcr.io/a/b/c:latest', 'ghcr.io/a/b/c:latest'],
  ])('%s normalises to %s, shown as %s', (input, full, familiar) => {
    expect(normalizeReference(input)).toBe(full);
    expect(familiarString(withDefaultTag(parseReference(input)))).toBe(familiar);
  });

  it("names an upper-case official image as distribution does (docker 28: `docker tag busybox BAD`)", () => {
    expect(() => parseReference('BAD')).toThrow('invalid reference format: repository name (library/BAD) must be lowercase');
    expect(() => parseReference('a/BAD')).toThrow('invalid reference format: repository name (a/BAD) must be lowercase');
  });

  it('keeps a digest, and a tag beside it', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(formatReference(parseReference(`busybox@${d}`))).toBe(`docker.io/library/busybox@${d}`);
    expect(formatReference(parseReference(`busybox:1@${d}`))).toBe(`docker.io/library/busybox:1@${d}`);
    expect(parseReference(`busybox@${d}`).tag).toBeUndefined();
  });

  it.each(['', 'UPPER', 'a//b', 'a:b:c', 'a@sha256:short', '-lead', 'x:' + 't'.repeat(129), 'a/' + 'b'.repeat(300), 'a..b'])(
    'refuses %j with an InvalidArgumentError',
    (bad) => {
      expect(() => parseReference(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );

  it('a port is not a tag, a tag after a port is', () => {
    expect(parseReference('127.0.0.1:5000/x')).toEqual({ domain: '127.0.0.1:5000', path: 'x' });
    expect(parseReference('127.0.0.1:5000/x:7')).toEqual({ domain: '127.0.0.1:5000', path: 'x', tag: '7' });
  });

  it('docker.io is served by registry-1.docker.io', () => {
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});
