import { describe, expect, it } from '@jest/globals';
import { MediaType } from '@berth/oci';
import { isLoopbackHost, registryBaseUrl } from './endpoint';
import { choosePlatform } from './manifest-types';
import { errorFromResponse } from './registry-errors';

describe('endpoints', () => {
  it('speaks http to loopback registries and https elsewhere', () => {
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('registry.example.com')).toBe('https://registry.example.com');
    expect(registryBaseUrl('registry.example.com', ['registry.example.com'])).toBe('http://registry.example.com');
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('10.0.0.1:5000')).toBe(false);
  });
});

describe('registry errors', () => {
  const env = (code: string, message: string) => Buffer.from(JSON.stringify({ errors: [{ code, message }] }));
  it('maps statuses and envelope codes to errdefs kinds', () => {
    expect(errorFromResponse(404, env('MANIFEST_UNKNOWN', 'manifest unknown'), { kind: 'manifest', name: 'x:1' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'manifest for x:1 not found: manifest unknown',
    });
    expect(errorFromResponse(401, env('UNAUTHORIZED', 'authentication required'), { kind: 'manifest', name: 'x:1' })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(errorFromResponse(403, undefined, { kind: 'blob', name: 'd' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorFromResponse(429, env('TOOMANYREQUESTS', 'slow down'), { kind: 'manifest', name: 'x' }, '30').message).toMatch(/toomanyrequests: slow down.*retry after 30/);
    expect(errorFromResponse(400, env('MANIFEST_INVALID', 'manifest invalid'), { kind: 'manifest', name: 'x' })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(errorFromResponse(503, undefined, { kind: 'registry', name: 'r' })).toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('choosePlatform', () => {
  const idx = {
    schemaVersion: 2 as const,
    manifests: [
      { mediaType: MediaType.OciManifest, digest: 'sha256:a', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MediaType.OciManifest, digest: 'sha256:b', size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { mediaType: MediaType.OciManifest, digest: 'sha256:c', size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: MediaType.OciManifest, digest: 'sha256:d', size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
    ],
  };
  it('matches os/arch and prefers the exact variant', () => {
    expect(choosePlatform(idx, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe('sha256:a');
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest).toBe('sha256:c');
    expect(() => choosePlatform(idx, { os: 'windows', architecture: 'amd64' }, 'x')).toThrow(/no matching manifest for windows\/amd64/);
  });
});
