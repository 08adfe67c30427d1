import { PassThrough, type Readable } from 'node:stream';
import { CancelledError, InternalError, InvalidArgumentError, codeOf } from '@berth/errdefs';
import type { Descriptor } from '@berth/oci';
import type { BlobSource, ProgressCallback } from './blob-sink';
import type { RegistryTransport } from './registry-transport';
import { type RetryPolicy, backoffDelay } from './retry';

/** What a push did with one blob. */
export type PushBlobResult = 'exists' | 'mounted' | 'uploaded';

export interface PushBlobOptions {
  repository: string;
  desc: Descriptor;
  source: BlobSource;
  transport: RegistryTransport;
  /** >0: blobs larger than this go in PATCH chunks of this size. */
  chunkSize: number;
  mountFrom: readonly string[];
  retry: RetryPolicy;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location, 'http://placeholder');
  u.searchParams.set('digest', digest);
  return /^[a-z]+:\/\//i.test(location) ? u.toString() : `${u.pathname}${u.search}`;
}

/**
 * Pushes one blob: `HEAD` (skip if present), a cross-repository mount from each of
 * `mountFrom`, else an upload session (`POST`) finished either monolithically (`PUT` with
 * the whole body and `?digest=`) or in `PATCH` chunks with `Content-Range` and a final `PUT`.
 */
export async function pushBlob(o: PushBlobOptions): Promise<PushBlobResult> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  const head = await transport.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${desc.digest}`, scopes, accept: [404], subject, ...sig });
  if (head.status === 200) {
    o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'exists' });
    return 'exists';
  }
  let location: string | undefined;
  for (const from of o.mountFrom) {
    if (from === repository) continue;
    const q = new URLSearchParams({ mount: desc.digest, from });
    const res = await transport.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/?${q.toString()}`,
      headers: { 'Content-Length': '0' },
      scopes: [...scopes, `repository:${from}:pull`],
      subject,
      ...sig,
    });
    if (res.status === 201) {
      o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'mounted' });
      return 'mounted';
    }
    location = res.headers['location'];
    if (location) break;
  }
  await uploadRetrying(o, location, 0);
  o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'done' });
  return 'uploaded';
}

/** Whether a failed upload is tried again (from a new session): the connection was lost, or the registry answered 5xx (or 429). */
function retryableUpload(e: unknown): boolean {
  return codeOf(e) === 'UNAVAILABLE';
}

/** The backoff before try `attempt + 1`, announced first (docker's "Retrying in N seconds"). */
async function waitToRetry(retry: RetryPolicy, attempt: number, desc: { digest: string; size: number }, onProgress: ProgressCallback | undefined, signal?: AbortSignal): Promise<void> {
  const delay = backoffDelay(retry, attempt);
  onProgress?.({ digest: desc.digest, current: 0, total: desc.size, status: 'retrying', retryInMs: delay });
  await retry.sleep(delay, signal);
}

/**
 * Uploads one blob, `failed` tries already behind it: an upload that fails on the way
 * (connection lost, registry restarted) starts over with a new session after a backoff, until
 * the policy's attempts are spent.
 */
async function uploadRetrying(o: PushBlobOptions, started: string | undefined, failed: number): Promise<void> {
  let location = started;
  for (let attempt = failed + 1; ; attempt++) {
    try {
      await upload(o, location);
      return;
    } catch (e) {
      if (o.signal?.aborted) throw new CancelledError(`blob ${o.desc.digest}: cancelled`, { cause: e });
      if (!retryableUpload(e) || attempt >= o.retry.attempts) throw e;
      location = undefined;
      await waitToRetry(o.retry, attempt, o.desc, o.onProgress, o.signal);
    }
  }
}

async function upload(o: PushBlobOptions, started: string | undefined): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  let location = started;
  if (!location) {
    const res = await transport.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, scopes, subject, ...sig });
    location = res.headers['location'];
  }
  if (!location) throw new InternalError(`blob ${desc.digest}: registry started an upload without a Location`);
  try {
    await send(o, location);
  } catch (e) {
    // Best effort: tell the registry to drop the session.
    await transport.request({ method: 'DELETE', path: location, scopes, subject, accept: [404] }).catch(() => undefined);
    throw e;
  }
}

async function send(o: PushBlobOptions, location: string): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  const content = await o.source.open(desc, o.signal);
  if (o.chunkSize > 0 && desc.size > o.chunkSize) {
    await chunkedUpload(o, content, location);
  } else {
    let sent = 0;
    const counted = new PassThrough();
    counted.on('data', (c: Buffer) => {
      sent += c.length;
      o.onProgress?.({ digest: desc.digest, current: sent, total: desc.size, status: 'uploading' });
    });
    content.on('error', (e) => counted.destroy(e));
    content.pipe(counted);
    await transport.request({
      method: 'PUT',
      path: withDigest(location, desc.digest),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) },
      body: counted,
      scopes,
      subject,
      ...sig,
    });
  }
}

