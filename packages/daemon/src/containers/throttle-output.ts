import type { Duplex } from 'node:stream';
import type { OutputSink, StreamHub } from './stream-hub';

/** Bytes queued towards one attached client before the container's output is held. */
const OUTPUT_BUFFER_LIMIT = 4 * 1024 * 1024;

/** Holds the task's output while `conn` has more than OUTPUT_BUFFER_LIMIT bytes queued. */
export function throttle(hub: StreamHub, sink: OutputSink, conn: Duplex): void {
  if (conn.writableLength <= OUTPUT_BUFFER_LIMIT || conn.destroyed) return;
  hub.hold(sink);
  const resume = (): void => {
    conn.removeListener('drain', resume);
    conn.removeListener('close', resume);
    hub.unhold(sink);
  };
  conn.on('drain', resume);
  conn.on('close', resume);
}
