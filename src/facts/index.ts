/**
 * The facts module: a rulebook's fact catalog, and the intake of one evaluation's facts from the request's explicit
 * `facts` and FHIR R4 input about the decision's patient (pure functions, no NestJS).
 */
export { compileFactCatalog, takeInFacts, type CompiledFact, type CompiledFactCatalog, type FactIntakeInput } from './fact-catalog.js';
export { validateFhirInput, warmUpFhirValidator } from './fhir-validator.js';
export { DEFAULT_OBSERVATION_STATUSES } from './fhir-derivation.js';
export type {
  FactIntake,
  FactSource,
  IgnoredResource,
  IgnoredResourceReason,
  MissingFactDetail,
  MissingFactReason,
  TakenFact,
} from './taken-fact.js';
