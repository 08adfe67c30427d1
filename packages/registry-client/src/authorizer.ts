import type { AxiosInstance } from 'axios';
import { UnauthorizedError, UnavailableError, messageOf } from '@berth/errdefs';
import type { Challenge } from './challenge';
import type { Credentials } from './credentials';
import { errorFromResponse } from './registry-errors';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Answers one registry's authentication challenge: basic auth with a user name and password,
 * or a bearer token fetched from the challenge's realm for the request's scopes
 * (`repository:<name>:pull[,push]`), cached per scope set until shortly before it expires.
 */
export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly http: AxiosInstance,
    private readonly credentials: () => Promise<Credentials | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a challenge has been seen (requests then carry credentials from the start). */
  get known(): boolean {
    return this.challenge !== undefined;
  }

  /** Records the challenge of a 401 and forgets the token that was refused. */
  onChallenge(challenges: Challenge[], scopes: readonly string[]): boolean {
    const c = challenges.find((x) => x.scheme === 'bearer') ?? challenges.find((x) => x.scheme === 'basic');
    if (!c) return false;
    this.challenge = c;
    this.tokens.delete(scopeKey(scopes));
    return true;
  }

  /** The Authorization header for a request with these scopes, or undefined for none. */
  async header(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const cred = await this.credentials();
      if (!cred || !('username' in cred)) return undefined;
      return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return `Bearer ${cached.token}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchToken(c, scopes, signal).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const t = await p;
    this.tokens.set(key, t);
    return `Bearer ${t.token}`;
  }

  private async fetchToken(c: Challenge, scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const realm = c.params['realm'];
    if (!realm) throw new UnauthorizedError(`registry: bearer challenge without realm`);
    const service = c.params['service'];
    const wanted = scopes.length > 0 ? [...scopes] : c.params['scope'] ? c.params['scope'].split(' ') : [];
    const cred = await this.credentials();
    let res;
    try {
      if (cred && 'identityToken' in cred) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'berth' });
        if (service) form.set('service', service);
        if (wanted.length) form.set('scope', wanted.join(' '));
        res = await this.http.post(realm, form.toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          validateStatus: () => true,
          responseType: 'arraybuffer',
          signal,
        });
      } else {
        const params = new URLSearchParams();
        if (service) params.set('service', service);
        for (const s of wanted) params.append('scope', s);
        const headers: Record<string, string> = {};
        if (cred) headers['Authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        const sep = realm.includes('?') ? '&' : '?';
        res = await this.http.get(`${realm}${sep}${params.toString()}`, { headers, validateStatus: () => true, responseType: 'arraybuffer', signal });
      }
    } catch (e) {
      throw new UnavailableError(`token ${realm}: ${messageOf(e)}`, { cause: e });
    }
    const body = Buffer.from(res.data as ArrayBuffer);
    if (res.status !== 200) {
      throw errorFromResponse(res.status, body, { kind: 'token', name: realm }, res.headers['retry-after'] as string | undefined);
    }
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(body.toString()) as typeof doc;
    } catch (e) {
      throw new UnauthorizedError(`token ${realm}: answer is not JSON`, { cause: e });
    }
    const token = doc.token ?? doc.access_token;
    if (!token) throw new UnauthorizedError(`token ${realm}: answer has no token`);
    const lifetime = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    return { token, expiresAt: this.now() + Math.max(1, lifetime - 10) * 1000 };
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