async function chunkedUpload(o: PushBlobOptions, content: Readable, first: string): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'upload' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  let location = first;
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const send = async (chunk: Buffer): Promise<void> => {
    const res = await transport.request({
      method: 'PATCH',
      path: location,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(chunk.length),
        'Content-Range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      scopes,
      subject,
      ...sig,
    });
    offset += chunk.length;
    location = res.headers['location'] ?? location;
    o.onProgress?.({ digest: desc.digest, current: offset, total: desc.size, status: 'uploading' });
  };
  for await (const c of content) {
    pending.push(c as Buffer);
    pendingLen += (c as Buffer).length;
    while (pendingLen >= o.chunkSize) {
      const all = Buffer.concat(pending);
      await send(all.subarray(0, o.chunkSize));
      const rest = all.subarray(o.chunkSize);
      pending = rest.length ? [rest] : [];
      pendingLen = rest.length;
    }
  }
  if (pendingLen > 0) await send(Buffer.concat(pending));
  if (offset !== desc.size) throw new InvalidArgumentError(`blob ${desc.digest}: local content has ${offset} bytes, descriptor says ${desc.size}`);
  await transport.request({
    method: 'PUT',
    path: withDigest(location, desc.digest),
    headers: { 'Content-Length': '0' },
    scopes,
    subject,
    ...sig,
  });
}

export interface PushStreamedBlobOptions {
  repository: string;
  transport: RegistryTransport;
  /** What the blob is, for errors (e.g. the layer's diff ID). */
  name: string;
  /** The blob's bytes, read once. */
  body: Readable;
  /** The blob's digest and size, known once `body` has been made (resolved by its producer). */
  made: Promise<{ digest: string; size: number }>;
  /**
   * The blob read again once made (its producer keeps a copy, e.g. in a content store): what the
   * uploads after a failed stream send. Without it a failed stream is final.
   */
  again?: BlobSource;
  retry: RetryPolicy;
  /** Told of each retry (`retrying`) and of the bytes of the uploads after it; the stream's own bytes are the producer's to count. */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/**
 * Pushes a blob whose digest is known only once it has been made (a layer compressed while it
 * is pushed, as docker's pusher does): an upload session (`POST`), the whole body in one
 * streamed `PATCH` (chunked, no Content-Range: the registry API's stream upload), then `PUT
 * ?digest=` once `made` resolves. No `HEAD` first (nothing to ask by). A failure drops the
 * session; one that may pass on another try (connection lost, 5xx) is tried again, as docker
 * retries an upload: the body is read once, so the next tries upload the producer's copy
 * (`again`, once `made`) from new sessions, with backoff, up to the retry policy's attempts in
 * all. Resolves with the digest.
 */
export async function pushStreamedBlob(o: PushStreamedBlobOptions): Promise<string> {
  try {
    return await streamOnce(o);
  } catch (e) {
    // not read any further: its producer goes on without the wire
    o.body.destroy();
    if (o.signal?.aborted) throw new CancelledError(`blob ${o.name}: cancelled`, { cause: e });
    if (!o.again || !retryableUpload(e) || o.retry.attempts <= 1) throw e;
    // the producer's failure, if any, says more than the upload's
    const desc = await o.made;
    await waitToRetry(o.retry, 1, desc, o.onProgress, o.signal);
    await uploadRetrying(
      {
        repository: o.repository,
        desc: { mediaType: 'application/octet-stream', ...desc },
        source: o.again,
        transport: o.transport,
        chunkSize: 0,
        mountFrom: [],
        retry: o.retry,
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      undefined,
      1,
    );
    return desc.digest;
  }
}

async function streamOnce(o: PushStreamedBlobOptions): Promise<string> {
  const { transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: o.name };
  const scopes = [`repository:${repository}:pull,push`];
  const started = await transport.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, scopes, subject, ...sig });
  let location = started.headers['location'];
  if (!location) throw new InternalError(`blob ${o.name}: registry started an upload without a Location`);
  try {
    const res = await transport.request({ method: 'PATCH', path: location, headers: { 'Content-Type': 'application/octet-stream' }, body: o.body, scopes, subject, ...sig });
    location = res.headers['location'] ?? location;
    const { digest } = await o.made;
    await transport.request({ method: 'PUT', path: withDigest(location, digest), headers: { 'Content-Length': '0' }, scopes, subject: { kind: 'blob', name: digest }, ...sig });
    return digest;
  } catch (e) {
    await transport.request({ method: 'DELETE', path: location, scopes, subject, accept: [404] }).catch(() => undefined);
    throw e;
  }
}
