/**
 * `logs --tail` under heavy rotation: how many of N tail reads come back short (fewer lines than
 * asked, or lines that are not consecutive) while a writer rotates 64 KiB files every few ms.
 * Not a speed figure but a count, kept here because it is a load loop (bounded in reads and in
 * time) that has no place in the test suite's time budget.
 *
 * In-process (default; no daemon, no root): `node bench/log-rotation.js` reads with
 * @berth/runtime's readLogs (the built dist) while the shim's rotation runs on a thread of its
 * own (packages/runtime/src/__fixtures__/rotating-log-writer.js: the shim's system calls in the
 * shim's order). LOG_ROTATION_READS (default 3000) reads of `--tail 3`, at most
 * LOG_ROTATION_SECONDS (default 120) seconds; every 50th read (LOG_ROTATION_WHOLE_EVERY) is a
 * whole read (all files), which must be consecutive from its first line to its last and not
 * empty. LOG_ROTATION_MAX_SIZE (bytes, default 64 KiB) and LOG_ROTATION_LINES (lines per pipe
 * read, default 1,4000) set the writer's pace (8192 and 1,100: ~4,000 rotations/s unpaced). It
 * also reports how long the reader held the event loop (p99 and max, ms).
 *
 * Through the docker CLI (`node bench/log-rotation.js --cli`, as root, after `npm run build`): a
 * berthd of its own, a busybox container printing without end with `--log-opt max-size=64k
 * --log-opt max-file=3` (the real shim rotating), LOG_ROTATION_READS (default 300) `docker logs
 * --tail 3` reads. With `--shim` instead of `--cli`: the same container, its log read in-process
 * with readLogs (LOG_ROTATION_READS, default 6000: a read takes a ms, not a CLI's 100), every
 * LOG_ROTATION_WHOLE_EVERY-th (50) a whole read.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const cli = process.argv.includes('--cli');
const READS = Math.max(1, Number(process.env.LOG_ROTATION_READS || (cli ? 300 : process.argv.includes('--shim') ? 6000 : 3000)));
const SECONDS = Math.max(1, Number(process.env.LOG_ROTATION_SECONDS || 120));

/** What is wrong with a read's lines ("line <n>" each), or undefined when they are whole. */
function wrong(lines, want) {
  if (want !== undefined && lines.length !== want) return `${lines.length} lines`;
  const nums = lines.map((l) => Number(/^(?:line )?(\d+)$/.exec(l)?.[1] ?? NaN));
  for (let i = 1; i < nums.length; i++) {
    if (!(nums[i] === nums[i - 1] + 1)) return `not consecutive at ${i}: ${lines[i - 1]} / ${lines[i]}`;
  }
  return undefined;
}

async function inProcess() {
  // LOG_READER_MODULE: another build of the reader (a before/after comparison)
  const { readLogs } = require(process.env.LOG_READER_MODULE || '@berth/runtime');
  const { startRotatingWriter } = require('../packages/runtime/src/__fixtures__/rotating-log-writer.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-rotation-'));
  const file = path.join(dir, 'c-json.log');
  const [lo, hi] = (process.env.LOG_ROTATION_LINES || '1,4000').split(',').map(Number);
  const maxSize = Number(process.env.LOG_ROTATION_MAX_SIZE || 64 * 1024);
  const wholeEvery = Math.max(1, Number(process.env.LOG_ROTATION_WHOLE_EVERY || 50));
  const w = startRotatingWriter(file, { linesPerRead: [lo, hi], maxSize });
  const bad = [];
  let reads = 0;
  let whole = 0;
  const t0 = Date.now();
  let s;
  // how long the reader held the event loop at most (the writer runs on a thread of its own)
  const delay = monitorEventLoopDelay({ resolution: 1 });
  try {
    await w.ready;
    delay.enable();
    while (reads < READS && Date.now() - t0 < SECONDS * 1000) {
      const all = reads % wholeEvery === wholeEvery - 1;
      const lines = [];
      for await (const e of readLogs(file, all ? {} : { tail: 3 })) lines.push(e.line.toString().replace(/\n$/, ''));
      reads++;
      if (all) whole++;
      const why = all && lines.length < 3 ? `${lines.length} lines` : wrong(lines, all ? undefined : 3);
      if (why) bad.push(`read ${reads}${all ? ' (whole)' : ''}: ${why}`);
    }
  } finally {
    delay.disable();
    s = await w.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const secs = (Date.now() - t0) / 1000;
  const eventLoopDelayMs = { p99: Math.round(delay.percentile(99) / 1e4) / 100, max: Math.round(delay.max / 1e4) / 100 };
  return { mode: 'in-process', reads, whole, wrong: bad.length, examples: bad.slice(0, 10), seconds: secs, rotations: s.rotations, rotationsPerSecond: Math.round(s.rotations / secs), eventLoopDelayMs };
}

