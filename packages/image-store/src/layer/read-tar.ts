import type { Readable } from 'node:stream';
import { BerthError, CancelledError, InternalError } from '@berth/errdefs';
import { eachUncompressedChunk } from './decompress';
import { TarExtractFeed } from './tar-extract-feed';
import type { TarSink } from './tar-entry';

/**
 * Streams a tar (uncompressed, gzip, or zstd where Node's zlib has it; detected by magic bytes)
 * into a TarSink, entry by entry, with nothing staged on disk: `docker cp` into a container
 * writes each entry where it belongs as it arrives. Names are binary strings (one char per
 * byte); PAX records and GNU long names are merged in; the sink sees entries in order, each
 * with all its data. A truncated or corrupt stream -> DataLossError; an aborted `signal` ->
 * CancelledError; an error the sink throws is passed on as it is (BerthErrors) or as an
 * InternalError. `keepInput`: an input failed before its end is paused, not destroyed (see
 * eachUncompressedChunk; the caller ends it).
 */
export async function readTar(input: Readable, sink: TarSink, opts: { signal?: AbortSignal; keepInput?: boolean } = {}): Promise<void> {
  const { signal } = opts;
  if (signal?.aborted) throw new CancelledError('tar: cancelled');
  const reader = new TarExtractFeed(sink);
  const onAbort = (): void => {
    input.destroy(new CancelledError('tar: cancelled'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await eachUncompressedChunk(input, (chunk) => {
      if (signal?.aborted) throw new CancelledError('tar: cancelled');
      if (!reader.ended) return reader.push(chunk);
    }, { keepInput: opts.keepInput === true, stopOn: (stop) => reader.whenFailed(stop) });
    if (signal?.aborted) throw new CancelledError('tar: cancelled');
    await reader.end();
  } catch (err) {
    reader.destroy();
    await reader.settled(); // the sink's call in flight, before the caller cleans it up
    if (signal?.aborted && !(err instanceof BerthError)) throw new CancelledError('tar: cancelled', { cause: err });
    if (err instanceof BerthError) throw err;
    throw new InternalError(`tar: ${(err as Error).message}`, { cause: err });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
