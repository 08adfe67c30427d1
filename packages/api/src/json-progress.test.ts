import { describe, expect, it } from '@jest/globals';
import { progressString } from './json-progress';

describe('JSONProgress.String()', () => {
  it('the bar needs more than 110 columns; time left when the start is known', () => {
    expect(progressString({ current: 1_982_000, total: 4_000_000 }, 80, 0)).toBe(' 1.982MB/4MB');
    expect(progressString({ current: 1000, total: 3000, start: 100 }, 200, 110)).toBe(`[================>${' '.repeat(34)}]      1kB/3kB 20s`);
    expect(progressString({}, 200, 0)).toBe('');
    expect(progressString({ current: 2048 }, 200, 0)).toBe(' 2.048kB');
  });

  it('as the daemon renders it (200 columns, no start): the bar and 4-digit decimal sizes', () => {
    expect(progressString({ current: 0, total: 100 }, 200, 0)).toBe(`[>${' '.repeat(50)}]       0B/100B`);
    expect(progressString({ current: 955400, total: 1982368 }, 200, 0)).toBe(`[${'='.repeat(24)}>${' '.repeat(26)}]  955.4kB/1.982MB`);
    expect(progressString({ current: 527, total: 100 }, 200, 0)).toBe(`[${'='.repeat(50)}>]     527B`);
  });
});
