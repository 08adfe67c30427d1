/**
 * The layer unpacker against a tar that keeps replacing a big directory (`unpackLayer` of
 * @berth/image-store): 300 files in three directories, then 200 rounds of "d0 becomes a file,
 * then a directory again, with one new file in it" (900 entries), unpacked into a fresh
 * directory; medians of `runs` unpacks in ms. It guards against work that grows with every
 * replacement (a hostile layer must not be able to make an unpack quadratic). It was a timed unit
 * test (< 5 s under jest, which failed at load 12 beside another jest worker) before it moved
 * here: speed is measured in benchmarks; the unit test checks what the unpack leaves. No daemon
 * (called by run.js; alone: `node bench/unpack-replace.js`).
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tar = require('tar-stream');

function replacingTar() {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const file = (name, body) => pack.entry({ name, type: 'file', mode: 0o644 }, body);
  for (let i = 0; i < 300; i++) file(`d${i % 3}/f${i}`, 'x');
  for (let round = 0; round < 200; round++) {
    file('d0', 'now a file');
    pack.entry({ name: 'd0/', type: 'directory', mode: 0o755 });
    file(`d0/g${round}`, 'y');
  }
  pack.finalize();
  return new Promise((resolve, reject) => {
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

async function benchUnpackReplace(ctx, results) {
  const { unpackLayer } = require('@berth/image-store');
  const { Readable } = require('node:stream');
  const { median, log } = ctx;
  const runs = Math.max(3, ctx.runs);
  const body = await replacingTar();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-unpack-'));
  try {
    const once = async (i) => {
      const dest = path.join(base, `d${i}`);
      fs.mkdirSync(dest);
      const t0 = process.hrtime.bigint();
      const r = await unpackLayer(Readable.from([body]), dest);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.entries !== 900) throw new Error(`unpacked ${r.entries} entries of 900`);
      const left = fs.readdirSync(path.join(dest, 'd0'));
      if (left.length !== 1 || left[0] !== 'g199') throw new Error(`d0 holds ${left.join(', ')}`);
      fs.rmSync(dest, { recursive: true, force: true });
      return ms;
    };
    await once('warm');
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await once(i));
    const out = { entries: 900, replacements: 200, medianMs: median(times), runs };
    results.unpackReplace = out;
    log(`unpackLayer of 900 entries replacing d0 200 times: ${out.medianMs.toFixed(1)} ms (${runs} runs)`);
    return out;
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function unpackReplaceRows(r) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return [[`unpackLayer, ${r.entries} entries replacing a 100-file dir ${r.replacements} times`, `${fmt(r.medianMs)} ms`, 'was a unit test bound: < 5000 ms']];
}

module.exports = { benchUnpackReplace, unpackReplaceRows };

if (require.main === module) {
  const { median, printRows } = require('./common');
  const results = {};
  benchUnpackReplace({ median, runs: Number(process.env.BENCH_RUNS || 9), log: (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`) }, results)
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      printRows(unpackReplaceRows(r));
    })
    .catch((e) => {
      console.error(`bench unpack-replace: ${e.stack || e}`);
      process.exit(1);
    });
}
