import { describe, expect, it } from '@jest/globals';
import { parseRegistryMirrors } from './registry-mirrors';

describe('parseRegistryMirrors', () => {
  it('a bare URL mirrors Docker Hub, REGISTRY=URL any other registry, in order', () => {
    expect(
      parseRegistryMirrors(['http://127.0.0.1:5001/', 'registry.example:5000=http://127.0.0.1:5002', 'registry.example:5000=https://mirror.example', 'index.docker.io=https://m.example']),
    ).toEqual({
      'docker.io': ['http://127.0.0.1:5001', 'https://m.example'],
      'registry.example:5000': ['http://127.0.0.1:5002', 'https://mirror.example'],
    });
  });

  it('refuses what is not a mirror URL', () => {
    expect(() => parseRegistryMirrors(['127.0.0.1:5001'])).toThrow(/scheme|not a URL/);
    expect(() => parseRegistryMirrors(['ftp://x'])).toThrow(/scheme must be http/);
    expect(() => parseRegistryMirrors(['http://x/v2/'])).toThrow(/without a path/);
    expect(() => parseRegistryMirrors(['a/b=http://x'])).toThrow(/invalid registry name/);
    expect(() => parseRegistryMirrors(['r=http://u:p@x'])).toThrow(/credentials/);
  });
});
