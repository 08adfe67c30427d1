import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuthConfig } from '@berth/api';

/** Docker Hub's key in the config file, as docker writes it. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  [key: string]: unknown;
}

/** `<config dir>/config.json`, docker's layout: `{"auths":{"host":{"auth":"base64(user:pass)"}}}`. */
export function configFile(dir: string): string {
  return path.join(dir, 'config.json');
}

function read(dir: string): ConfigFile {
  try {
    return JSON.parse(fs.readFileSync(configFile(dir), 'utf8')) as ConfigFile;
  } catch {
    return {};
  }
}

function write(dir: string, c: ConfigFile): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = configFile(dir);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, '\t') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

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
