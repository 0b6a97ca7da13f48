import type { DecisionProvenance, DecisionRecord } from './decision-record.js';

/**
 * The write side of the decision audit that other modules use (exported by `AuditModule`; implemented by
 * `DecisionAuditRepository`): commits a decision before it is answered. An abstract class, so that it is also the
 * Nest injection token.
 */
export abstract class DecisionRecorder {
  /**
   * Commits a decision (the `decision` row, one `decision_rule` row per evaluated rule, one `decision_fact` row per
   * fact, the idempotency key) in one transaction, before the decision is answered.
   * @param record the decision as it will be answered
   * @param provenance who asked, the request id, the input hash (`sha256:<hex>` of the body bytes as received), the
   *   idempotency key and the rulebook version's status at decision time
   * @throws the driver error when the write fails (503 by the caller when the database is unavailable); a unique violation on the
   *   idempotency key (SQLSTATE 23505) means another request with the same key committed first
   */
  abstract record(record: DecisionRecord, provenance: DecisionProvenance): Promise<void>;
}
