import type { Duplex, Readable } from 'node:stream';
import type { DaemonAddress } from './host';

/** Client certificates for `tcp://` with mutual TLS (docker's `--tlsverify` set-up). PEM contents, not paths. */
export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Verify the daemon's certificate against `ca` (default true). */
  verify?: boolean;
}

/** How to reach the daemon. */
export interface ConnectionOptions {
  address: DaemonAddress;
  tls?: TlsOptions;
  /** Sent as `User-Agent`. */
  userAgent?: string;
}

/** One HTTP request, path already versioned and with its query string. */
export interface TransportRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON body is passed as a string with its Content-Type header; a stream is sent chunked. */
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
}

/** A response whose headers have arrived; the body streams. */
export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** A hijacked connection (attach, exec start): raw bytes both ways after `101` (or an old-style `200`). */
export interface HijackedConnection {
  /** The socket: read the output from it, write stdin to it, `end()` it for stdin EOF. */
  socket: Duplex;
  /** 101 for the Upgrade form; 200 for the old form, whose socket is read-only in practice. */
  statusCode: number;
}

/**
 * The role a transport plays: send a request and hand back the response at header time
 * (so `wait` can be used headers-first), and hijack a connection for attach/exec.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  hijack(req: TransportRequest): Promise<HijackedConnection>;
  /** Closes idle connections. */
  close(): void;
}
