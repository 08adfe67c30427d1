import { PassThrough, type Readable } from 'node:stream';
import { type Frame, FrameDecoder } from '@berth/api';

/** stdout and stderr split out of one multiplexed stream; both end when the source ends. */
export interface DemuxedStreams {
  stdout: PassThrough;
  stderr: PassThrough;
}

/**
 * Splits a multiplexed (non-TTY) stream into stdout and stderr. Like docker-modem, a stream
 * whose first byte is not a frame type (0, 1, 2) is passed through raw on stdout.
 */
export function demultiplex(source: Readable): DemuxedStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let decided = false;
  let decoder: FrameDecoder | undefined;
  const fail = (e: Error) => {
    stdout.destroy(e);
    stderr.destroy(e);
  };
  const finish = () => {
    stdout.end();
    stderr.end();
  };
  const onData = (chunk: Buffer) => {
    if (!decided) {
      decided = true;
      if (chunk.length > 0 && chunk[0]! > 3) {
        source.off('data', onData);
        source.off('end', onEnd);
        stdout.write(chunk);
        source.pipe(stdout);
        source.on('end', () => stderr.end());
        return;
      }
      decoder = new FrameDecoder();
      decoder.on('data', (f: Frame) => {
        if (f.stream === 'stderr' || f.stream === 'systemErr') stderr.write(f.payload);
        else stdout.write(f.payload);
      });
      decoder.on('error', fail);
      decoder.on('end', finish);
    }
    decoder!.write(chunk);
  };
  const onEnd = () => {
    if (decoder) decoder.end();
    else finish();
  };
  source.on('data', onData);
  source.on('end', onEnd);
  source.on('close', () => {
    if (!decided) finish();
  });
  source.on('error', fail);
  return { stdout, stderr };
}
