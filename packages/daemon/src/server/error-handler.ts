import type { NextFunction, Request, Response } from 'express';
import { detailOf, messageOf, NotFoundError, publicMessage } from '@berth/errdefs';
import { httpStatusOf } from './http-status';
import { closeAfterAnswer } from './close-after-answer';
import { isHijacked } from './hijack';
import { jsonStreamOf } from './json-stream';
import { sendJson } from './respond';
import { hostPathsOf } from '../public-message';
import type { Logger } from '@berth/log';

/** Unknown routes: docker's `404 {"message":"page not found"}`. */
export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError('page not found'));
}

/**
 * The one place errors become HTTP: `{"message"}` with the errdefs kind's status; 304 with an
 * empty body; an errorDetail line when a JSON stream has begun; a hijacked socket is ended; a
 * body read only in part: the answer, then the connection closed (closeAfterAnswer).
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = httpStatusOf(err, req.path);
    const message = messageOf(err);
    const detail = detailOf(err);
    const fields = { method: req.method, url: req.originalUrl, status, err: message, ...(detail !== undefined ? { detail } : {}) };
    if (status >= 500) logger.error(fields, 'request failed');
    else logger.debug(fields, 'request refused');
    if (isHijacked(req)) {
      req.socket.end();
      return;
    }
    if (res.headersSent) {
      const stream = jsonStreamOf(res);
      if (stream) stream.fail(err);
      else res.destroy();
      return;
    }
    if (status === 304) {
      res.status(304).end();
      return;
    }
    closeAfterAnswer(req, res, logger); // refused part-way through a body it reads
    sendJson(res, status, { message: publicMessage(err, hostPathsOf(res)) });
  };
}
