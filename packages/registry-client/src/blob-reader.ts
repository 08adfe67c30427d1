import { Readable } from 'node:stream';
import { CancelledError, DataLossError, UnavailableError, isBerthError, messageOf } from '@berth/errdefs';
import { Digester, type Descriptor } from '@berth/oci';
import type { ProgressCallback } from './blob-sink';
import type { Logger } from '@berth/log';
import type { RegistryTransport } from './registry-transport';
import { type RetryPolicy, backoffDelay } from './retry';

/** Parses `Content-Range: bytes START-END/TOTAL` → START. */
function rangeStart(header: string | undefined): number | undefined {
  const m = header ? /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : undefined;
}

export interface BlobReadOptions {
  repository: string;
  desc: Descriptor;
  transport: RegistryTransport;
  retry: RetryPolicy;
  log: Logger;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /**
   * false: sizes are still checked but the bytes are not hashed, for a consumer that verifies
   * the same digest itself before it keeps anything (a layer store checking an uncompressed
   * layer's diffID, which then equals the blob digest): one sha256 pass less per byte.
   */
  verifyDigest?: boolean;
}

/**
 * One blob as a verified stream. A dropped connection is retried (bounded, with backoff) with
 * `Range: bytes=<received>-`; a registry that ignores the range is read from the start and the
 * bytes already delivered are skipped. More bytes than `desc.size`, fewer, or a digest that
 * does not match fail the stream with a DataLossError before it ends.
 */
export function readBlob(o: BlobReadOptions): Readable {
  const { desc, transport, retry, log } = o;
  const scopes = [`repository:${o.repository}:pull`];
  async function* chunks(): AsyncGenerator<Buffer> {
    const digester = o.verifyDigest === false ? undefined : new Digester();
    let offset = 0;
    let failures = 0;
    // Every round that does not finish the blob counts as a failure, so this is bounded.
    for (let round = 0; round <= retry.attempts; round++) {
      const headers: Record<string, string> = {};
      if (offset > 0) headers['Range'] = `bytes=${offset}-`;
      const res = await transport.request({
        method: 'GET',
        path: `/v2/${o.repository}/blobs/${desc.digest}`,
        headers,
        scopes,
        stream: true,
        subject: { kind: 'blob', name: desc.digest },
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const body = res.stream!;
      let skip = 0;
      if (offset > 0) {
        if (res.status === 206) {
          const start = rangeStart(res.headers['content-range']);
          if (start !== offset) {
            body.destroy();
            throw new DataLossError(`blob ${desc.digest}: registry answered range from ${start} when ${offset} was asked`);
          }
        } else {
          skip = offset;
        }
      }
      try {
        for await (const c of body) {
          let b = c as Buffer;
          if (skip > 0) {
            if (b.length <= skip) {
              skip -= b.length;
              continue;
            }
            b = b.subarray(skip);
            skip = 0;
          }
          if (offset + b.length > desc.size) {
            throw new DataLossError(`blob ${desc.digest}: more than the ${desc.size} bytes announced`);
          }
          digester?.update(b);
          offset += b.length;
          o.onProgress?.({ digest: desc.digest, current: offset, total: desc.size, status: 'downloading' });
          yield b;
        }
      } catch (e) {
        body.destroy();
        if (isBerthError(e)) throw e;
        if (o.signal?.aborted) throw new CancelledError(`blob ${desc.digest}: cancelled`, { cause: e });
        failures++;
        if (failures >= retry.attempts) {
          throw new UnavailableError(`blob ${desc.digest}: connection lost after ${offset} of ${desc.size} bytes: ${messageOf(e)}`, { cause: e });
        }
        const delay = backoffDelay(retry, failures);
        log.warn({ digest: desc.digest, offset, failures, delay, err: messageOf(e) }, 'blob download interrupted, resuming');
        await retry.sleep(delay, o.signal);
        continue;
      }
      if (offset === desc.size) break;
      failures++;
      if (failures >= retry.attempts) {
        throw new DataLossError(`blob ${desc.digest}: stream ended after ${offset} of ${desc.size} bytes`);
      }
      const delay = backoffDelay(retry, failures);
      log.warn({ digest: desc.digest, offset, failures, delay }, 'blob stream ended early, resuming');
      await retry.sleep(delay, o.signal);
    }
    if (offset !== desc.size) {
      throw new DataLossError(`blob ${desc.digest}: size mismatch: got ${offset} bytes, expected ${desc.size}`);
    }
    const got = digester?.digest();
    if (got !== undefined && got !== desc.digest) {
      throw new DataLossError(`blob ${desc.digest}: digest mismatch: the registry sent ${desc.size} bytes hashing to ${got}`);
    }
    o.onProgress?.({ digest: desc.digest, current: offset, total: desc.size, status: 'done' });
  }
  return Readable.from(chunks(), { objectMode: false });
}
