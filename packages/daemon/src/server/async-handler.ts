import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Wraps an async route: a rejection goes to the error handler (which maps it to a status, or
 * to an errorDetail line when a JSON stream has started, or ends a hijacked socket).
 */
export function asyncHandler(fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(fn(req, res));
    } catch (e) {
      next(e);
      return;
    }
    p.catch((e: unknown) => next(e));
  };
}
