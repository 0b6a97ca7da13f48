import type { RulebookDocument } from './rulebook.types.js';

/**
 * Every path of a version's outcome that a decision can set: the outcome fields, their floors (`floorPath`, for
 * example `acuityAtLeast`) and the list of undetermined fields (`undeterminedPath`), in policy order. Impact analysis
 * compares decisions on these paths; the audit's CSV export gives each its own column.
 * @param document a rulebook version
 * @returns dotted outcome paths (`acuity`, `news2.riskBand`, …)
 */
export function outcomePaths(document: Pick<RulebookDocument, 'outcome'>): string[] {
  const paths = document.outcome.fields.flatMap((f) => (f.floorPath ? [f.path, f.floorPath] : [f.path]));
  return document.outcome.undeterminedPath ? [...paths, document.outcome.undeterminedPath] : paths;
}

/**
 * The value of an outcome field by dotted path (`news2.riskBand`).
 * @param outcome a decision's outcome
 * @param path a dotted outcome path
 * @returns the value; `null` under a suppressed (null) parent; `undefined` when the path is absent
 */
export function outcomeValue(outcome: unknown, path: string): unknown {
  let current = outcome;
  for (const part of path.split('.')) {
    if (current === null) return null;
    if (typeof current !== 'object' || !Object.hasOwn(current as object, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
