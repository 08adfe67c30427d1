import type * as RegistryClientModule from '@berth/registry-client';

let loaded: typeof RegistryClientModule | undefined;

/**
 * @berth/registry-client, loaded on the first pull, push, login or distribution inspect: it
 * brings axios, and a berthd that never talks to a registry does not carry them (about 10 MB of
 * resident memory at idle).
 */
export function registryClientModule(): typeof RegistryClientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@berth/registry-client') as typeof RegistryClientModule;
  return loaded;
}
