import { describe, expect, it } from '@jest/globals';
import { within } from './within';

describe('within', () => {
  it('within(): a StopTimeout of 2^53 s does not time out at once', async () => {
    let settle!: () => void;
    const p = new Promise<void>((r) => (settle = r));
    const w = within(p, 2 ** 53 * 1000);
    setTimeout(settle, 30);
    expect(await w).toBe(true);
    expect(await within(new Promise(() => undefined), 20)).toBe(false);
  });
});
