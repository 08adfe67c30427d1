'use strict';
/**
 * A json-file log writer that rotates as berth-shim does, on a thread of its own (a real writer
 * beside the reader, not a fake clock): the same system calls in the same order as the shim's
 * `log_entry` / `log_flush` / `log_rotate` (packages/runtime/shim/berth-shim.c):
 *
 * - each "read" of the container's pipe turns a batch of lines into entries in a buffer; the
 *   buffer is written with one write(2) (O_APPEND) before the next poll, or earlier when an entry
 *   would take the file past max-size: what came before that entry is written to the old file,
 *   then the file is rotated and the entry starts the next one;
 * - rotation: unlink(LOG.(N-1)), rename(LOG.(i-1), LOG.i) for i = N-1 down to 2,
 *   rename(LOG, LOG.1), close(old fd), open(LOG, O_WRONLY|O_CREAT|O_APPEND).
 *
 * Lines are `line <n>` with n counting up from 0, so a reader can check that what it got is whole
 * (consecutive). Used by log-reader.test.ts and bench/log-rotation.js; plain JS so that both the
 * test (from source) and the bench (no TypeScript) can start it.
 */
const fs = require('node:fs');
const { Worker, isMainThread, workerData } = require('node:worker_threads');

if (isMainThread) {
  /**
   * Starts the writer on `file`. Options: maxSize (bytes, default 64 KiB), maxFile (default 3),
   * linesPerRead ([min, max] lines per pipe read, default [1, 4000]), pauseEvery / pauseMs (a
   * pause of pauseMs after that many reads, as a container that prints in bursts; default none).
   * Returns { ready, stop }: `ready` resolves once the log has rotated maxFile times; `stop()`
   * resolves with { lines, rotations }.
   */
  function startRotatingWriter(file, opts = {}) {
    const shared = new Int32Array(new SharedArrayBuffer(16)); // [stop, rotations]
    const w = new Worker(__filename, {
      workerData: {
        file,
        maxSize: opts.maxSize ?? 64 * 1024,
        maxFile: opts.maxFile ?? 3,
        linesPerRead: opts.linesPerRead ?? [1, 4000],
        pauseEvery: opts.pauseEvery ?? 0,
        pauseMs: opts.pauseMs ?? 0,
        shared,
      },
    });
    const done = new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const want = opts.maxFile ?? 3;
    const ready = (async () => {
      while (Atomics.load(shared, 1) < want) await new Promise((r) => setTimeout(r, 5));
    })();
    return {
      ready,
      rotations: () => Atomics.load(shared, 1),
      async stop() {
        Atomics.store(shared, 0, 1);
        return done;
      },
    };
  }
  module.exports = { startRotatingWriter };
} else {
  const { file, maxSize, maxFile, linesPerRead, pauseEvery, pauseMs, shared } = workerData;
  const FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND;
  const LOGBUF = 1024 * 1024;
  const buf = Buffer.allocUnsafe(LOGBUF + 4096);
  let len = 0;
  let size = 0;
  let fd = fs.openSync(file, FLAGS, 0o640);
  let n = 0;
  let rotations = 0;
  let reads = 0;

  const write = (end) => {
    if (end === 0) return;
    fs.writeSync(fd, buf, 0, end);
    size += end;
  };
  const rotate = () => {
    try {
      fs.unlinkSync(`${file}.${maxFile - 1}`);
    } catch {
      // not there yet (ENOENT, as the shim ignores)
    }
    for (let i = maxFile - 1; i > 1; i--) {
      try {
        fs.renameSync(`${file}.${i - 1}`, `${file}.${i}`);
      } catch {
        // not there yet
      }
    }
    fs.renameSync(file, `${file}.1`);
    fs.closeSync(fd);
    fd = fs.openSync(file, FLAGS, 0o640);
    size = 0;
    Atomics.store(shared, 1, ++rotations);
  };
  let time = '';
  const entry = () => {
    if (len > LOGBUF - 4096) {
      write(len);
      len = 0;
    }
    const before = len;
    len += buf.write(`{"log":"line ${n++}\\n","stream":"stdout","time":"${time}"}\n`, len);
    if (size + len > maxSize && size + before > 0) {
      write(before);
      rotate();
      buf.copy(buf, 0, before, len);
      len -= before;
    }
  };
  const [lo, hi] = linesPerRead;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Atomics.load(shared, 0) === 0) {
    time = new Date().toISOString(); // one clock read per pipe read: the writer's cost is the syscalls
    const k = lo + Math.floor(Math.random() * (hi - lo + 1));
    for (let i = 0; i < k; i++) entry();
    write(len); // log_flush() before poll()
    len = 0;
    if (pauseEvery && ++reads % pauseEvery === 0) Atomics.wait(pause, 0, 0, pauseMs);
  }
  fs.closeSync(fd);
  require('node:worker_threads').parentPort.postMessage({ lines: n, rotations });
}
