import type { AuthConfig } from '@berth/api';
import { readConfigFile as read, writeConfigFile as write } from './config-file';

export { configFile } from './config-file';

/** Docker Hub's key in the config file, as docker writes it. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** The config key for a registry domain (`docker.io` → Docker Hub's key). */
export function registryKey(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' || domain === '' ? DOCKER_HUB_KEY : domain;
}

export function saveCredentials(dir: string, server: string, username: string, password: string): void {
  const c = read(dir);
  c.auths ??= {};
  c.auths[server] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  write(dir, c);
}

/** Removes a server's credentials; false when there were none. */
export function removeCredentials(dir: string, server: string): boolean {
  const c = read(dir);
  if (!c.auths?.[server]) return false;
  delete c.auths[server];
  write(dir, c);
  return true;
}

/** The AuthConfig sent as X-Registry-Auth for a registry domain (`{}` when not logged in). */
export function credentialsFor(dir: string, domain: string): AuthConfig {
  const key = registryKey(domain);
  const entry = read(dir).auths?.[key];
  if (!entry?.auth) return {};
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: key };
}

/** The username stored for a server (the default of the login prompt), or undefined. */
export function storedUsername(dir: string, server: string): string | undefined {
  const entry = read(dir).auths?.[server];
  if (!entry?.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i > 0 ? text.slice(0, i) : undefined;
}
