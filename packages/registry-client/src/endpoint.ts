import { registryHost } from '@berth/oci';

/** Whether a host[:port] is a loopback address, which docker treats as insecure by default. */
export function isLoopbackHost(hostPort: string): boolean {
  let host = hostPort;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.includes(':')) host = host.slice(0, host.lastIndexOf(':'));
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Base URL of a registry domain: `docker.io` → `https://registry-1.docker.io`; loopback
 * registries and those named in `insecure` speak plain http, all others https.
 */
export function registryBaseUrl(domain: string, insecure: readonly string[] = []): string {
  const host = registryHost(domain);
  const plain = isLoopbackHost(host) || insecure.includes(domain) || insecure.includes(host);
  return `${plain ? 'http' : 'https'}://${host}`;
}

/**
 * The endpoints to try for a registry domain, in order, as docker does: a secure registry is
 * https only (certificates verified); an insecure one (loopback, or named in `insecure`) is
 * https without certificate verification first, then plain http.
 */
export function registryEndpoints(domain: string, insecure: readonly string[] = []): { urls: string[]; verifyTls: boolean } {
  const host = registryHost(domain);
  const plain = isLoopbackHost(host) || insecure.includes(domain) || insecure.includes(host);
  return plain ? { urls: [`https://${host}`, `http://${host}`], verifyTls: false } : { urls: [`https://${host}`], verifyTls: true };
}
