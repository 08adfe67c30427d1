import { InvalidArgumentError } from '@berth/errdefs';

/** The credentials carried by `X-Registry-Auth` (base64 of JSON; URL-safe or standard alphabet). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export function encodeRegistryAuth(a: AuthConfig): string {
  const b = Buffer.from(JSON.stringify(a)).toString('base64url');
  return b + '='.repeat((4 - (b.length % 4)) % 4);
}

export function decodeRegistryAuth(header: string | undefined): AuthConfig | undefined {
  if (!header) return undefined;
  const std = header.replace(/-/g, '+').replace(/_/g, '/');
  let obj: unknown;
  try {
    obj = JSON.parse(Buffer.from(std, 'base64').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('X-Registry-Auth: not base64-encoded JSON');
  }
  if (!obj || typeof obj !== 'object') throw new InvalidArgumentError('X-Registry-Auth: not a JSON object');
  const a = obj as AuthConfig;
  return Object.keys(a).length === 0 ? undefined : a;
}
