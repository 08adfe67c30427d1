import { randomBytes } from 'node:crypto';

/** A streaming request as GetExec/GetAttach/GetPortForward accepted it. */
export type StreamRequest =
  | { kind: 'exec'; containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
  | { kind: 'attach'; containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
  | { kind: 'portforward'; sandboxId: string; ports: number[] };

/** How long a URL handed out by the CRI stays valid (kubelet's streaming cache: 1 minute). */
export const STREAM_TOKEN_TTL_MS = 60_000;

/**
 * Single-use, expiring tokens for the URLs the streaming RPCs return: the URL is the only
 * credential the client presents, as in kubelet's request cache.
 */
export class StreamRequestCache {
  private readonly entries = new Map<string, { req: StreamRequest; expires: number }>();

  constructor(private readonly ttlMs = STREAM_TOKEN_TTL_MS) {}

  insert(req: StreamRequest): string {
    this.gc();
    const token = randomBytes(12).toString('base64url');
    this.entries.set(token, { req, expires: Date.now() + this.ttlMs });
    return token;
  }

  /** The request for `token`, removed (a URL works once); undefined when unknown or expired. */
  consume(token: string): StreamRequest | undefined {
    const e = this.entries.get(token);
    this.entries.delete(token);
    if (!e || e.expires < Date.now()) return undefined;
    return e.req;
  }

  private gc(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expires < now) this.entries.delete(k);
  }
}