/** With the real shim: reads through the docker CLI, or (`shim`) readLogs of its log in-process. */
async function withShim(how) {
  const { spawnSync, execFileSync } = require('node:child_process');
  const { startBerthd, stopProcess, unmountBelow, makeRootfs } = require('./common');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-rotation-'));
  const env = { ...process.env, DOCKER_HOST: `unix://${path.join(dir, 'berthd.sock')}`, DOCKER_CONFIG: path.join(dir, 'docker-config') };
  const docker = (args) => {
    const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  let daemon;
  const bad = [];
  let reads = 0;
  let whole = 0;
  const t0 = Date.now();
  let rotations = 0;
  let linesPerSecond;
  let rotationsPerSecond;
  try {
    daemon = await startBerthd(dir);
    execFileSync(makeRootfs, ['-o', path.join(dir, 'busybox.tar')], { stdio: 'ignore' });
    execFileSync('docker', ['import', path.join(dir, 'busybox.tar'), 'busybox:latest'], { env, stdio: 'ignore' });
    // LOG_ROTATION_FAST=1: `seq` (numbers, several times as many lines a second as the shell loop)
    const script = process.env.LOG_ROTATION_FAST ? 'seq 0 4000000000' : 'i=0; while :; do echo "line $i"; i=$((i+1)); done';
    const run = docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=64k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', script]);
    if (run.status !== 0) throw new Error(`run: ${run.stderr}`);
    const logPath = JSON.parse(docker(['inspect', 'chatty']).stdout)[0].LogPath;
    while (!fs.existsSync(`${logPath}.2`)) await new Promise((r) => setTimeout(r, 50));
    let last = fs.statSync(logPath, { throwIfNoEntry: false })?.ino; // LOG is missing for a moment in each rotation
    let firstLine;
    let lastLine;
    const { readLogs } = require(process.env.LOG_READER_MODULE || '@berth/runtime');
    // with --shim, every LOG_ROTATION_WHOLE_EVERY-th read (default 50) is a whole read
    const wholeEvery = how === 'cli' ? Infinity : Math.max(1, Number(process.env.LOG_ROTATION_WHOLE_EVERY || 50));
    const read = async (all) => {
      if (how === 'cli') return docker(['logs', '--tail', '3', 'chatty']);
      let stdout = '';
      for await (const e of readLogs(logPath, all ? {} : { tail: 3 })) stdout += e.line.toString();
      return { status: 0, stdout };
    };
    while (reads < READS && Date.now() - t0 < SECONDS * 1000) {
      const all = reads % wholeEvery === wholeEvery - 1;
      const r = await read(all);
      reads++;
      if (all) whole++;
      const lines = r.stdout.split('\n').filter(Boolean);
      const why = r.status !== 0 ? `exit ${r.status}: ${r.stderr.trim()}` : all && lines.length < 3 ? `${lines.length} lines` : wrong(lines, all ? undefined : 3);
      if (why) bad.push(`read ${reads}${all ? ' (whole)' : ''}: ${why}`);
      const n = Number(/^(?:line )?(\d+)$/.exec(lines[lines.length - 1] ?? '')?.[1]);
      if (Number.isFinite(n)) {
        firstLine ??= { n, t: Date.now() };
        lastLine = { n, t: Date.now(), bytes: fs.statSync(logPath, { throwIfNoEntry: false })?.size };
      }
      const ino = fs.statSync(logPath, { throwIfNoEntry: false })?.ino;
      if (ino !== undefined && ino !== last) {
        rotations++;
        last = ino;
      }
    }
    if (firstLine && lastLine && lastLine.t > firstLine.t) {
      linesPerSecond = Math.round(((lastLine.n - firstLine.n) * 1000) / (lastLine.t - firstLine.t));
      // an entry is `{"log":"line N\n","stream":"stdout","time":"<RFC3339Nano>"}` + newline
      const entry = `{"log":"${process.env.LOG_ROTATION_FAST ? '' : 'line '}${lastLine.n}\\n","stream":"stdout","time":"2026-01-01T00:00:00.123456789Z"}\n`.length;
      rotationsPerSecond = Math.round((linesPerSecond * entry) / (64 * 1024));
    }
  } finally {
    // the container goes before the daemon (a container outlives its berthd, as with dockerd)
    if (daemon) {
      for (let i = 0; i < 3; i++) {
        const rm = docker(['rm', '-f', 'chatty']);
        if (rm.status === 0 || /No such container/.test(rm.stderr)) break;
        console.error(`bench log-rotation: rm -f chatty: ${rm.stderr.trim() || `exit ${rm.status}`}`);
      }
    }
    await stopProcess(daemon);
    unmountBelow(dir);
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    // a shim's last `crun delete` can recreate its state root a moment later
    await new Promise((r) => setTimeout(r, 1000));
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
  // rotations: how often LOG was another file between two reads (a lower bound)
  return { mode: how === 'cli' ? 'docker CLI' : 'in-process, real shim', reads, whole, wrong: bad.length, examples: bad.slice(0, 10), seconds: (Date.now() - t0) / 1000, rotationsSeenBetweenReads: rotations, linesPerSecond, rotationsPerSecond };
}

if (require.main === module) {
  (cli ? withShim('cli') : process.argv.includes('--shim') ? withShim('shim') : inProcess())
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(`bench log-rotation: ${e.stack || e}`);
      process.exit(1);
    });
}

module.exports = { wrong };
