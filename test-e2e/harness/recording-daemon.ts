import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { scratchDir } from './scratch-dir';

/** One request a client made, as the daemon received it. */
export interface RecordedRequest {
  method: string;
  /** The path and query, without the `/v1.NN` prefix. */
  url: string;
  body: unknown;
}

/**
 * A fake daemon that records what a CLI sends (for comparing the requests of two CLIs given the
 * same arguments): it answers `/_ping` and `/version` as an API 1.41 daemon, a container inspect
 * as a running container, and every other request with a 500 `recorded` error, so that each
 * command stops after its first real request.
 */
export class RecordingDaemon {
  readonly socketPath: string;
  readonly requests: RecordedRequest[] = [];
  private server: http.Server;

  constructor() {
    this.socketPath = path.join(scratchDir('recorder'), 'api.sock');
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('Api-Version', '1.41');
        res.setHeader('OSType', 'linux');
        res.setHeader('Content-Type', 'application/json');
        const url = (req.url ?? '').replace(/^\/v1\.\d+/, '');
        if (url === '/_ping') return res.end(req.method === 'HEAD' ? undefined : 'OK');
        if (url === '/version') return res.end(JSON.stringify({ ApiVersion: '1.41', MinAPIVersion: '1.12', Version: '20.10.0', Os: 'linux', Arch: 'amd64' }));
        if (req.method === 'GET' && /^\/containers\/[^/]+\/json$/.test(url)) {
          return res.end(JSON.stringify({ Id: 'c0ffee', State: { Running: true, Status: 'running' }, Config: {} }));
        }
        const raw = Buffer.concat(chunks);
        let body: unknown = raw.length ? raw.toString('utf8') : null;
        if (/json/.test(String(req.headers['content-type'] ?? ''))) body = JSON.parse(String(body));
        else if (raw.length) body = `<${raw.length} bytes>`;
        this.requests.push({ method: req.method ?? '', url, body });
        res.statusCode = 500;
        res.end(JSON.stringify({ message: 'recorded' }));
      });
    });
  }

  get host(): string {
    return `unix://${this.socketPath}`;
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  /** Forgets what was recorded (between two runs). */
  take(): RecordedRequest[] {
    return this.requests.splice(0);
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve())).then(() => fs.rmSync(this.socketPath, { force: true }));
  }
}
