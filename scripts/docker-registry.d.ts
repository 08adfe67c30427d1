/** Types of docker-registry.js for the TypeScript test harness. */
export interface DockerRegistryOptions {
  /** Listens on 127.0.0.1:port. */
  port: number;
  /** Where the filesystem driver stores. */
  root: string;
  /** Basic auth from this htpasswd file. */
  htpasswd?: string;
  /** A pull-through cache of this registry URL. */
  proxyRemote?: string;
}

export function dockerRegistryCommand(dir: string, opts: DockerRegistryOptions): { cmd: string; args: string[] };
