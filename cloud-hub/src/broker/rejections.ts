// Counters of refused connections and packets, by reason, for /metrics and the broker's logs.

export const REJECTION_REASONS = [
  /** Unknown user, wrong password, malformed credentials. */
  'bad_credentials',
  /** Right password for a revoked device. */
  'revoked',
  /** A device using a client id that is not its own. */
  'client_id',
  /** Publish outside the client's own topics. */
  'acl_publish',
  /** Subscribe outside the client's own topics. */
  'acl_subscribe',
  /** A packet larger than max_packet_bytes: the connection is dropped. */
  'oversized',
  /** Bytes that are not MQTT: the connection is dropped. */
  'malformed',
  /** A device frame while the hub's ingest takes none (starting, stopping): the edge resends. */
  'hub_not_ready',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type RejectionCounts = Readonly<Record<RejectionReason, number>>;

export class RejectionCounter {
  readonly #counts = new Map<RejectionReason, number>(REJECTION_REASONS.map((r) => [r, 0]));

  add(reason: RejectionReason): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
  }

  snapshot(): RejectionCounts {
    return Object.freeze(
      Object.fromEntries(REJECTION_REASONS.map((r) => [r, this.#counts.get(r) ?? 0])),
    ) as RejectionCounts;
  }
}
