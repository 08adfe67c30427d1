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
});
