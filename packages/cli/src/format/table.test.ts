import { describe, expect, it } from '@jest/globals';
import { renderTable } from './table';

describe('renderTable (tabwriter 10/1/3)', () => {
  it('reproduces 04-images', () => {
    const out = renderTable([
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
      ['bench-bb', 'latest', '1e033f5e5255', '14 seconds ago', '1.98MB'],
      ['fixture-multilayer', '1', '5ff28e953cf8', '23 minutes ago', '1.98MB'],
      ['busybox', 'local', '7a0f54585e7a', '33 minutes ago', '1.98MB'],
    ]);
    expect(out).toBe(
      'REPOSITORY           TAG       IMAGE ID       CREATED          SIZE\n' +
        'bench-bb             latest    1e033f5e5255   14 seconds ago   1.98MB\n' +
        'fixture-multilayer   1         5ff28e953cf8   23 minutes ago   1.98MB\n' +
        'busybox              local     7a0f54585e7a   33 minutes ago   1.98MB\n',
    );
  });
  it('counts runes, not UTF-16 units, and pads empty trailing cells', () => {
    expect(renderTable([['A', '"dd if=/dev/zero bs=…"', 'x'], ['', '', '']])).toBe('A         "dd if=/dev/zero bs=…"   x\n                                   \n');
  });
});
