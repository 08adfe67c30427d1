import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '@berth/errdefs';
import type { CredentialProvider, Credentials } from './credentials';

/** Keys docker writes for Docker Hub in `auths`. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** Strips a scheme and path from an `auths` key: `https://host:5000/v1/` → `host:5000`. */
function keyDomain(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k;
}

function entryCredentials(key: string, e: AuthEntry): Credentials | undefined {
  if (e.identitytoken) return { identityToken: e.identitytoken };
  if (e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw new InvalidArgumentError(`docker config: auth entry for "${key}": not "user:password"`);
    return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
  }
  if (e.username !== undefined && e.password !== undefined) return { username: e.username, password: e.password };
  return undefined;
}

/**
 * Parses the `auths` section of a docker `config.json` into a table keyed by registry domain.
 * Credential helpers (`credsStore`, `credHelpers`) are not consulted.
 */
export function parseDockerConfigAuths(json: string): Record<string, Credentials> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new InvalidArgumentError(`docker config: invalid JSON`, { cause: e });
  }
  const auths = (doc as { auths?: Record<string, AuthEntry> } | null)?.auths;
  const out: Record<string, Credentials> = {};
  if (!auths || typeof auths !== 'object') return out;
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object') continue;
    const c = entryCredentials(key, entry);
    if (!c) continue;
    const domain = HUB_KEYS.includes(key) || HUB_KEYS.includes(keyDomain(key)) ? 'docker.io' : keyDomain(key);
    out[domain] = c;
  }
  return out;
}

/**
 * A credential provider reading a docker `config.json` (e.g. `~/.docker/config.json`; the
 * path comes in from the caller). A missing file means no credentials.
 */
export async function dockerConfigCredentials(file: string): Promise<CredentialProvider> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw e;
  }
  const table = parseDockerConfigAuths(text);
  return (domain) => table[domain];
}
