import express, { type Express, type RequestHandler } from 'express';
import { standardHeaders } from './standard-headers';
import { apiVersionMiddleware } from './api-version';
import { errorHandler, notFoundHandler } from './error-handler';
import { setHijackTracker } from './hijack';
import type { ConnectionTracker } from './connection-tracker';
import { silentLogger, type Logger } from '@berth/log';

export interface ApiAppOptions {
  /** Route modules (express Routers), mounted in order after the common middleware. */
  routers: RequestHandler[];
  /** Where hijacked sockets are registered (for shutdown). */
  tracker: ConnectionTracker;
  logger?: Logger;
  /** Host directories (the data root) whose paths 5xx messages must not show (public-message.ts). */
  hostPaths?: string[];
}

/**
 * The Engine API as one express app: standard headers, `/vX.Y` prefix handling, the routers,
 * `404 page not found`, and the one error handler. Several http.Servers may share it.
 */
export function createApiApp(opts: ApiAppOptions): Express {
  const logger = opts.logger ?? silentLogger;
  const app = express();
  app.locals.hostPaths = opts.hostPaths ?? [];
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    setHijackTracker(req, opts.tracker);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.debug({ method: req.method, url: req.originalUrl, status: res.statusCode, ms }, 'request');
    });
    next();
  });
  app.use(standardHeaders);
  app.use(apiVersionMiddleware);
  for (const r of opts.routers) app.use(r);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
