/**
 * Credentials for one registry: a user name and password (sent as basic auth, or to a token
 * endpoint), or an identity token (an OAuth2 refresh token, as `docker login` stores for some
 * registries).
 */
export type Credentials = { username: string; password: string } | { identityToken: string };

/** Looks up the credentials for a registry domain (e.g. `docker.io`, `127.0.0.1:5000`). */
export type CredentialProvider = (domain: string) => Credentials | undefined | Promise<Credentials | undefined>;

/** A provider from a fixed table keyed by registry domain. */
export function staticCredentials(table: Record<string, Credentials>): CredentialProvider {
  return (domain) => table[domain];
}
