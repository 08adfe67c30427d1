import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { dockerConfigCredentials, parseDockerConfigAuths } from './docker-config';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('docker config.json auths', () => {
  it('decodes base64 auth, identity tokens, and Docker Hub keys', () => {
    const t = parseDockerConfigAuths(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
          '127.0.0.1:5000': { auth: b64('alice:s3cret') },
          'https://registry.example.com/v2/': { identitytoken: 'refresh-me' },
          'empty.example.com': {},
        },
      }),
    );
    expect(t).toEqual({
      'docker.io': { username: 'hubuser', password: 'hub:pass' },
      '127.0.0.1:5000': { username: 'alice', password: 's3cret' },
      'registry.example.com': { identityToken: 'refresh-me' },
    });
  });
  it('refuses broken input clearly', () => {
    expect(() => parseDockerConfigAuths('{')).toThrow(/docker config: invalid JSON/);
    expect(() => parseDockerConfigAuths(JSON.stringify({ auths: { x: { auth: b64('nocolon') } } }))).toThrow(/not "user:password"/);
    expect(parseDockerConfigAuths('{}')).toEqual({});
  });
  it('reads a file, and a missing file means no credentials', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-dockercfg-'));
    try {
      const file = path.join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ auths: { 'localhost:5000': { auth: b64('u:p') } } }));
      const p = await dockerConfigCredentials(file);
      expect(await p('localhost:5000')).toEqual({ username: 'u', password: 'p' });
      expect(await p('other')).toBeUndefined();
      const none = await dockerConfigCredentials(path.join(dir, 'missing.json'));
      expect(await none('localhost:5000')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
