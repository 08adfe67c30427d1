import type { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import { connectionError } from './errors';
import { NodeHttpTransport } from './node-http-transport';
import type { ConnectionOptions, HijackedConnection, Transport, TransportRequest, TransportResponse } from './transport';

/**
 * The general transport: axios, over a unix socket (`socketPath`) or TCP with mutual TLS.
 * axios is required lazily, on the first request, because loading it costs tens of ms.
 * axios cannot take over a connection (an upgrade never settles), so `hijack` goes through
 * `node:http`, as docker-modem does.
 */
export class AxiosTransport implements Transport {
  private instance: AxiosInstance | undefined;
  private hijacker: NodeHttpTransport | undefined;
  private agent: { destroy(): void } | undefined;

  constructor(private readonly opts: ConnectionOptions) {}

  private axios(): AxiosInstance {
    if (this.instance) return this.instance;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loading axios costs tens of ms, paid only on the first request
    const axios = require('axios') as import('axios').AxiosStatic;
    const a = this.opts.address;
    const common = {
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      maxRedirects: 0,
      decompress: false,
      responseType: 'stream' as const,
      validateStatus: () => true,
      transformResponse: [(d: unknown) => d],
      transitional: { silentJSONParsing: true, forcedJSONParsing: false, clarifyTimeoutError: false },
      proxy: false as const,
    };
    if (a.kind === 'unix') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: a TLS client never loads node:http's agent
      const http = require('node:http') as typeof import('node:http');
      const agent = new http.Agent({ keepAlive: true });
      this.agent = agent;
      this.instance = axios.create({ ...common, baseURL: 'http://localhost', socketPath: a.socketPath, httpAgent: agent });
    } else if (a.kind === 'ssh') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: node:http and child_process only for an ssh:// daemon
      const http = require('node:http') as typeof import('node:http');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, as above
      const { sshConnection } = require('./ssh-connection') as typeof import('./ssh-connection');
      const agent = new http.Agent({ keepAlive: true });
      (agent as unknown as { createConnection: () => unknown }).createConnection = () => sshConnection(a);
      this.agent = agent;
      this.instance = axios.create({ ...common, baseURL: 'http://localhost', httpAgent: agent });
    } else if (this.opts.tls) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: node:https (and TLS) only for a tcp:// daemon with TLS
      const https = require('node:https') as typeof import('node:https');
      const t = this.opts.tls;
      const agent = new https.Agent({ keepAlive: true, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify !== false });
      this.agent = agent;
      this.instance = axios.create({ ...common, baseURL: `https://${hostPart(a.hostname)}:${a.port}`, httpsAgent: agent });
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: a TLS client never loads node:http's agent
      const http = require('node:http') as typeof import('node:http');
      const agent = new http.Agent({ keepAlive: true });
      this.agent = agent;
      this.instance = axios.create({ ...common, baseURL: `http://${hostPart(a.hostname)}:${a.port}`, httpAgent: agent });
    }
    return this.instance!;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = {};
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    Object.assign(headers, req.headers);
    if (req.body === undefined) headers['Content-Length'] = '0';
    try {
      const res = await this.axios().request<Readable>({
        method: req.method,
        url: req.path,
        headers,
        data: req.body,
        signal: req.signal,
      });
      const h: Record<string, string | string[] | undefined> = {};
      for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) {
        h[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? undefined : String(v);
      }
      return { statusCode: res.status, headers: h, body: res.data };
    } catch (e) {
      const err = e as { code?: string; cause?: unknown; name?: string };
      throw connectionError(err.cause && (err.cause as { code?: string }).code ? err.cause : e, this.opts.address.url);
    }
  }

  hijack(req: TransportRequest): Promise<HijackedConnection> {
    this.hijacker ??= new NodeHttpTransport(this.opts);
    return this.hijacker.hijack(req);
  }

  close(): void {
    this.agent?.destroy();
    this.hijacker?.close();
  }
}

function hostPart(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
