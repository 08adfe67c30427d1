import type { IncomingMessage } from 'node:http';
import { parseJsonExact } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import { upgradeRequestBody } from './hijack';

const kBody = Symbol('berth.body');
/** JSON bodies are small objects; anything bigger is refused. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

/** Reads a whole (small) request body, whatever its Content-Type. Cached: a second call returns the same bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const m = req as unknown as Record<symbol, Buffer | undefined>;
  const cached = m[kBody];
  if (cached) return cached;
  const up = upgradeRequestBody(req);
  if (up) return (m[kBody] = up);
  if (req.readableEnded) return (m[kBody] = Buffer.alloc(0));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new InvalidArgumentError(`request body: larger than ${limit} bytes`);
    chunks.push(c);
  }
  return (m[kBody] = Buffer.concat(chunks));
}

/**
 * Parses a JSON request body. Any Content-Type is accepted (the CLI sends `text/plain` on some
 * endpoints); an empty body gives `undefined`; malformed JSON is a 400, never a 500. `exact`:
 * numbers as Go's decoder sees them (@berth/api's parseJsonExact: an int64 beyond 2^53 as a
 * bigint, `1e30` as its text), for bodies whose int64 fields are checked as Docker does.
 */
export async function readJsonBody<T = unknown>(req: IncomingMessage, opts: { exact?: boolean } = {}): Promise<T | undefined> {
  const buf = await readBody(req);
  const text = buf.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return (opts.exact ? parseJsonExact(text) : JSON.parse(text)) as T;
  } catch (e) {
    throw new InvalidArgumentError(`invalid JSON body: ${(e as Error).message}`);
  }
}

/** Like readJsonBody, but the body must be a JSON object (or empty, giving `{}`). */
export async function readJsonObject<T extends object = Record<string, unknown>>(req: IncomingMessage): Promise<T> {
  const v = await readJsonBody<unknown>(req);
  if (v === undefined || v === null) return {} as T;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('invalid JSON body: expected an object');
  return v as T;
}
