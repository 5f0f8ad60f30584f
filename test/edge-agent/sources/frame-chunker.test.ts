import { describe, expect, it } from 'vitest';
import { FrameChunker } from '../../../edge-agent/src/sources/frame-chunker.ts';

const bytes = (...v: number[]): Buffer => Buffer.from(v);

describe('FrameChunker', () => {
  it('reassembles frames split across pieces of any size', () => {
    const c = new FrameChunker(4);
    // Stream 0..9 in pieces of 3, 1, 5, 1: frames are [0..3], [4..7]; 8, 9 stay pending.
    expect(c.push(bytes(0, 1, 2))).toEqual([]);
    expect(c.push(bytes(3))).toEqual([bytes(0, 1, 2, 3)]);
    expect(c.push(bytes(4, 5, 6, 7, 8))).toEqual([bytes(4, 5, 6, 7)]);
    expect(c.pendingBytes).toBe(1);
    expect(c.push(bytes(9))).toEqual([]);
    expect(c.pendingBytes).toBe(2);
  });

  it('returns several whole frames from one large piece, in order', () => {
    const c = new FrameChunker(2);
    expect(c.push(bytes(1, 2, 3, 4, 5, 6))).toEqual([bytes(1, 2), bytes(3, 4), bytes(5, 6)]);
    expect(c.pendingBytes).toBe(0);
  });

  it('hands out frames that later pieces do not overwrite', () => {
    const c = new FrameChunker(2);
    const piece = bytes(7, 8);
    const [frame] = c.push(piece);
    piece[0] = 0;
    c.push(bytes(9, 9));
    expect(frame).toEqual(bytes(7, 8));
  });

  it('rejects a frame size that is not a positive whole number', () => {
    expect(() => new FrameChunker(0)).toThrow(/positive whole number/);
    expect(() => new FrameChunker(1.5)).toThrow(/positive whole number/);
  });
});
