import { Duplex, Readable } from 'node:stream';
import type { HijackedConnection, Transport, TransportRequest, TransportResponse } from '@berth/client';

const CONTAINER_ID = 'c'.repeat(64);
const EXEC_ID = 'e'.repeat(64);
const CREATED = 1_700_000_000;

/** What a berthd answers for each `METHOD /path` (version prefix and query dropped). */
function answer(method: string, path: string): { status: number; json?: unknown } {
  if (path === '/containers/json') {
    return {
      status: 200,
      json: [
        {
          Id: CONTAINER_ID,
          Names: ['/warm'],
          Image: 'busybox',
          ImageID: `sha256:${'a'.repeat(64)}`,
          Command: 'sleep 1000',
          Created: CREATED,
          Ports: [{ PrivatePort: 80, PublicPort: 8080, Type: 'tcp', IP: '0.0.0.0' }],
          Labels: {},
          State: 'running',
          Status: 'Up 2 minutes',
          HostConfig: { NetworkMode: 'default' },
          NetworkSettings: { Networks: {} },
          Mounts: [],
        },
      ],
    };
  }
  if (path === '/images/json') return { status: 200, json: [] };
  if (method === 'POST' && path === '/containers/create') return { status: 201, json: { Id: CONTAINER_ID, Warnings: [] } };
  if (method === 'GET' && /^\/containers\/[^/]+\/json$/.test(path)) {
    return { status: 200, json: { Id: CONTAINER_ID, Name: '/warm', State: { Status: 'running', Running: true }, Config: { Tty: false } } };
  }
  if (method === 'POST' && /^\/containers\/[^/]+\/exec$/.test(path)) return { status: 201, json: { Id: EXEC_ID } };
  if (method === 'GET' && /^\/exec\/[^/]+\/json$/.test(path)) return { status: 200, json: { ID: EXEC_ID, Running: false, ExitCode: 0 } };
  if (method === 'POST' && /^\/containers\/[^/]+\/wait$/.test(path)) return { status: 200, json: { StatusCode: 0, Error: null } };
  if (method === 'POST' && /^\/containers\/[^/]+\/start$/.test(path)) return { status: 204 };
  return { status: 404, json: { message: `No such object: ${path}` } };
}

/**
 * A transport with canned answers, used only while building the start-up snapshot: `snapshot-main.ts`
 * runs `ps`, `exec` and `run` through it so the client, the commands and their output code are
 * compiled in the blob. In memory only: no socket, no timer, nothing outlives the call.
 */
export class WarmUpTransport implements Transport {
  async request(req: TransportRequest): Promise<TransportResponse> {
    if (req.body instanceof Readable) req.body.resume();
    if (req.path === '/_ping') return { statusCode: 200, headers: { 'api-version': '1.41', ostype: 'linux' }, body: Readable.from([]) };
    const a = answer(req.method, req.path.split('?')[0]!.replace(/^\/v1\.\d+/, ''));
    const text = a.json === undefined ? '' : `${JSON.stringify(a.json)}\n`;
    return { statusCode: a.status, headers: { 'content-type': 'application/json' }, body: Readable.from(text ? [Buffer.from(text)] : []) };
  }

  async hijack(): Promise<HijackedConnection> {
    // one stdout frame ("warm\n"), then the end of the stream
    const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 5]), Buffer.from('warm\n')]);
    let sent = false;
    const socket = new Duplex({
      read() {
        if (sent) return;
        sent = true;
        this.push(frame);
        this.push(null);
      },
      write(_c, _e, cb) {
        cb();
      },
      final(cb) {
        cb();
      },
    });
    return { socket, statusCode: 101 };
  }

  close(): void {}
}
