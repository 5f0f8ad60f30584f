// Which PUBACKs may go out now, for the QoS 1 publishes of one connection: in the order the
// publishes arrived (MQTT 5 §4.6), each once its frame is settled. A frame that was not stored
// gets none: the broker sends it again when the session resumes. It does not hold back the
// frames after it, so a frame the ledger refuses every time cannot stall ingest. Pure: no I/O.
import type { IntakeOutcome } from '../broker/intake.ts';

export interface AckTicket {
  readonly id: number;
  outcome?: IntakeOutcome;
}

export interface AckStep {
  /** Packet ids to acknowledge now, in arrival order. */
  ack: number[];
  /** Packet ids that will get no PUBACK on this connection (not stored). */
  withheld: number[];
}

export interface AckOrder {
  /** A publish that arrived (its packet id). */
  push(id: number): AckTicket;
  /** What the ledger said about a ticket; a ticket settles once, later calls change nothing. */
  settle(ticket: AckTicket, outcome: IntakeOutcome): AckStep;
  /** Publishes waiting for their PUBACK. */
  waiting(): number;
}

export function createAckOrder(): AckOrder {
  const queue: AckTicket[] = [];
  return {
    push(id) {
      const t: AckTicket = { id };
      queue.push(t);
      return t;
    },
    settle(ticket, outcome) {
      const step: AckStep = { ack: [], withheld: [] };
      if (ticket.outcome !== undefined) return step;
      ticket.outcome = outcome;
      while (queue[0]?.outcome !== undefined) {
        const head = queue.shift() as AckTicket;
        (head.outcome === 'closed' ? step.withheld : step.ack).push(head.id);
      }
      return step;
    },
    waiting: () => queue.length,
  };
}
