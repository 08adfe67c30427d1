import * as net from 'node:net';
import { NotImplementedError, UnavailableError } from '@berth/errdefs';
import { loadNetNative } from './netlink-host-net';

/**
 * A TCP connection to `localhost:port` inside the network namespace at `netnsPath` (a
 * `/proc/PID/ns/net` or a bind-mounted netns file): the socket is made and connected on a thread
 * that entered the namespace (native, no process), then handed to node. What CRI port-forward
 * uses to reach a pod's port.
 */
export function dialInNetns(netnsPath: string, port: number): net.Socket {
  const n = loadNetNative();
  if (!n) throw new NotImplementedError('port forwarding: the native network addon is not built');
  let fd: number;
  try {
    fd = n.connectInNetns(netnsPath, port);
  } catch (e) {
    throw new UnavailableError(`port forwarding: ${(e as Error).message}`, { cause: e });
  }
  return new net.Socket({ fd, readable: true, writable: true });
}
