import type { Request, Response } from 'express';

/** How long the connection stays half-closed after the answer: Go's closeWriteAndWait (rstAvoidanceDelay). */
export const LINGER_MS = 500;

/**
 * An error answered while the request's body is read only in part (its reading begun, then left
 * paused, e.g. readTar's keepInput): the answer says `Connection: close` and the connection is
 * closed once it is written, as Go's server does (closeWriteAndWait: the response, a FIN, the
 * close 500 ms later). A close at once would make the client, still writing its body, see a
 * reset (a broken pipe) before it read the answer.
 *
 * How, with public APIs only: for a `Connection: close` answer node's server ends the socket
 * once the response is written (the FIN) and destroys it on the socket's 'finish' (that FIN
 * written) with a `once('finish', socket.destroy)` listener. The response's own 'finish' comes
 * first (node's handler for it does that ending), so ours, added later, takes that listener off
 * again and destroys the socket LINGER_MS later instead (or when it closes before).
 */
export function closeAfterAnswer(req: Request, res: Response): void {
  if (req.readableEnded || req.readableFlowing === null || req.destroyed || res.headersSent) return;
  res.setHeader('Connection', 'close');
  const sock = req.socket;
  res.once('finish', () => {
    if (sock.destroyed) return;
    sock.removeListener('finish', sock.destroy);
    const timer = setTimeout(() => sock.destroy(), LINGER_MS);
    timer.unref();
    sock.once('close', () => clearTimeout(timer));
  });
}
