import { describe, expect, it } from '@jest/globals';
import { splitSearchTerm } from './image-search';

describe('splitSearchTerm (dockerd splitReposSearchTerm)', () => {
  it.each([
    ['busybox', 'docker.io', 'busybox'],
    ['library/busybox', 'docker.io', 'busybox'],
    ['user/app', 'docker.io', 'user/app'],
    ['127.0.0.1:5000/busy', '127.0.0.1:5000', 'busy'],
    ['localhost/a/b', 'localhost', 'a/b'],
    ['registry.example/x', 'registry.example', 'x'],
    ['index.docker.io/library/busybox', 'docker.io', 'busybox'],
  ])('%s asks %s for %s', (term, domain, remote) => {
    expect(splitSearchTerm(term)).toEqual({ domain, remote });
  });
});
