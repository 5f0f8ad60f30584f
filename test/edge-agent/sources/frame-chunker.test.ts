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

  it('reuses a buffer handed back, with only the new frame in it', () => {
    const c = new FrameChunker(3);
    const [first] = c.push(bytes(1, 2, 3));
    if (!first) throw new Error('no frame');
    c.recycle(first);
    // The next frame arrives in two pieces and lands in the same memory, fully overwritten.
    expect(c.push(bytes(4, 5))).toEqual([]);
    const [second] = c.push(bytes(6));
    expect(second).toBe(first);
    expect(second).toEqual(bytes(4, 5, 6));
    // Frames not handed back are never written again.
    const [third] = c.push(bytes(7, 8, 9));
    c.push(bytes(0, 0, 0));
    expect(third).toEqual(bytes(7, 8, 9));
  });

  it('ignores a buffer of the wrong size and keeps at most two for reuse', () => {
    const c = new FrameChunker(2);
    c.recycle(bytes(1, 2, 3));
    const frames = c.push(bytes(1, 2, 3, 4, 5, 6, 7, 8));
    for (const f of frames) c.recycle(f);
    const again = c.push(bytes(9, 9, 9, 9, 9, 9));
    // Two of the four come back (last handed back, first reused); the third is new memory.
    expect(again.filter((f) => frames.includes(f))).toHaveLength(2);
    expect(again).toEqual([bytes(9, 9), bytes(9, 9), bytes(9, 9)]);
  });

  it('rejects a frame size that is not a positive whole number', () => {
    expect(() => new FrameChunker(0)).toThrow(/positive whole number/);
    expect(() => new FrameChunker(1.5)).toThrow(/positive whole number/);
  });
});
