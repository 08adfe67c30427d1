import type { Request, Response } from 'express';

/**
 * An error answered while the request's body is read only in part (its reading begun, then left
 * paused, e.g. readTar's keepInput): the answer says `Connection: close` and the connection is
 * closed once it is written, as Go's server does (closeWriteAndWait: the response, a FIN, the
 * close 500 ms later). Node would otherwise destroy the socket of an incomplete request at once
 * and the client, still writing its body, would see a broken pipe before it read the answer.
 */
export function closeAfterAnswer(req: Request, res: Response): void {
  if (req.readableEnded || req.readableFlowing === null || req.destroyed || res.headersSent) return;
  res.setHeader('Connection', 'close');
  // node's server calls destroySoon() after a Connection: close answer; ended now, destroyed later
  const sock = req.socket as typeof req.socket & { destroySoon?: () => void };
  sock.destroySoon = () => {
    sock.end();
    setTimeout(() => sock.destroy(), 500).unref();
  };
}
