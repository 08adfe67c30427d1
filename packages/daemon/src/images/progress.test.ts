import { describe, expect, test } from '@jest/globals';
import { progressBar } from './progress';
import { parseUntil } from '../server/parse-until';
import { credentialsFromAuthHeader } from './registry-credentials';
import { encodeRegistryAuth } from '@berth/api';

describe('progress rendering', () => {
  test('progressBar', () => {
    expect(progressBar(0, 100)).toBe(`[>${' '.repeat(50)}]       0B/100B`);
    expect(progressBar(100, 100)).toBe(`[${'='.repeat(50)}>]     100B/100B`);
    expect(progressBar(955400, 1982368)).toBe(`[${'='.repeat(24)}>${' '.repeat(26)}]  955.4kB/1.982MB`);
  });
});

describe('prune until', () => {
  test('unix seconds, durations, RFC 3339', () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    expect(parseUntil('1795853738', now).getTime()).toBe(1795853738000);
    expect(parseUntil('24h', now).getTime()).toBe(now - 24 * 3600 * 1000);
    expect(parseUntil('1h30m', now).getTime()).toBe(now - 90 * 60 * 1000);
    expect(parseUntil('2026-11-28T08:00:00Z', now).toISOString()).toBe('2026-11-28T08:00:00.000Z');
    expect(() => parseUntil('soon', now)).toThrow(/invalid filter/);
  });
});

describe('X-Registry-Auth', () => {
  test('user/password, auth field, identity token, empty', () => {
    expect(credentialsFromAuthHeader(encodeRegistryAuth({ username: 'trace', password: 'tracepass', serveraddress: 'x' }))).toEqual({ username: 'trace', password: 'tracepass' });
    expect(credentialsFromAuthHeader(encodeRegistryAuth({ auth: Buffer.from('u:p:w').toString('base64') }))).toEqual({ username: 'u', password: 'p:w' });
    expect(credentialsFromAuthHeader(encodeRegistryAuth({ identitytoken: 'tok' }))).toEqual({ identityToken: 'tok' });
    expect(credentialsFromAuthHeader('e30=')).toBeUndefined();
    expect(credentialsFromAuthHeader(undefined)).toBeUndefined();
    expect(() => credentialsFromAuthHeader('%%%')).toThrow();
  });
});
