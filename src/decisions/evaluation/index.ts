/** Rule evaluation: the public API of `src/decisions/evaluation/` (the only user of json-rules-engine). */
export { compileRules, RulebookInconsistentError } from './rulebook-compiler.js';
export { evaluate } from './rulebook-evaluator.js';
export { RulebookDefectError } from './rulebook-defect.error.js';
export type {
  CompiledRules,
  Evaluation,
  ExplainedBoolean,
  ExplainedCondition,
  ExplainedLeaf,
  RuleExplanation,
} from './evaluation.types.js';
