/**
 * A defect of a rulebook version found while evaluating it: the rules contradict the version's own outcome policy, so
 * no decision can be given for this input. Thrown by the outcome policy (never guessed around):
 * - `HIT_POLICY_VIOLATION`: two fired rules set different values of a `UNIQUE` outcome field;
 * - `SCORE_PARAMETER_SCORED_TWICE`: two fired rules scored the same parameter of a score (overlapping bands).
 *
 * The static checks of the quality gate are meant to make these unreachable for an approved version; when one still
 * happens the API answers a problem+json with its own code (never `INTERNAL_ERROR`) and the metrics count it.
 */
export class RulebookDefectError extends Error {
  /**
   * @param kind what contradicted the policy
   * @param rulebook `{ key, version }` of the evaluated version
   * @param subject the outcome field path (`news2.riskBand`) or `score.parameter` (`news2.respiratoryRate`)
   * @param rules the names of the two rules in conflict, in evaluation order
   * @param message a sentence naming all of the above
   */
  constructor(
    readonly kind: 'HIT_POLICY_VIOLATION' | 'SCORE_PARAMETER_SCORED_TWICE',
    readonly rulebook: { key: string; version: string },
    readonly subject: string,
    readonly rules: readonly [string, string],
    message: string,
  ) {
    super(message);
    this.name = 'RulebookDefectError';
  }
}
