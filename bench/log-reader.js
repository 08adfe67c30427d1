/**
 * The json-file log reader alone (`readLogs` of @berth/runtime, what `docker logs` reads
 * through): a file of BENCH_LOG_LINES (100,000) lines written as the shim writes them, read whole
 * and with `--tail 3`; medians of `runs` reads, in ms and lines/s. No daemon, no root (called by
 * run.js; alone: `node bench/log-reader.js`). It was a timed unit test (< 3 s under jest) before
 * it moved here: speed is measured in benchmarks, the unit test checks what is read.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LINES = Math.max(1, Number(process.env.BENCH_LOG_LINES || 100_000));

function line(i) {
  const t = `2026-11-28T08:00:${String(Math.floor(i / 2000) % 60).padStart(2, '0')}.${String(i % 2000).padStart(9, '0')}Z`;
  return JSON.stringify({ log: `line ${i}\n`, stream: i % 2 ? 'stderr' : 'stdout', time: t }) + '\n';
}

async function benchLogReader(ctx, results) {
  const { readLogs } = require('@berth/runtime');
  const { median, log } = ctx;
  const runs = Math.max(3, ctx.runs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-logs-'));
  try {
    const file = path.join(dir, 'c-json.log');
    const parts = [];
    for (let i = 0; i < LINES; i++) parts.push(line(i));
    fs.writeFileSync(file, parts.join(''));
    const read = async (opts) => {
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const _ of readLogs(file, opts)) n++;
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, n };
    };
    await read({}); // warm-up
    const whole = [];
    const tail = [];
    for (let i = 0; i < runs; i++) {
      const a = await read({});
      if (a.n !== LINES) throw new Error(`read ${a.n} lines of ${LINES}`);
      whole.push(a.ms);
      const b = await read({ tail: 3 });
      if (b.n !== 3) throw new Error(`--tail 3 read ${b.n} lines`);
      tail.push(b.ms);
    }
    const out = { lines: LINES, bytes: fs.statSync(file).size, wholeMs: median(whole), tail3Ms: median(tail), runs };
    out.linesPerSecond = Math.round(LINES / (out.wholeMs / 1000));
    results.logReader = out;
    log(`readLogs of ${LINES} lines: ${out.wholeMs.toFixed(1)} ms whole (${out.linesPerSecond} lines/s), ${out.tail3Ms.toFixed(2)} ms --tail 3 (${runs} runs)`);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function logReaderRows(r) {
  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return [
    [`readLogs, ${r.lines} lines (${fmt(r.bytes / 1e6)} MB), whole`, `${fmt(r.wholeMs)} ms (${r.linesPerSecond} lines/s)`, ''],
    ['readLogs, same file, tail 3', `${fmt(r.tail3Ms, 2)} ms`, ''],
  ];
}

module.exports = { benchLogReader, logReaderRows };

if (require.main === module) {
  const { median, printRows } = require('./common');
  const results = {};
  benchLogReader({ median, runs: Number(process.env.BENCH_RUNS || 15), log: (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`) }, results)
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      printRows(logReaderRows(r));
    })
    .catch((e) => {
      console.error(`bench log-reader: ${e.stack || e}`);
      process.exit(1);
    });
}
