/**
 * Issue 10: stdin has backpressure all the way. A client writes 200 MB into a container's stdin
 * while the process reads nothing for 3 s and then reads it all: the shim holds at most its
 * window (STDIN_WINDOW, acknowledged with 'i' frames) instead of the whole stream, berthd stops
 * reading its client meanwhile, and every byte arrives, in order (md5 of the whole stream).
 */
import { expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { BerthDaemon, clientsFor, ok, processesUnder, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

/** Peak resident memory (VmHWM) of a process, in bytes; undefined once it is gone. */
const peakRss = (pid: number): number | undefined => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

it("200 MB into the stdin of a process that reads slowly: the shim's memory stays bounded, every byte arrives in order", async () => {
  const BLOCK = 64 * 1024;
  const BLOCKS = 3200; // 200 MiB
  // each block carries its number: a reordered or lost block changes the digest
  const block = (i: number): Buffer => {
    const b = Buffer.alloc(BLOCK, i % 251);
    b.writeUInt32BE(i, 0);
    b.writeUInt32BE(i, BLOCK - 4);
    return b;
  };
  const want = createHash('md5');
  const child = spawn('docker', ['run', '-i', '--name', 'slowin', 'busybox', 'sh', '-c', 'sleep 3; md5sum'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DOCKER_HOST: d.host, DOCKER_CONFIG: scratchDir('docker-config-stdin') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // the shims' peak memory, sampled while the stream flows
  const peaks = new Map<number, { cmdline: string; peak: number }>();
  const sample = (): void => {
    for (const p of processesUnder(d.dataRoot)) {
      if (!/berth-shim/.test(p.cmdline)) continue;
      const v = peakRss(p.pid);
      if (v !== undefined) peaks.set(p.pid, { cmdline: p.cmdline, peak: Math.max(v, peaks.get(p.pid)?.peak ?? 0) });
    }
  };
  const sampler = setInterval(sample, 50);
  const deadline = Date.now() + 120_000;
  try {
    for (let i = 0; i < BLOCKS; i++) {
      if (Date.now() > deadline) throw new Error(`stdin: only ${i} of ${BLOCKS} blocks written in 120 s`);
      const b = block(i);
      want.update(b);
      if (!child.stdin.write(b)) await new Promise<void>((resolve) => child.stdin.once('drain', resolve));
    }
    child.stdin.end();
    const code = await exited;
    expect({ code, err }).toEqual({ code: 0, err: '' });
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  expect(out.trim()).toBe(`${want.digest('hex')}  -`);
  const id = ok(await c.docker(['inspect', '--format', '{{.Id}}', 'slowin'])).stdout.trim();
  const shim = [...peaks.values()].find((p) => p.cmdline.includes(id));
  expect(shim).toBeDefined();
  console.log(`stdin backpressure: the container's shim peaked at ${(shim!.peak / 2 ** 20).toFixed(1)} MiB RSS for a 200 MiB stream`);
  // the window (1 MiB) and its queue's growth, the pipe, the binary: far below the stream
  expect(shim!.peak).toBeLessThan(16 * 2 ** 20);
  ok(await c.docker(['rm', 'slowin']));
}, 180_000);
