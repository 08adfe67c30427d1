import type { Logger } from '@berth/log';
import type * as RegistryClientModule from '@berth/registry-client';
import { credentialsFromAuthHeader } from './registry-credentials';

let loaded: typeof RegistryClientModule | undefined;

/**
 * @berth/registry-client, loaded on the first pull, push, login or distribution inspect: it
 * brings axios, and a berthd that never talks to a registry does not carry them (about 10 MB of
 * resident memory at idle).
 */
export function registryClientModule(): typeof RegistryClientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: see above (axios stays out of an idle berthd)
  loaded ??= require('@berth/registry-client') as typeof RegistryClientModule;
  return loaded;
}

/**
 * A registry client for one request: `X-Registry-Auth`'s credentials (if any) go to `domain`,
 * the reference's own registry, and nowhere else.
 */
export function registryClientFor(
  domain: string,
  authHeader: string | undefined,
  opts: Omit<RegistryClientModule.RegistryClientOptions, 'credentials' | 'logger'>,
  logger: Logger,
): RegistryClientModule.RegistryClient {
  const m = registryClientModule();
  const creds = credentialsFromAuthHeader(authHeader);
  return new m.RegistryClient({ ...opts, ...(creds ? { credentials: m.staticCredentials({ [domain]: creds }) } : {}), logger });
}
