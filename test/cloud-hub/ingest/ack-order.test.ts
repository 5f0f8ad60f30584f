// The order PUBACKs leave in: arrival order, each once its frame is settled; a frame that was
// not stored gets none and does not hold back the frames after it. Expected ids worked out by
// hand from the arrival order.
import { describe, expect, it } from 'vitest';
import { createAckOrder } from '../../../cloud-hub/src/ingest/ack-order.ts';

describe('PUBACK order on one connection', () => {
  it('acknowledges in arrival order, only once every earlier publish is settled', () => {
    const order = createAckOrder();
    const [a, b, c] = [order.push(11), order.push(12), order.push(13)];
    // 12 and 13 commit before 11 (say 11 is a frame still in its batch, 12 a status message).
    expect(order.settle(b, 'stored')).toEqual({ ack: [], withheld: [] });
    expect(order.settle(c, 'refused')).toEqual({ ack: [], withheld: [] });
    expect(order.waiting()).toBe(3);
    expect(order.settle(a, 'stored')).toEqual({ ack: [11, 12, 13], withheld: [] });
    expect(order.waiting()).toBe(0);
  });

  it('withholds the PUBACK of a frame that was not stored and goes on with the rest', () => {
    const order = createAckOrder();
    const [a, b, c] = [order.push(1), order.push(2), order.push(3)];
    expect(order.settle(a, 'closed')).toEqual({ ack: [], withheld: [1] });
    expect(order.settle(c, 'stored')).toEqual({ ack: [], withheld: [] });
    expect(order.settle(b, 'stored')).toEqual({ ack: [2, 3], withheld: [] });
  });

  it('settles a publish once: a second answer for it changes nothing', () => {
    const order = createAckOrder();
    const a = order.push(7);
    expect(order.settle(a, 'closed')).toEqual({ ack: [], withheld: [7] });
    expect(order.settle(a, 'stored')).toEqual({ ack: [], withheld: [] });
    const b = order.push(8);
    expect(order.settle(b, 'stored')).toEqual({ ack: [8], withheld: [] });
  });
});
