export { BerthClient, type BerthClientOptions } from './berth-client';
export { SystemClient, type EventsOptions, type ClientEvent } from './system-client';
export { ImagesClient, type ImageSearchResult, type ImageListOptions, type ImageImportOptions, type ImagePullOptions, type ImageBuildOptions } from './images-client';
export {
  ContainersClient,
  type ContainerListOptions,
  type WaitCondition,
  type ContainerWait,
  type AttachOptions,
  type AttachedContainer,
  type LogsOptions,
  type PathStat,
} from './containers-client';
export { ExecClient } from './exec-client';
export { VolumesClient, type Volume } from './volumes-client';
export { NetworksClient, type Network } from './networks-client';
export { ApiConnection, type CallOptions, type Query, type PingResult, encodeQuery, jsonMessages, FALLBACK_API_VERSION } from './api-connection';
export { demultiplex, type DemuxedStreams } from './demux';
export { DEFAULT_HOST, DEFAULT_TCP_PORT, type DaemonAddress, parseHost } from './host';
export { type DaemonError, errorFromResponse, statusCodeOf, isDaemonError, connectionError } from './errors';
export type { Transport, TransportRequest, TransportResponse, HijackedConnection, ConnectionOptions, TlsOptions } from './transport';
export { NodeHttpTransport, readAll } from './node-http-transport';
export { type Logger, silentLogger } from '@berth/log';
export { AxiosTransport } from './axios-transport';
