// PUBACK after commit on the ingest's MQTT client. mqtt.js (checked against 5.16) emits
// 'message' for a QoS 1 publish, then calls `client.handleMessage(packet, done)` and sends the
// PUBACK in `done`; `done(err)` skips it, and the next packet is read only after `done`. Holding
// `done` until commit would take one message per transaction (about half the throughput on this
// machine), so for the frames it holds the hook answers `done(err)` at once and this module sends
// each PUBACK itself once the frame's transaction has committed (group commit), in arrival order.
// Publishes are acknowledged only on the connection they came on: after a drop the broker sends
// them again. A frame that was not stored gets no PUBACK; the broker redelivers unacknowledged
// messages only when the session resumes, so ingest then reconnects (after a second).
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { IntakeOutcome } from '../broker/intake.ts';
import { createAckOrder } from './ack-order.ts';
import type { AckOrder } from './ack-order.ts';
import { pubackSender } from './puback.ts';

export interface AckAfterCommitOptions {
  /** Called when ingest reconnects so the broker redelivers frames it could not store. */
  onRedeliver?: () => void;
}

export interface AckAfterCommit {
  /**
   * From a 'message' listener: this QoS 1 packet's PUBACK waits for the returned settle.
   * 'stored' and 'refused' acknowledge it; 'closed' does not. Undefined for QoS 0.
   */
  hold(packet: IPublishPacket): ((outcome: IntakeOutcome) => void) | undefined;
  /** Puts the client's handleMessage back; nothing held is acknowledged after this. */
  release(): void;
}

// mqtt.js reads on and sends no PUBACK; the error goes nowhere else.
const ACK_LATER = new Error('PUBACK after the ledger commit');
// Time for a full disk or a locked ledger to recover before the broker sends frames again.
const REDELIVER_AFTER_MS = 1_000;

export function ackAfterCommit(client: MqttClient, o: AckAfterCommitOptions = {}): AckAfterCommit {
  const sendPuback = pubackSender(client);
  const held = new WeakSet<IPublishPacket>();
  let conn: { stream: unknown; order: AckOrder } | undefined;
  let retry: NodeJS.Timeout | undefined;
  let released = false;

  const own = Object.hasOwn(client, 'handleMessage');
  const previous = client.handleMessage.bind(client);
  client.handleMessage = (packet, done) => {
    const mine = held.delete(packet);
    previous(packet, mine ? (err?: Error) => done(err ?? ACK_LATER) : done);
  };

  // Not after a DISCONNECT either: mqtt.js ends the stream right after it.
  const current = (stream: unknown): boolean =>
    !released && client.stream === stream && client.connected && !client.disconnecting;
  const redeliver = (stream: unknown): void => {
    if (retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      // A connection that dropped meanwhile is redelivered by the reconnect that follows it.
      if (!current(stream)) return;
      o.onRedeliver?.();
      client.reconnect();
    }, REDELIVER_AFTER_MS);
  };

  return {
    hold(packet) {
      if (released || packet.qos !== 1 || packet.messageId === undefined) return undefined;
      const stream = client.stream;
      if (conn?.stream !== stream) conn = { stream, order: createAckOrder() };
      const c = conn;
      const ticket = c.order.push(packet.messageId);
      held.add(packet);
      return (outcome) => {
        const step = c.order.settle(ticket, outcome);
        if (!current(c.stream)) return;
        for (const id of step.ack) sendPuback(id);
        if (step.withheld.length) redeliver(c.stream);
      };
    },
    release() {
      released = true;
      clearTimeout(retry);
      if (own) client.handleMessage = previous;
      else delete (client as Partial<Pick<MqttClient, 'handleMessage'>>).handleMessage;
    },
  };
}
