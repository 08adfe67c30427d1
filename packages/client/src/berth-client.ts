import { ApiConnection } from './api-connection';
import { AxiosTransport } from './axios-transport';
import { ContainersClient } from './containers-client';
import { ExecClient } from './exec-client';
import { NetworksClient } from './networks-client';
import { VolumesClient } from './volumes-client';
import { type DaemonAddress, parseHost } from './host';
import { ImagesClient } from './images-client';
import type { Logger } from '@berth/log';
import { NodeHttpTransport } from './node-http-transport';
import { SystemClient } from './system-client';
import type { TlsOptions, Transport } from './transport';

export interface BerthClientOptions {
  /** `unix:///run/berth.sock` (default), `tcp://host:port`, or a parsed address. */
  host?: string | DaemonAddress;
  /** Mutual TLS for `tcp://`. */
  tls?: TlsOptions;
  /** Pin the API version (still pings first, as docker does with DOCKER_API_VERSION). */
  apiVersion?: string;
  /**
   * The highest API version negotiated (default API_VERSION, 1.41): the CLI speaks up to berthd's
   * MAX_API_VERSION, as the docker CLI speaks its own newest version down to the daemon's.
   */
  maxApiVersion?: string;
  /**
   * `axios` (default): the general transport. `node`: plain node:http, for short-lived processes
   * that must start fast (the CLI's run/ps path). Or any Transport (tests pass a fake).
   */
  transport?: 'axios' | 'node' | Transport;
  userAgent?: string;
  /** pino-compatible; silent by default. Requests are logged at debug level. */
  logger?: Logger;
}

/** The Docker Engine API client: sub-clients for system, images, containers and exec over one connection. */
export class BerthClient {
  readonly system: SystemClient;
  readonly images: ImagesClient;
  readonly containers: ContainersClient;
  readonly exec: ExecClient;
  readonly volumes: VolumesClient;
  readonly networks: NetworksClient;
  readonly address: DaemonAddress;
  private readonly api: ApiConnection;

  constructor(o: BerthClientOptions = {}) {
    this.address = typeof o.host === 'object' ? o.host : parseHost(o.host);
    const conn = { address: this.address, tls: o.tls, userAgent: o.userAgent ?? 'berth-client' };
    const t = o.transport ?? 'axios';
    const transport = t === 'axios' ? new AxiosTransport(conn) : t === 'node' ? new NodeHttpTransport(conn) : t;
    this.api = new ApiConnection(transport, o.apiVersion, o.logger, o.maxApiVersion);
    this.system = new SystemClient(this.api);
    this.images = new ImagesClient(this.api);
    this.containers = new ContainersClient(this.api);
    this.exec = new ExecClient(this.api);
    this.volumes = new VolumesClient(this.api);
    this.networks = new NetworksClient(this.api);
  }

  /** Closes idle connections (hijacked and streaming ones belong to their callers). */
  /** The highest API version this client negotiates. */
  get maxApiVersion(): string {
    return this.api.maxVersion;
  }

  close(): void {
    this.api.close();
  }
}
