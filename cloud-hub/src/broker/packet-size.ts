// Reads MQTT fixed headers as bytes stream past, to refuse a packet by its announced size before
// its body is buffered. aedes' parser (mqtt-packet) has no size limit and would hold up to the
// protocol's 256 MiB per connection. Pure state machine: feed chunks, get a verdict.

/** The largest remaining length MQTT can encode (4 length bytes). */
export const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

export type ScanVerdict =
  | { ok: true }
  | { ok: false; reason: 'oversized'; packetBytes: number; packetType: number }
  | { ok: false; reason: 'malformed'; detail: string };

export class PacketSizeScanner {
  readonly maxPacketBytes: number;
  #phase: 'type' | 'length' | 'body' = 'type';
  #type = 0;
  #lengthBytes = 0;
  #remaining = 0;
  #bodyLeft = 0;
  #failed: ScanVerdict | undefined;

  constructor(maxPacketBytes: number) {
    if (!Number.isSafeInteger(maxPacketBytes) || maxPacketBytes < 2)
      throw new Error(`maxPacketBytes must be a whole number of at least 2, got ${maxPacketBytes}`);
    this.maxPacketBytes = maxPacketBytes;
  }

  /** Advance over `chunk`. Once a verdict is negative it stays negative. */
  push(chunk: Uint8Array): ScanVerdict {
    if (this.#failed) return this.#failed;
    let i = 0;
    while (i < chunk.length) {
      if (this.#phase === 'body') {
        const take = Math.min(this.#bodyLeft, chunk.length - i);
        this.#bodyLeft -= take;
        i += take;
        if (this.#bodyLeft === 0) this.#phase = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.#phase === 'type') {
        this.#type = byte >> 4;
        this.#phase = 'length';
        this.#lengthBytes = 0;
        this.#remaining = 0;
        continue;
      }
      // Variable byte integer: 7 bits per byte, least significant first, high bit = more.
      this.#remaining += (byte & 0x7f) * 128 ** this.#lengthBytes;
      this.#lengthBytes++;
      if (byte & 0x80) {
        if (this.#lengthBytes === 4)
          return this.#fail({
            ok: false,
            reason: 'malformed',
            detail: 'remaining length runs past 4 bytes',
          });
        continue;
      }
      const packetBytes = 1 + this.#lengthBytes + this.#remaining;
      if (packetBytes > this.maxPacketBytes)
        return this.#fail({ ok: false, reason: 'oversized', packetBytes, packetType: this.#type });
      this.#bodyLeft = this.#remaining;
      this.#phase = this.#bodyLeft === 0 ? 'type' : 'body';
    }
    return { ok: true };
  }

  #fail(v: ScanVerdict): ScanVerdict {
    this.#failed = v;
    return v;
  }
}
