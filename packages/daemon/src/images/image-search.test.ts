import { describe, expect, it } from '@jest/globals';
import { searchImages, splitSearchTerm } from './image-search';

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

describe("searchImages' numbers: Go's Atoi with moby's wording, before the registry is asked", () => {
  // a registry nobody listens on: the refusals come first
  const search = (limit: string | undefined, stars?: string) =>
    searchImages({ term: '127.0.0.1:9/x', ...(limit !== undefined ? { limit } : {}), filters: new Map(stars !== undefined ? [['stars', [stars]]] : []) });
  it('limit', async () => {
    await expect(search('1e3')).rejects.toThrow('invalid limit specified: strconv.Atoi: parsing "1e3": invalid syntax');
    // berth said "limit 100000000000000000000 is outside the range of [1, 100]"
    await expect(search('99999999999999999999')).rejects.toThrow('invalid limit specified: strconv.Atoi: parsing "99999999999999999999": value out of range');
    await expect(search('-1')).rejects.toThrow(/^invalid limit specified$/);
  });
  it('stars', async () => {
    await expect(search(undefined, 'x')).rejects.toThrow("invalid filter 'stars=x': strconv.Atoi: parsing \"x\": invalid syntax");
    await expect(search(undefined, '99999999999999999999')).rejects.toThrow("invalid filter 'stars=99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range");
  });
});
