import { describe, expect, it } from '@jest/globals';
import { encodeFrame, FrameDecoder } from './shim-protocol';

describe('shim frames', () => {
  it('round-trip across arbitrary chunk boundaries', () => {
    const frames: [number, Buffer][] = [
      [1, Buffer.from('hello')],
      [2, Buffer.alloc(0)],
      [0x78, Buffer.alloc(100000, 7)],
      [0x48, Buffer.from('{"state":"running"}')],
    ];
    const wire = Buffer.concat(frames.map(([t, p]) => encodeFrame(t, p)));
    for (const step of [1, 3, 5, 7, 4096, wire.length]) {
      const got: [number, Buffer][] = [];
      const d = new FrameDecoder((t, p) => got.push([t, Buffer.from(p)]));
      for (let i = 0; i < wire.length; i += step) d.push(wire.subarray(i, i + step));
      expect(got).toEqual(frames);
    }
  });

  it('hands output frames on in the pieces they arrive in, without copying; other frames whole', () => {
    const frames: [number, Buffer][] = [
      [1, Buffer.alloc(70000, 1)],
      [0x48, Buffer.from('{"state":"running"}')],
      [2, Buffer.from('err')],
      [1, Buffer.alloc(0)],
      [0x78, Buffer.alloc(30000, 7)],
      [1, Buffer.alloc(5000, 3)],
    ];
    const wire = Buffer.concat(frames.map(([t, p]) => encodeFrame(t, p)));
    const isOutput = (t: number): boolean => t === 1 || t === 2;
    for (const step of [1, 6, 4096, 65536, wire.length]) {
      const calls: [number, Buffer][] = [];
      let views = 0;
      const d = new FrameDecoder((t, p) => {
        if (isOutput(t) && p.buffer === wire.buffer) views++;
        calls.push([t, Buffer.from(p)]);
      }, isOutput);
      for (let i = 0; i < wire.length; i += step) d.push(wire.subarray(i, i + step));
      // consecutive pieces of one output frame joined (no two output frames of a type follow each other here)
      const joined: [number, Buffer][] = [];
      for (const [t, p] of calls) {
        const last = joined[joined.length - 1];
        if (last && isOutput(t) && last[0] === t && p.length > 0 && last[1].length > 0) last[1] = Buffer.concat([last[1], p]);
        else joined.push([t, p]);
      }
      expect(joined).toEqual(frames);
      // every non-empty output piece was a view of the received chunks, never a copy
      expect(views).toBe(calls.filter(([t, p]) => isOutput(t) && p.length > 0).length);
      if (step < 70000) expect(calls.filter(([t]) => t === 1).length).toBeGreaterThan(3);
    }
  });
});
