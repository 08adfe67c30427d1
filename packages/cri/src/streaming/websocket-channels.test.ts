import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { WebSocket } from 'ws';
import { WebSocketChannels } from './websocket-channels';

/** A stand-in for a `ws` WebSocket: what the channels send is kept, messages are delivered by the test. */
class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: Buffer[] = [];
  paused = false;
  send(data: Buffer, _o: unknown, cb?: () => void): void {
    this.sent.push(Buffer.from(data));
    cb?.();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  deliver(bytes: number[] | Buffer): void {
    this.emit('message', Buffer.from(bytes), true);
  }
}

const want = (...c: Array<'stdin' | 'stdout' | 'stderr' | 'error' | 'resize'>) => new Set(c);

describe('WebSocketChannels (remotecommand over WebSocket)', () => {
  it('prefixes writes with the channel byte, announces itself on the lowest channel it writes, routes input by channel', async () => {
    const ws = new FakeWs();
    const ch = new WebSocketChannels(ws as unknown as WebSocket, true);
    const s = ch.streams(want('error', 'stdin', 'stdout', 'stderr'));
    ch.announce(want('error', 'stdin', 'stdout', 'stderr'));
    expect(ws.sent[0]).toEqual(Buffer.from([1]));
    ch.announce(want('error', 'stderr'));
    expect(ws.sent[1]).toEqual(Buffer.from([2]));
    await new Promise<void>((r) => s.stdout!.write(Buffer.from('out'), () => r()));
    await new Promise<void>((r) => s.error.write(Buffer.from('{}'), () => r()));
    expect(ws.sent.slice(2)).toEqual([Buffer.from([1, ...Buffer.from('out')]), Buffer.from([3, ...Buffer.from('{}')])]);
    const got: Buffer[] = [];
    s.stdin!.on('data', (d: Buffer) => got.push(d));
    ws.deliver([0, ...Buffer.from('in')]);
    ws.deliver([4, ...Buffer.from('{"Width":1}')]); // a channel this session has not: dropped
    ws.emit('message', Buffer.from('0text'), false); // text: not the protocol, dropped
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).toString()).toBe('in');
  });

  it('v5: [255, 0] ends stdin; v4 has no CLOSE signal (255 is no channel); the connection closing ends every channel', async () => {
    const ws5 = new FakeWs();
    const s5 = new WebSocketChannels(ws5 as unknown as WebSocket, true).streams(want('error', 'stdin'));
    const ended5 = new Promise((r) => s5.stdin!.on('end', r));
    s5.stdin!.resume();
    ws5.deliver([255, 0]);
    await ended5;

    const ws4 = new FakeWs();
    const s4 = new WebSocketChannels(ws4 as unknown as WebSocket, false).streams(want('error', 'stdin'));
    let ended4 = false;
    s4.stdin!.on('end', () => (ended4 = true));
    s4.stdin!.resume();
    ws4.deliver([255, 0]);
    await new Promise((r) => setImmediate(r));
    expect(ended4).toBe(false);
    ws4.emit('close');
    await new Promise((r) => setImmediate(r));
    expect(ended4).toBe(true);
  });

  it('a reader that does not keep up pauses the socket until it reads again', async () => {
    const ws = new FakeWs();
    const s = new WebSocketChannels(ws as unknown as WebSocket, true).streams(want('error', 'stdin'));
    for (let i = 0; i < 4 && !ws.paused; i++) ws.deliver(Buffer.concat([Buffer.from([0]), Buffer.alloc(8192)]));
    expect(ws.paused).toBe(true);
    s.stdin!.read();
    await new Promise((r) => setImmediate(r));
    expect(ws.paused).toBe(false);
  });
});
