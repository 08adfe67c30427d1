import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { Htpasswd } from './htpasswd';
import { TokenService, covers, parseScopes } from './token-service';

describe('TokenService', () => {
  it('issues tokens it verifies, and refuses forged, foreign or expired ones', () => {
    let now = 1_000_000;
    const svc = new TokenService('berth-registry', Buffer.alloc(32, 1), 300, () => now);
    const { token } = svc.issue('alice', parseScopes(['repository:a/b:pull,push']));
    const claims = svc.verify(token)!;
    expect(claims.sub).toBe('alice');
    expect(covers(claims.access, [{ type: 'repository', name: 'a/b', actions: ['push'] }])).toBe(true);
    expect(covers(claims.access, [{ type: 'repository', name: 'a/c', actions: ['pull'] }])).toBe(false);
    expect(covers(claims.access, [{ type: 'repository', name: 'a/b', actions: ['delete'] }])).toBe(false);
    const [h, b] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, access: [{ type: 'repository', name: '*', actions: ['*'] }] })).toString('base64url');
    expect(svc.verify(`${h}.${forgedBody}.${token.split('.')[2]}`)).toBeUndefined();
    expect(new TokenService('berth-registry', Buffer.alloc(32, 2), 300, () => now).verify(token)).toBeUndefined();
    expect(new TokenService('other', Buffer.alloc(32, 1), 300, () => now).verify(token)).toBeUndefined();
    expect(svc.verify(`${h}.${b}`)).toBeUndefined();
    now += 301;
    expect(svc.verify(token)).toBeUndefined();
  });

  it('parses scopes, including names with colons in the host part', () => {
    expect(parseScopes(['repository:x:pull,push repository:y/z:pull', 'registry:catalog:*', 'bogus'])).toEqual([
      { type: 'repository', name: 'x', actions: ['pull', 'push'] },
      { type: 'repository', name: 'y/z', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(parseScopes(['repository:localhost:5000/x:pull'])).toEqual([{ type: 'repository', name: 'localhost:5000/x', actions: ['pull'] }]);
  });
});

describe('Htpasswd', () => {
  it('checks $2y$, $2a$ and $2b$ bcrypt entries', async () => {
    const h = bcrypt.hashSync('pw', 4);
    const users = Htpasswd.parse(`# comment\nb:${h}\ny:${h.replace(/^\$2b\$/, '$2y$')}\na:${h.replace(/^\$2b\$/, '$2a$')}\n\n`);
    for (const u of ['a', 'b', 'y']) {
      expect(await users.verify(u, 'pw')).toBe(true);
      expect(await users.verify(u, 'pw')).toBe(true);
      expect(await users.verify(u, 'wrong')).toBe(false);
    }
    expect(await users.verify('nobody', 'pw')).toBe(false);
  });
  it('refuses non-bcrypt and malformed lines clearly', () => {
    expect(() => Htpasswd.parse('u:{SHA}abc')).toThrow(/line 1: only bcrypt entries are supported/);
    expect(() => Htpasswd.parse('\nnocolon')).toThrow(/line 2: expected user:hash/);
  });
});
