import { InternalError, InvalidArgumentError, codeOf } from '@berth/errdefs';
import type { RegistryClientOptions } from '@berth/registry-client';
import { registryClientModule } from '../images/registry-client-module';

export interface LoginRequest {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

/** `serveraddress` as the CLI sends it (`127.0.0.1:5001`, `https://index.docker.io/v1/`) to a registry domain. */
export function registryDomain(serveraddress: string | undefined): string {
  const s = (serveraddress ?? '').trim();
  if (s === '') return 'docker.io';
  const host = s.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io') return 'docker.io';
  return host;
}

/**
 * `POST /auth` (docker login): checks the credentials against the registry's `/v2/`
 * (answering its challenge, basic or token). The daemon keeps no login state.
 */
export async function checkRegistryLogin(req: LoginRequest, opts: Omit<RegistryClientOptions, 'credentials'> = {}): Promise<{ IdentityToken: string; Status: string }> {
  const domain = registryDomain(req.serveraddress);
  if (!req.identitytoken && (!req.username || req.password === undefined)) throw new InvalidArgumentError('login: username and password are required');
  const creds = req.identitytoken ? { identityToken: req.identitytoken } : { username: req.username!, password: req.password! };
  const client = new (registryClientModule().RegistryClient)({ ...opts, retry: { attempts: 1 } });
  try {
    const r = await client.login(domain, creds);
    return { IdentityToken: '', Status: r.status };
  } catch (e) {
    if (codeOf(e) === 'UNAUTHORIZED' || codeOf(e) === 'FORBIDDEN') {
      const url = `${registryClientModule().registryBaseUrl(domain)}/v2/`;
      throw new InternalError(`login attempt to ${url} failed with status: ${codeOf(e) === 'FORBIDDEN' ? '403 Forbidden' : '401 Unauthorized'}`, { cause: e });
    }
    throw e;
  }
}
