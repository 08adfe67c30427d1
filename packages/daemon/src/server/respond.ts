import type { ServerResponse } from 'node:http';
import { stringifyJson } from '@berth/api';

/**
 * A JSON response the way dockerd sends it: compact JSON plus `\n`, `Content-Type: application/json`
 * (an int64 held as a bigint written as its digits).
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = stringifyJson(body === undefined ? null : body) + '\n';
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(data));
  res.end(data);
}

/** A response without a body (204 No Content, 201 of `docker tag`, 200 of resize). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', 0);
  res.end();
}
