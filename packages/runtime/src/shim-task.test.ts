/**
 * ShimTask's stdin window against a fake shim on a real unix socket: with a shim that
 * acknowledges ('i'), no more than STDIN_WINDOW bytes are ever unacknowledged, writeStdin waits
 * for room, and the bytes arrive whole and in order; a shim without stdinAck gets no window.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@berth/log';
import { encodeFrame, FrameDecoder, FrameType, STDIN_WINDOW } from './shim-protocol';
import { ShimTask } from './shim-task';

interface FakeShim {
  received: Buffer[];
  receivedBytes(): number;
  ack(n: number): void;
}

describe('ShimTask stdin window', () => {
  let dir: string;
  let server: net.Server;
  let shim: FakeShim;
  let tasks: ShimTask[];

  const startShim = async (stdinAck: boolean): Promise<void> => {
    let conn: net.Socket | undefined;
    const received: Buffer[] = [];
    shim = {
      received,
      receivedBytes: () => received.reduce((a, b) => a + b.length, 0),
      ack: (n) => conn!.write(encodeFrame(FrameType.StdinTaken, String(n))),
    };
    server = net.createServer((c) => {
      conn = c;
      const dec = new FrameDecoder((type, payload) => {
        if (type === FrameType.Attach) c.write(encodeFrame(FrameType.Hello, JSON.stringify({ state: 'running', pid: 1, shimPid: 0, ...(stdinAck ? { stdinAck: true } : {}) })));
        if (type === FrameType.Stdin) received.push(Buffer.from(payload));
      });
      c.on('data', (b: Buffer) => dec.push(b));
      c.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'shim.sock'), resolve));
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-shimtask-'));
    tasks = [];
  });
  afterEach(async () => {
    for (const t of tasks) t.detach();
    await new Promise((r) => server.close(r));
    await fs.rm(dir, { recursive: true, force: true });
  });

  const connect = async (): Promise<ShimTask> => {
    const t = await ShimTask.connect('c1', dir, { forceDelete: async () => undefined }, silentLogger);
    tasks.push(t);
    return t;
  };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
  const pattern = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) b.writeUInt32BE(i >>> 2, i);
    return b;
  };

  it('holds the writer at the window until the shim acknowledges; every byte arrives in order', async () => {
    await startShim(true);
    const t = await connect();
    const data = pattern(3 * STDIN_WINDOW);
    let done = false;
    const write = t.writeStdin(data).then(() => {
      done = true;
    });
    await settle();
    expect(shim.receivedBytes()).toBeLessThanOrEqual(STDIN_WINDOW);
    expect(shim.receivedBytes()).toBeGreaterThan(STDIN_WINDOW - 64 * 1024);
    expect(done).toBe(false);
    // the process takes what arrived: room for as many more, never more than the window unacknowledged
    let acked = 0;
    for (let round = 0; round < 20 && !done; round++) {
      const got = shim.receivedBytes();
      shim.ack(got - acked);
      acked = got;
      await settle();
      expect(shim.receivedBytes() - acked).toBeLessThanOrEqual(STDIN_WINDOW);
    }
    expect(done).toBe(true);
    await write;
    expect(Buffer.concat(shim.received).equals(data)).toBe(true);
  });

  it('a shim without stdinAck (an older binary) gets no window', async () => {
    await startShim(false);
    const t = await connect();
    const data = pattern(3 * STDIN_WINDOW);
    await t.writeStdin(data);
    await settle();
    expect(Buffer.concat(shim.received).equals(data)).toBe(true);
  });

  it('a writer waiting for room is released when the connection goes', async () => {
    await startShim(true);
    const t = await connect();
    const write = t.writeStdin(pattern(2 * STDIN_WINDOW));
    await settle();
    t.detach();
    await expect(write).rejects.toThrow(/is not running/);
  });
});
