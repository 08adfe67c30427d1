import { describe, expect, it } from '@jest/globals';
import { NAMESPACE_LABEL as CRI_NAMESPACE_LABEL } from '@berth/cri';
import { NAMESPACE_LABEL, compileListFilters, compilePruneFilters } from './container-filters';
import type { ContainerRecord } from './container-record';

const rec = (labels: Record<string, string>): ContainerRecord & { seq: number } =>
  ({ id: 'a'.repeat(64), name: '/x', seq: 1, created: '2020-01-01T00:00:00Z', config: { Labels: labels }, state: { status: 'running' } }) as never;

describe('namespaced (CRI) containers', () => {
  it('use the key the CRI server writes', () => {
    expect(NAMESPACE_LABEL).toBe(CRI_NAMESPACE_LABEL);
  });

  it('are left out of ps and prune unless a label filter names the namespace key', () => {
    const ctx = { seqOf: () => 0, ancestorIds: new Set<string>() };
    const cri = rec({ [NAMESPACE_LABEL]: 'k8s.io', a: 'b' });
    const own = rec({ a: 'b' });
    const plain = compileListFilters(new Map(), ctx).match;
    expect([plain(cri), plain(own)]).toEqual([false, true]);
    expect(compileListFilters(new Map([['label', ['a=b']]]), ctx).match(cri)).toBe(false);
    const asked = compileListFilters(new Map([['label', [`${NAMESPACE_LABEL}=k8s.io`]]]), ctx).match;
    expect([asked(cri), asked(own)]).toEqual([true, false]);
    const prune = compilePruneFilters(new Map(), new Date(), () => undefined);
    expect([prune(cri), prune(own)]).toEqual([false, true]);
  });
});

describe('the network filter', () => {
  it('matches the networks a container is on (its mode\'s, and those connected), by name', () => {
    const ctx = { seqOf: () => 0, ancestorIds: new Set<string>() };
    const on = (hostConfig: Record<string, unknown>, networkingConfig: unknown = null) =>
      ({ ...rec({}), hostConfig, networkingConfig }) as ContainerRecord & { seq: number };
    const f = (n: string) => compileListFilters(new Map([['network', [n]]]), ctx).match;
    const dflt = on({ NetworkMode: 'default' });
    const both = on({ NetworkMode: 'appnet' }, { EndpointsConfig: { appnet: {}, other: {} }, Normalized: true });
    expect([f('bridge')(dflt), f('appnet')(dflt)]).toEqual([true, false]);
    expect([f('appnet')(both), f('other')(both), f('bridge')(both)]).toEqual([true, true, false]);
    expect(f('host')(on({ NetworkMode: 'host' }))).toBe(true);
    expect(f('bridge')(on({ NetworkMode: 'container:x' }))).toBe(false);
  });
});
