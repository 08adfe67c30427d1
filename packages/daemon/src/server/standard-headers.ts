import type { NextFunction, Request, Response } from 'express';
import { MAX_API_VERSION } from '@berth/api';
import { ENGINE_VERSION } from '../engine-version';

/** The headers dockerd puts on every response (SPEC §1). */
export const STANDARD_HEADERS: Readonly<Record<string, string>> = {
  'Api-Version': MAX_API_VERSION,
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: `Docker/${ENGINE_VERSION} (linux)`,
};

export function standardHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [k, v] of Object.entries(STANDARD_HEADERS)) res.setHeader(k, v);
  next();
}
