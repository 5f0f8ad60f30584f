// A pipe delivers bytes in arbitrary pieces (64 KiB on Linux); frames are fixed-size. This
// reassembles exact frame-sized buffers, copying each byte once into a buffer the consumer owns.
// A consumer done with a frame may hand its buffer back (recycle): the next frames reuse it
// instead of allocating, which spares the garbage collector a megabyte or more per frame.

export class FrameChunker {
  readonly frameBytes: number;
  private current: Buffer | undefined;
  private filled = 0;
  private readonly free: Buffer[] = [];
  /** Buffers kept for reuse at most; more handed back are left to the garbage collector. */
  static readonly MAX_FREE = 2;

  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(
        `frame size must be a positive whole number of bytes, got ${frameBytes}`,
      );
    }
    this.frameBytes = frameBytes;
  }

  /** Bytes held towards the next frame. Non-zero at end of stream means a truncated last frame. */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Feeds one piece of the stream; returns the frames it completed, in order. */
  push(chunk: Uint8Array): Buffer[] {
    const done: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      this.current ??= this.free.pop() ?? Buffer.allocUnsafe(this.frameBytes);
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        done.push(this.current);
        this.current = undefined;
        this.filled = 0;
      }
    }
    return done;
  }

  /**
   * Takes back a frame buffer this chunker made, for a later frame to reuse. The caller must not
   * touch it again. A buffer of another size, or one already held, is ignored.
   */
  recycle(frame: Buffer): void {
    if (frame.length !== this.frameBytes || this.free.length >= FrameChunker.MAX_FREE) return;
    if (frame === this.current || this.free.includes(frame)) return;
    this.free.push(frame);
  }
}
