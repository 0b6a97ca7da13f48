import type { DecisionRecord, ExplainedFact } from './decision-record.js';

/** A decision read back from the audit, as the API returned it, with the token subject that asked for it. */
export interface RecordedDecision {
  record: DecisionRecord;
  /** The caller (bearer token subject) that asked for the decision. */
  caller: string;
}

/** A stored idempotency key: the hash of the request that used it and the decision it produced. */
export interface StoredIdempotencyKey {
  /** `sha256:<hex>` of the request body bytes as received (the decision's input hash). */
  requestHash: string;
  decisionId: string;
}

/** A fact of an audited decision as stored in `decision_fact`: the canonical value, its UCUM unit and its source. */
export interface RecordedFact {
  name: string;
  value: unknown;
  /** UCUM unit of a quantity (`/min`, `Cel`); null for a fact without unit. */
  unit: string | null;
  source: ExplainedFact['source'] | 'missing';
}

/** What replaying an audited decision on another rulebook version needs of it. */
export interface ReplayableDecision {
  id: string;
  /** The rulebook version that made the decision. */
  version: string;
  /** The clinical instant the decision was about (`as_of`). */
  asOf: Date;
  /** The outcome it gave. */
  outcome: Record<string, unknown>;
  /** Its recorded input facts: those from the request and from FHIR, in evaluation order (defaults, derived and missing facts are not input). */
  facts: RecordedFact[];
  /** Every evaluated rule by name: whether it fired. */
  fired: ReadonlyMap<string, boolean>;
}

/** Which decisions a replay takes: `evaluatedAt` in [from, to), either bound optional. */
export interface ReplayWindow {
  from?: Date;
  to?: Date;
}

/** The decisions a replay takes: read lazily, in batches, newest first. */
export interface ReplaySelection {
  /** True when more decisions were in the window than the limit: only the newest ones are given. */
  truncated: boolean;
  /** The decisions, newest `evaluatedAt` first (ties by id, descending). */
  decisions: AsyncIterable<ReplayableDecision>;
}

/**
 * The read side of the decision audit that other modules use (exported by `AuditModule`; implemented by
 * `DecisionHistoryRepository`): a decision by id, an idempotency key, and past decisions of a rulebook to replay. The
 * modules that read decisions depend on this read model, never on the audit tables or repositories. An abstract class,
 * so that it is also the Nest injection token.
 */
export abstract class DecisionHistory {
  /**
   * Rebuilds a decision from its audit rows, in the shape the API returned it (the same JSON text).
   * @param id the decision id (a lowercase UUID)
   * @returns the record and its caller, or undefined when no decision has this id
   * @throws the driver error when the database cannot be read
   */
  abstract findById(id: string): Promise<RecordedDecision | undefined>;

  /**
   * The idempotency key `key` of `caller`, if stored.
   * @throws the driver error when the database cannot be read
   */
  abstract findIdempotencyKey(caller: string, key: string): Promise<StoredIdempotencyKey | undefined>;

  /**
   * The newest `limit` decisions of a rulebook evaluated in a window, with their recorded input facts and which rules
   * fired, for replaying them on another version (impact analysis). Read in batches as they are iterated, so memory
   * stays bounded by the batch, not by `limit`.
   * @param rulebookKey the rulebook whose decisions are taken (every version)
   * @param window `evaluatedAt` in [from, to); no bound: all time
   * @param limit how many decisions at most (the newest)
   * @throws the driver error when the database cannot be read (while selecting, or while iterating)
   */
  abstract recentForReplay(rulebookKey: string, window: ReplayWindow, limit: number): Promise<ReplaySelection>;
}
