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
 * LOG_ROTATION_SECONDS (default 120) seconds; every 50th read is a whole read (all files), which
 * must be consecutive from its first line to its last.
 *
 * Through the docker CLI (`node bench/log-rotation.js --cli`, as root, after `npm run build`): a
 * berthd of its own, a busybox container printing without end with `--log-opt max-size=64k
 * --log-opt max-file=3` (the real shim rotating), LOG_ROTATION_READS (default 300) `docker logs
 * --tail 3` reads.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cli = process.argv.includes('--cli');
const READS = Math.max(1, Number(process.env.LOG_ROTATION_READS || (cli ? 300 : 3000)));
const SECONDS = Math.max(1, Number(process.env.LOG_ROTATION_SECONDS || 120));

/** What is wrong with a read's lines ("line <n>" each), or undefined when they are whole. */
function wrong(lines, want) {
  if (want !== undefined && lines.length !== want) return `${lines.length} lines`;
  const nums = lines.map((l) => Number(/^line (\d+)$/.exec(l)?.[1] ?? NaN));
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
  const w = startRotatingWriter(file, { linesPerRead: [lo, hi], maxSize });
  const bad = [];
  let reads = 0;
  let whole = 0;
  const t0 = Date.now();
  let s;
  try {
    await w.ready;
    while (reads < READS && Date.now() - t0 < SECONDS * 1000) {
      const all = reads % 50 === 49;
      const lines = [];
      for await (const e of readLogs(file, all ? {} : { tail: 3 })) lines.push(e.line.toString().replace(/\n$/, ''));
      reads++;
      if (all) whole++;
      const why = wrong(lines, all ? undefined : 3);
      if (why) bad.push(`read ${reads}${all ? ' (whole)' : ''}: ${why}`);
    }
  } finally {
    s = await w.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const secs = (Date.now() - t0) / 1000;
  return { mode: 'in-process', reads, whole, wrong: bad.length, examples: bad.slice(0, 10), seconds: secs, rotations: s.rotations, rotationsPerSecond: Math.round(s.rotations / secs) };
}

async function throughCli() {
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
  const t0 = Date.now();
  let rotations = 0;
  try {
    daemon = await startBerthd(dir);
    execFileSync(makeRootfs, ['-o', path.join(dir, 'busybox.tar')], { stdio: 'ignore' });
    execFileSync('docker', ['import', path.join(dir, 'busybox.tar'), 'busybox:latest'], { env, stdio: 'ignore' });
    const run = docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=64k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', 'i=0; while :; do echo "line $i"; i=$((i+1)); done']);
    if (run.status !== 0) throw new Error(`run: ${run.stderr}`);
    const logPath = JSON.parse(docker(['inspect', 'chatty']).stdout)[0].LogPath;
    while (!fs.existsSync(`${logPath}.2`)) await new Promise((r) => setTimeout(r, 50));
    const first = fs.statSync(logPath).ino;
    let last = first;
    while (reads < READS && Date.now() - t0 < SECONDS * 1000) {
      const r = docker(['logs', '--tail', '3', 'chatty']);
      reads++;
      const lines = r.stdout.split('\n').filter(Boolean);
      const why = r.status !== 0 ? `exit ${r.status}: ${r.stderr.trim()}` : wrong(lines, 3);
      if (why) bad.push(`read ${reads}: ${why}`);
      const ino = fs.statSync(logPath, { throwIfNoEntry: false })?.ino;
      if (ino !== undefined && ino !== last) {
        rotations++;
        last = ino;
      }
    }
    docker(['rm', '-f', 'chatty']);
  } finally {
    await stopProcess(daemon);
    unmountBelow(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // rotations: how often LOG was another file between two reads (a lower bound)
  return { mode: 'docker CLI', reads, wrong: bad.length, examples: bad.slice(0, 10), seconds: (Date.now() - t0) / 1000, rotationsSeenBetweenReads: rotations };
}

if (require.main === module) {
  (cli ? throughCli() : inProcess())
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(`bench log-rotation: ${e.stack || e}`);
      process.exit(1);
    });
}

module.exports = { wrong };
