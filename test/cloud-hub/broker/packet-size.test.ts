import { describe, expect, it } from 'vitest';
import { PacketSizeScanner } from '../../../cloud-hub/src/broker/packet-size.ts';

// Fixed headers worked out by hand from MQTT 3.1.1 §2.2: type byte, then the remaining length
// as 7-bit groups, least significant first, high bit set on all but the last.
const PINGREQ = [0xc0, 0x00]; // 2 bytes
const publishHeader = (remaining: number): number[] => {
  const out = [0x32];
  let x = remaining;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    out.push(b);
  } while (x > 0);
  return out;
};

describe('MQTT packet size scanner', () => {
  it('passes packets up to the limit and refuses the first one over it, by its header', () => {
    // 321 = 65 + 2·128 → length bytes 0xC1 0x02; packet = 1 + 2 + 321 = 324 bytes.
    expect(publishHeader(321)).toEqual([0x32, 0xc1, 0x02]);
    const s = new PacketSizeScanner(324);
    expect(s.push(Buffer.from([...PINGREQ, ...publishHeader(321)]))).toEqual({ ok: true });
    expect(s.push(Buffer.alloc(321))).toEqual({ ok: true });
    // 322 bytes of body → 325-byte packet: refused before any body byte arrives.
    expect(s.push(Buffer.from(publishHeader(322)))).toEqual({
      ok: false,
      reason: 'oversized',
      packetBytes: 325,
      packetType: 3,
    });
    // Once refused, always refused.
    expect(s.push(Buffer.from(PINGREQ)).ok).toBe(false);
  });

  it('follows packet boundaries across arbitrary chunk splits', () => {
    const stream = Buffer.from([
      ...publishHeader(200),
      ...new Array<number>(200).fill(0xc0), // body bytes that look like headers
      ...PINGREQ,
      ...publishHeader(20_000), // 3 length bytes: 1 + 3 + 20000 = 20004
    ]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const s = new PacketSizeScanner(20_003);
      let last = s.push(Buffer.alloc(0));
      for (let i = 0; i < stream.length; i += size) last = s.push(stream.subarray(i, i + size));
      expect(last).toEqual({ ok: false, reason: 'oversized', packetBytes: 20_004, packetType: 3 });
    }
  });

  it('calls a length that runs past four bytes malformed', () => {
    const s = new PacketSizeScanner(1_000_000);
    expect(s.push(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toEqual({
      ok: false,
      reason: 'malformed',
      detail: 'remaining length runs past 4 bytes',
    });
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new PacketSizeScanner(0)).toThrow(/at least 2/);
  });
});
