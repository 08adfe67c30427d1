import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { BerthClient } from '@berth/client';
import { runCli } from './cli';
import { WarmUpTransport } from './warm-up-transport';

async function warm(args: string[]) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(args, {
    io: { stdout, stderr, stdin: new PassThrough() },
    env: {},
    onSignal: () => () => undefined,
    makeClient: (o) => new BerthClient({ ...o, transport: new WarmUpTransport() }),
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

// The snapshot's warm-up (snapshot-main.ts) must walk the commands' whole success path, or the
// blob holds less compiled code than it could: each run ends with exit 0 and no error.
describe('WarmUpTransport', () => {
  it('answers ps, images, exec and run the way berthd would', async () => {
    const ps = await warm(['ps']);
    expect(ps).toMatchObject({ code: 0, stderr: '' });
    expect(ps.stdout).toMatch(/^CONTAINER ID .*\ncccccccccccc +busybox +"sleep 1000" .* warm\n$/s);
    expect(await warm(['images'])).toMatchObject({ code: 0, stderr: '' });
    expect(await warm(['exec', 'warm', 'true'])).toEqual({ code: 0, stdout: 'warm\n', stderr: '' });
    expect(await warm(['run', '--rm', 'busybox', 'true'])).toEqual({ code: 0, stdout: 'warm\n', stderr: '' });
  });

  it('answers what it does not know with a 404', async () => {
    const r = await warm(['volume', 'inspect', 'nothing']);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('No such object') });
  });
});
