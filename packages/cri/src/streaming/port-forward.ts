import type { Duplex } from 'node:stream';
import type { SpdyConnection, SpdyStream } from './spdy-connection';

/**
 * Kubernetes' portforward protocol (`portforward.k8s.io`) on a SPDY session: for each connection
 * the client opens two streams sharing a `requestid` header, `streamtype: error` and
 * `streamtype: data`, both naming the pod `port`. Once both are there the server connects to that
 * port inside the pod's network namespace (any port: the request's list is advisory, as in
 * containerd) and copies bytes both ways; a failure is written as text
 * on the error stream. The session lasts until the client goes away.
 */
export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'];
/**
 * Port-forward over WebSocket as client-go's tunnelling dialer speaks it (kubectl, crictl
 * `--transport websocket`): the same SPDY session, its bytes carried in binary messages.
 */
export const PORT_FORWARD_WEBSOCKET_PROTOCOLS = ['SPDY/3.1+portforward.k8s.io'];

/** Connects to `port` on the pod's loopback, from inside its network namespace. */
export type PortDialer = (port: number) => Promise<Duplex>;

export function servePortForward(conn: SpdyConnection, dial: PortDialer): Promise<void> {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  conn.on('stream', (s: SpdyStream) => {
    const type = s.header('streamtype');
    const id = s.header('requestid');
    if ((type !== 'error' && type !== 'data') || !/^\d+$/.test(s.header('port'))) {
      conn.reset(s);
      return;
    }
    conn.reply(s);
    const p = pairs.get(id) ?? {};
    p[type] = s;
    pairs.set(id, p);
    if (p.error && p.data) {
      pairs.delete(id);
      void forward(p.error, p.data, Number(s.header('port')), dial);
    }
  });
  return new Promise((resolve) => conn.once('close', () => resolve()));
}

async function forward(error: SpdyStream, data: SpdyStream, port: number, dial: PortDialer): Promise<void> {
  error.resume();
  let target: Duplex;
  try {
    if (port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
    target = await dial(port);
  } catch (e) {
    error.end(`error forwarding port ${port}: ${e instanceof Error ? e.message : String(e)}`);
    data.end();
    return;
  }
  data.pipe(target);
  target.pipe(data);
  const finish = (): void => {
    if (!error.writableEnded) error.end();
  };
  target.on('error', (e) => {
    if (!error.writableEnded) error.end(`error forwarding port ${port}: ${e.message}`);
    data.end();
  });
  target.on('close', finish);
  data.on('close', () => target.destroy());
}
