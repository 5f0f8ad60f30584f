// The in-process hand-off from the embedded broker to the hub's ingest. aedes acknowledges a
// QoS 1 publish before it forwards it, so a frame forwarded to the ingest subscriber is already
// off the edge's spool while it still sits in the ingest batch: a hub stopped or killed then, or
// started after a device reconnected but before ingest subscribed, loses it. With an intake
// attached, the broker hands each device frame to ingest first and acknowledges it only once
// the ledger has it (or refuses it for good); while no ingest can take frames, device frame
// publishes are refused (the connection drops and the edge sends again from its spool).
//
// Ingest finds its broker by the hub's MQTT user name (made per run, known only to this process)
// and the broker's port; an ingest on an external broker finds none and uses MQTT alone.

/** stored: in the ledger (or a known duplicate); refused: bad for good, drop it; closed: not now. */
export type IntakeOutcome = 'stored' | 'refused' | 'closed';

export type FrameIntake = (topic: string, payload: Buffer) => Promise<IntakeOutcome>;

export interface IntakePort {
  attach(intake: FrameIntake): void;
  detach(intake: FrameIntake): void;
  /** The intake; 'detached' once one has come and gone (the hub is stopping); undefined before. */
  current(): FrameIntake | 'detached' | undefined;
}

export function createIntakePort(): IntakePort {
  let current: FrameIntake | 'detached' | undefined;
  return {
    attach: (intake) => void (current = intake),
    detach: (intake) => {
      if (current === intake) current = 'detached';
    },
    current: () => current,
  };
}

const ports = new Map<string, IntakePort>();
const keyOf = (username: string, port: number): string => `${username}\u0000${port}`;

/** The embedded broker registers its port under its hub user name and listening port. */
export function registerIntakePort(
  hubUsername: string,
  listenPorts: readonly number[],
  port: IntakePort,
): () => void {
  const keys = listenPorts.map((p) => keyOf(hubUsername, p));
  for (const k of keys) ports.set(k, port);
  return () => {
    for (const k of keys) if (ports.get(k) === port) ports.delete(k);
  };
}

/** The port of the embedded broker in this process at this MQTT port for this user, if any. */
export function intakePortFor(username: unknown, mqttPort: unknown): IntakePort | undefined {
  if (typeof username !== 'string' || typeof mqttPort !== 'number') return undefined;
  return ports.get(keyOf(username, mqttPort));
}

/** MQTT filter matching ('+' one level, '#' the rest), for "does this filter take frames?". */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
