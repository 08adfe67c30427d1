import type { Request, Response } from 'express';
import type { Logger } from '@berth/log';

/** How long the connection stays half-closed after the answer: Go's closeWriteAndWait (rstAvoidanceDelay). */
export const LINGER_MS = 500;

/**
 * An error answered while the request's body is read only in part (its reading begun, then left
 * paused, e.g. readTar's keepInput): the answer says `Connection: close` and the connection is
 * closed once it is written, as Go's server does (closeWriteAndWait: the response, a FIN, the
 * close 500 ms later). A close at once would make the client, still writing its body, see a
 * reset (a broken pipe) before it read the answer.
 *
 * How: this leans on node's internals, reached through public calls, as node v20 has them. For a
 * `Connection: close` answer node's server (`_http_server.js` resOnFinish) calls
 * `socket.destroySoon()`, which ends the socket (the FIN) and adds `once('finish', this.destroy)`
 * to destroy it once that FIN is written. The response's own 'finish' comes first (node's handler
 * for it, added before ours, does that ending), so ours takes that listener off again and destroys
 * the socket LINGER_MS later instead (or when it closes before). Not public API: if node binds or
 * wraps that listener, it is not found here; then a warning is logged and the socket is still
 * destroyed LINGER_MS later, but node's own listener may close it at once, as before this. (If
 * destroySoon finds the socket's writes already finished it destroys it at once; nothing is left
 * to do then.) The guard is api-server.test.ts's "a body refused part-way" test (the close comes
 * LINGER_MS after the FIN, in 3 runs), which fails if node's behaviour changes.
 */
export function closeAfterAnswer(req: Request, res: Response, logger: Logger): void {
  if (req.readableEnded || req.readableFlowing === null || req.destroyed || res.headersSent) return;
  res.setHeader('Connection', 'close');
  const sock = req.socket;
  res.once('finish', () => {
    if (sock.destroyed) return;
    if (sock.listeners('finish').includes(sock.destroy)) sock.removeListener('finish', sock.destroy);
    else logger.warn({ linger: LINGER_MS }, "closeAfterAnswer: node's destroy-on-finish listener not found (node's http server changed?): the connection may be closed at once after the answer, not LINGER_MS later");
    const timer = setTimeout(() => sock.destroy(), LINGER_MS);
    timer.unref();
    sock.once('close', () => clearTimeout(timer));
  });
}
