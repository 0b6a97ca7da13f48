import type { ProblemPointer } from '../common/domain-error.js';
import type { CodingToken, ObservationDerivation } from '../rulebooks/rulebook.types.js';
import type { FhirInputIndex, FhirResource } from './fhir-input.js';
import type { NumberReading } from './fhir-quantity.js';
import type { FhirPathExpression } from './fhirpath-expression.js';
import type { IgnoredResource, MissingFactDetail, TakenFact } from './taken-fact.js';

/**
 * The vocabulary of FHIR fact derivation shared by `fhir-facts.mapper.ts` and `observation-facts.ts`: the compiled
 * derivations, the per-evaluation context, and what a derivation returns.
 */

/**
 * `Observation.status` values that count when the catalog gives no `statuses`: `final`, `amended`, `corrected` and
 * `preliminary`. A preliminary vital sign is a real measurement not yet verified; discarding an abnormal one would
 * make triage less urgent, so it counts, and the explanation shows its status. `registered` (no result yet),
 * `unknown`, `entered-in-error` and `cancelled` do not count.
 */
export const DEFAULT_OBSERVATION_STATUSES: readonly string[] = ['final', 'amended', 'corrected', 'preliminary'];

/** Observation statuses that never count: the reading is a mistake or never happened. A catalog may not list them. */
export const NEVER_ACCEPTED_OBSERVATION_STATUSES: readonly string[] = ['entered-in-error', 'cancelled'];

/** A `FhirDerivation` prepared once per rulebook version: code lists as sets, FHIRPath compiled. */
export type CompiledDerivation =
  | {
      kind: 'observation';
      codes: ReadonlySet<CodingToken>;
      panelCodes: ReadonlySet<CodingToken>;
      componentCodes: ReadonlySet<CodingToken>;
      value: ObservationDerivation['value'];
      codeMap: ReadonlyMap<CodingToken, string>;
      /** For `quantity-above`: the threshold of each code. */
      above: ReadonlyMap<CodingToken, { value: number; unit: string }>;
      statuses: ReadonlySet<string>;
      preferCategory: ReadonlySet<CodingToken>;
      /** The catalog's `maxAge` in milliseconds, and as written (for the explanation). */
      maxAge?: { ms: number; text: string };
    }
  | { kind: 'patient-age'; atFact?: string }
  | {
      kind: 'element';
      resourceType: string;
      path: FhirPathExpression;
      where?: FhirPathExpression;
      codeMap?: ReadonlyMap<CodingToken, string>;
    }
  | {
      kind: 'exists';
      resourceType: string;
      where?: FhirPathExpression;
      codePath?: FhirPathExpression;
      codes?: ReadonlySet<CodingToken>;
      activeAt?: { period: FhirPathExpression; atFact?: string };
      absentMeans: 'false' | 'unknown-unless-complete';
    };

/** The compiled `observation` derivation. */
export type ObservationRule = Extract<CompiledDerivation, { kind: 'observation' }>;

/** What one evaluation derives from: the indexed FHIR input about the patient, `asOf`, and the facts taken so far. */
export interface DerivationContext {
  /** The resources about the decision's patient (empty when the request has no FHIR). */
  index: FhirInputIndex;
  /** Whether the request has FHIR input at all. */
  hasFhir: boolean;
  asOf: Date;
  /** Facts already taken in (a fact used as another's `at` is taken before the facts that use it). */
  taken: ReadonlyMap<string, TakenFact>;
  /** Observation effective times, read once per evaluation. */
  effectiveTimes: Map<FhirResource, number | undefined>;
  /** The request's `fhirSearchComplete`: resource types whose search the caller states complete. */
  searchComplete: ReadonlySet<string>;
  /** Resources not used for a fact (status not accepted), appended by the derivations. */
  ignored: IgnoredResource[];
}

/**
 * The outcome of one derivation: a fact; why it is missing; or a value that cannot be read, as both the 422 problem
 * (pointing into the request body) and the missing-fact detail, for the catalog's `onUnreadable` to choose.
 */
export type Derived =
  | { fact: TakenFact }
  | { missing: MissingFactDetail }
  | { unreadable: MissingFactDetail; problem: ProblemPointer };

/** The {@link Derived} of a value that cannot be read: `found` names the resource (and reading) it was found in. */
export function unreadable(problem: ProblemPointer, found: Omit<MissingFactDetail, 'reason' | 'detail'>): Derived {
  const where = found.reference === undefined ? problem.pointer : `${found.reference} (${problem.pointer})`;
  return {
    problem,
    unreadable: { reason: 'unreadable', detail: `${where} ${problem.message}`, ...withoutUndefined(found) },
  };
}

/** The {@link Derived} of a fact with no value in the data supplied. */
export function notInSuppliedData(detail: string): Derived {
  return { missing: { reason: 'not-in-supplied-data', detail } };
}

/** A copy of `object` without its `undefined` members (so that optional members are absent, not undefined). */
export function withoutUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** A {@link NumberReading} as a {@link Derived}, with the provenance of the resource it was read from. */
export function derivedNumber(reading: NumberReading, provenance: Omit<TakenFact, 'value' | 'source'>): Derived {
  if ('fact' in reading) return { fact: { ...reading.fact, ...provenance } };
  const { reference, code, effective, status } = provenance;
  return unreadable(reading.problem, { reference, code, effective, status, rawValue: reading.rawValue, rawUnit: reading.rawUnit });
}

