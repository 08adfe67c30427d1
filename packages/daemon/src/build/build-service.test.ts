import { describe, expect, it } from '@jest/globals';
import { BuildService } from './build-service';

describe('BuildService.normaliseTags (moby sanitizeRepoAndTags)', () => {
  it('normalises to familiar name:tag, each once', () => {
    expect(BuildService.normaliseTags(['app', 'app:latest', 'docker.io/library/app', 'x/y:v1'])).toEqual(['app:latest', 'x/y:v1']);
  });

  it('refuses before the build what the tag step would refuse after it: 64 hex digits, a digest', () => {
    const hex = 'f'.repeat(64);
    expect(() => BuildService.normaliseTags([hex])).toThrow(`invalid repository name (${hex}), cannot specify 64-byte hexadecimal strings`);
    expect(() => BuildService.normaliseTags([`app@sha256:${hex}`])).toThrow('build tag cannot contain a digest');
    expect(() => BuildService.normaliseTags([`app:v1@sha256:${hex}`])).toThrow('build tag cannot contain a digest');
    expect(() => BuildService.normaliseTags(['UPPER'])).toThrow('invalid reference format');
  });
});
