import { decodeRegistryAuth } from '@berth/api';
import type { Credentials } from '@berth/registry-client';

/** Credentials from an `X-Registry-Auth` header (docker CLI and dockerode send it base64 JSON). */
export function credentialsFromAuthHeader(header: string | undefined): Credentials | undefined {
  const a = decodeRegistryAuth(header);
  if (!a) return undefined;
  if (a.identitytoken) return { identityToken: a.identitytoken };
  if (a.username !== undefined && a.password !== undefined) return { username: a.username, password: a.password };
  if (a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  return undefined;
}
