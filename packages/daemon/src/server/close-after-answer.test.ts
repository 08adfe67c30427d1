import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Request, Response } from 'express';
import type { Logger } from '@berth/log';
import { LINGER_MS, closeAfterAnswer } from './close-after-answer';

/** A socket as node v20's destroySoon leaves it: ended, with its destroy-on-finish listener. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

function setup(nodeListener: (s: FakeSocket) => () => void) {
  const sock = new FakeSocket();
  const res = new EventEmitter() as EventEmitter & { headersSent: boolean; setHeader: (k: string, v: string) => void; headers: Record<string, string> };
  res.headersSent = false;
  res.headers = {};
  res.setHeader = (k, v) => (res.headers[k] = v);
  const req = { readableEnded: false, readableFlowing: false, destroyed: false, socket: sock };
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_o, msg) => warnings.push(String(msg)) };
  closeAfterAnswer(req as unknown as Request, res as unknown as Response, logger);
  // node's resOnFinish (added before ours) calls destroySoon: its listener, then ours
  res.prependOnceListener('finish', () => sock.once('finish', nodeListener(sock)));
  res.emit('finish');
  return { sock, res, warnings };
}

describe('closeAfterAnswer', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("takes node's once('finish', socket.destroy) off and destroys the socket LINGER_MS later", () => {
    const { sock, res, warnings } = setup((s) => s.destroy);
    expect(res.headers).toEqual({ Connection: 'close' });
    sock.emit('finish'); // the FIN written
    expect(sock.destroyed).toBe(false);
    jest.advanceTimersByTime(LINGER_MS - 1);
    expect(sock.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(sock.destroyed).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('says so when node\'s listener is not the socket\'s destroy (a node that binds or wraps it), and still destroys it LINGER_MS later', () => {
    let nodeDestroyed = false;
    const { sock, warnings } = setup(() => () => (nodeDestroyed = true));
    expect(warnings).toEqual([expect.stringMatching(/^closeAfterAnswer: node's destroy-on-finish listener not found/)]);
    sock.emit('finish');
    expect(nodeDestroyed).toBe(true); // node's own listener was left: nothing else could be done
    jest.advanceTimersByTime(LINGER_MS);
    expect(sock.destroyed).toBe(true);
  });
});
