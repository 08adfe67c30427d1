import { PassThrough } from 'node:stream';
import type { ExecCreateRequest, ExecInspect, ExecStartRequest } from '@berth/api';
import type { ApiConnection } from './api-connection';
import type { AttachedContainer } from './containers-client';
import { demultiplex } from './demux';

/** Exec calls: create in a container, start attached (hijacked) or detached, inspect, resize. */
export class ExecClient {
  constructor(private readonly api: ApiConnection) {}

  /** `POST /containers/{id}/exec` → the exec ID. */
  async create(container: string, body: ExecCreateRequest, signal?: AbortSignal): Promise<string> {
    const r = await this.api.json<{ Id: string }>('POST', `/containers/${container}/exec`, { json: body, signal });
    return r.Id;
  }

  /**
   * `POST /exec/{id}/start` on a hijacked connection (`Detach:false`): output demultiplexed unless
   * `Tty`. The daemon closes the stream when the process ends; the exit code comes from `inspect`.
   */
  async start(id: string, body: ExecStartRequest = {}, signal?: AbortSignal): Promise<AttachedContainer> {
    const conn = await this.api.hijack('POST', `/exec/${id}/start`, { json: { Detach: false, Tty: !!body.Tty }, signal });
    const socket = conn.socket;
    let out: { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
    if (body.Tty) {
      const empty = new PassThrough();
      socket.on('end', () => empty.end());
      socket.on('close', () => empty.end());
      out = { stdout: socket, stderr: empty };
    } else out = demultiplex(socket);
    return { socket, stdout: out.stdout as AttachedContainer['stdout'], stderr: out.stderr as AttachedContainer['stderr'], close: () => socket.destroy() };
  }

  /** `POST /exec/{id}/start` with `Detach:true`: returns once the process runs. */
  startDetached(id: string, body: ExecStartRequest = {}, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/exec/${id}/start`, { json: { Detach: true, Tty: !!body.Tty }, signal });
  }

  inspect(id: string, signal?: AbortSignal): Promise<ExecInspect> {
    return this.api.json<ExecInspect>('GET', `/exec/${id}/json`, { signal });
  }

  resize(id: string, height: number, width: number, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/exec/${id}/resize`, { query: { h: height, w: width }, signal });
  }
}
