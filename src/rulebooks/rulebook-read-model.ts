import type { RulebookVersionStatus } from './rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

/** A stored rulebook version as the rest of Verdict sees it. */
export interface RulebookVersionView {
  key: string;
  /** Semantic version (`1.1.0`). */
  version: string;
  kind: RulebookKind;
  /** The stored lifecycle status; `active` is not a status but a fact of the timeline (`activeVersionAt`). */
  status: RulebookVersionStatus;
  /** `sha256:` + 64 hex digits of the RFC 8785 canonical JSON of `document`. */
  contentHash: string;
  /** `bundled` (imported from `rulebooks/`) or `api` (drafted through the governance API). */
  provenance: string;
  document: RulebookDocument;
}

/**
 * The read model `rulebooks/` exports to the modules above it (decisions, audit, health, governance): the stored
 * versions and the activation timeline as of the last load, answered from memory (the decision hot path never reads
 * the database to pick a version). It is a Nest injection token as well as a type: inject `RulebookReadModel`, never
 * `RulebookRegistry` (which implements it and also loads it); `.dependency-cruiser.cjs` holds the modules below
 * governance to that.
 *
 * Freshness: the model is replaced at once on every reload (after each governance change on this instance, on every
 * change notified by another instance, and by the periodic check), so one call sees one consistent snapshot.
 */
export abstract class RulebookReadModel {
  /** True once the versions and the activation timeline are loaded (readiness). */
  abstract isLoaded(): boolean;

  /** Every stored version of every rulebook, in no particular order. */
  abstract allVersions(): RulebookVersionView[];

  /** Whether any version of the rulebook `key` is stored (constant time). */
  abstract hasRulebook(key: string): boolean;

  /** A stored version, or undefined. */
  abstract find(key: string, version: string): RulebookVersionView | undefined;

  /** The version of `key` active at `asOf` (the period with from <= asOf < until), or undefined when none is. */
  abstract activeVersionAt(key: string, asOf: Date): string | undefined;

  /**
   * The version that evaluates a request: `version` when given, else the version active at `asOf`.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND` / `RULEBOOK_VERSION_NOT_FOUND`; 409 `RULEBOOK_VERSION_NOT_EVALUABLE`
   *   for a draft, in-review, rejected or retired version, or `NO_ACTIVE_VERSION` when none is active at `asOf`
   */
  abstract resolveEvaluable(key: string, version: string | undefined, asOf: Date): RulebookVersionView;

  /** Registers a function called after each successful reload (for example to warm a cache). */
  abstract onChange(listener: () => void): void;
}
