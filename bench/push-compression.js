#!/usr/bin/env node
/**
 * What gzip costs and gains on a push: compresses a realistic layer (a tar of the host's
 * /usr/lib/x86_64-linux-gnu, or BENCH_LAYER=file) with Node's zlib in one stream at levels 1
 * (berthd's), 6 (zlib's default, as Go's that docker uses) and 9, then with berthd's
 * ParallelGzip (gzip members on the thread pool, packages/daemon built) at 1 and 6; reports MB/s
 * of uncompressed input and the size on the wire against the uncompressed tar.
 * Bounded: at most BENCH_LAYER_MB (default 300) MB of the layer is read.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const zlib = require('node:zlib');

const MAX = Number(process.env.BENCH_LAYER_MB || 300) * 1e6;

function layer() {
  if (process.env.BENCH_LAYER) return fs.readFileSync(process.env.BENCH_LAYER).subarray(0, MAX);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gz-')), 'layer.tar');
  spawnSync('tar', ['-cf', out, '-C', '/usr', 'lib/x86_64-linux-gnu'], { stdio: 'ignore', timeout: 120_000 });
  const buf = fs.readFileSync(out).subarray(0, MAX);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return buf;
}

function gzipOnce(buf, level) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const gz = zlib.createGzip({ level, chunkSize: 256 * 1024 });
    let size = 0;
    gz.on('data', (c) => (size += c.length));
    gz.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, size }));
    gz.on('error', reject);
    for (let off = 0; off < buf.length; off += 1 << 20) gz.write(buf.subarray(off, off + (1 << 20)));
    gz.end();
  });
}

/** berthd's push compressor (packages/daemon, built): gzip members on the thread pool. */
function parallelOnce(buf, level) {
  const { ParallelGzip } = require(path.join(__dirname, '..', 'packages', 'daemon', 'dist', 'images', 'parallel-gzip.js'));
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const gz = new ParallelGzip(level);
    let size = 0;
    gz.on('data', (c) => (size += c.length));
    gz.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, size }));
    gz.on('error', reject);
    (async () => {
      for (let off = 0; off < buf.length; off += 1 << 20) {
        if (!gz.write(buf.subarray(off, off + (1 << 20)))) await new Promise((r) => gz.once('drain', r));
      }
      gz.end();
    })().catch(reject);
  });
}

async function main() {
  const buf = layer();
  const mb = buf.length / 1e6;
  console.log(`layer: ${mb.toFixed(0)} MB (uncompressed tar)`);
  for (const level of [1, 6, 9]) {
    const r = await gzipOnce(buf, level);
    console.log(`gzip level ${level}, one stream: ${(mb / (r.ms / 1000)).toFixed(0)} MB/s, ${(r.size / 1e6).toFixed(1)} MB on the wire (${((100 * r.size) / buf.length).toFixed(0)} % of the tar)`);
  }
  for (const level of [1, 6]) {
    const r = await parallelOnce(buf, level);
    console.log(`gzip level ${level}, berthd's members on the thread pool (${os.cpus().length} cores): ${(mb / (r.ms / 1000)).toFixed(0)} MB/s, ${(r.size / 1e6).toFixed(1)} MB on the wire (${((100 * r.size) / buf.length).toFixed(0)} % of the tar)`);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
