import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from './__fixtures__/docker-registry';

const BIN = path.resolve(__dirname, '../bin/berth-registry.js');
const built = existsSync(path.resolve(__dirname, '../dist/main.js'));

// The binary runs the compiled code: this suite needs `tsc -b packages/registry` first.
(built ? describe : describe.skip)('berth-registry binary', () => {
  let proc: ChildProcess | undefined;
  let tmp = '';
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('serves /v2/ on --addr with --data-root, and stops on SIGTERM', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-bin-'));
    const port = await freePort();
    proc = spawn(process.execPath, [BIN, '--addr', `127.0.0.1:${port}`, '--data-root', tmp], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BERTH_REGISTRY_LOG: 'warn' } });
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(true);
    expect(existsSync(path.join(tmp, 'registry.db'))).toBe(true);
    const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses bad flags with a clear message', async () => {
    const p = spawn(process.execPath, [BIN, '--addr', 'nonsense', '--data-root', path.join(os.tmpdir(), 'never-used-berth')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/addr "nonsense": expected host:port/);
    expect(existsSync(path.join(os.tmpdir(), 'never-used-berth'))).toBe(false);
  });
});
