import type { ProblemPointer } from '../../common/domain-error.js';
import type { RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { AnalysisContext } from './analysis-context.js';
import { analyseRule } from './condition-truth.js';
import { fieldsNoRuleSets, gapProblems, overlapProblems, unreachableProblem } from './findings.js';

/**
 * Static checks of a rulebook's rules against its own fact catalog and outcome policy, without evaluating anything
 * (no scenario, no json-rules-engine): what DMN decision-table analysis does for a decision table (overlapping rules
 * that a `UNIQUE` hit policy forbids, and missing rules: OMG DMN 1.4, decision table hit policies; Calvanese, Montali,
 * Dumas and Maggi, "Semantic DMN: Formalizing and Reasoning About Decisions in the Presence of Background Knowledge",
 * Theory and Practice of Logic Programming 19(4):536-573, 2019; Laurson and Maggi, "A Tool for the Analysis of DMN
 * Decision Tables", BPM 2016 Demo Track), applied to json-rules-engine condition trees.
 *
 * Method. Each rule's condition tree becomes two sets of inputs in disjunctive normal form: where it is certainly
 * true (the rule fires) and where it is certainly false. `all` intersects, `any` unites, `not` swaps the two. A
 * conjunction ("cube") constrains each fact to an interval set (number facts, on the grid of their `precision`:
 * integer facts step 1, a temperature at precision 1 steps 0.1, a number without `precision` is continuous, all within
 * the catalog `range`) or to a value set (booleans, `allowedValues`, other strings), plus whether the fact may be
 * missing (`null`; any input fact may be, even one with a `default`). Leaves follow json-rules-engine 7 exactly: order
 * comparisons are false on a missing fact, `equal null` holds only on a missing fact, `notEqual 5` holds on one. Under
 * `missingFactLogic: "kleene"` a leaf on a missing fact is neither true nor false unless every value of the fact's
 * domain gives the same answer, as `evaluateKleene` decides it. Derived facts are variables of their own: a score's
 * `knownTotal` (bounded by the points its rules can give), `maxPoints` and `complete`, with `total` = `knownTotal`
 * when complete and `null` otherwise; an outcome field's values (its `outputOrder`, the values rules set, its
 * `default` and `whenMissing` value, or `null`).
 *
 * Findings, each a problem with a JSON Pointer into `doc` and a message naming the rules, facts and values:
 * - **overlap** (pointer: the later rule): two rules that fire together on some representable input although the
 *   policy forbids it: both score the same `score`+`parameter` (a parameter scores at most once), or both set a
 *   `UNIQUE` outcome field to different values. The message names the overlapping inputs
 *   (`respiratoryRate in [24, 24]`). At run time such an input fails with `RulebookDefectError`.
 * - **boundary gap** (pointer: the later rule): among the rules scoring one parameter or setting one `UNIQUE` field,
 *   two bands of one fact, compatible on every other fact, that leave between them at most `NARROW_GAP_VALUES`
 *   representable values that no rule of the group covers: almost always a boundary typo.
 * - **unreachable rule** (pointer: the leaf that can never hold, else the conditions): no representable input makes
 *   the rule fire (contradictory bounds, a value outside the range or off the precision grid, `in []`, a derived
 *   fact compared with a value it cannot take).
 * - **outcome field no rule sets** (pointer: the field): a `hitPolicy` field that no rule `set`s (single value) or
 *   `add`s to (`COLLECT`), or only rules that can never fire: its value is always its default.
 *
 * What it proves and what it cannot: facts are treated as independent of one another, apart from the link between a
 * score's `total`, `knownTotal` and `complete`. So an overlap is reported when each fact has values on which both
 * rules fire, even if a derived fact could in fact never take its value together with those inputs (a false alarm is
 * possible only with derived facts); an unreachable rule is always truly unreachable. Under Kleene logic a rule that
 * fires only on missing derived facts (a score total certain from its bounds) may be missed. Rules using what cannot be
 * analysed (a `value: { fact }` comparison, operator decorators, `path`, `contains`, a fact not in the catalog or a
 * value of the wrong type, which `compileRules` reports) are left out: no finding involves them, and no gap is
 * reported in a group that has one.
 *
 * @param doc a rulebook document that passes the JSON Schema and whose fact catalog compiles
 * @returns the findings, in this order: unreachable rules, overlaps, gaps, fields no rule sets (empty when none)
 */
export function analyzeRulebookStatically(doc: RulebookDocument): ProblemPointer[] {
  const context = new AnalysisContext(doc);
  const rules = doc.rules.map((rule, index) => analyseRule(rule, index, context));
  return [
    ...rules.flatMap((rule) => unreachableProblem(rule)),
    ...overlapProblems(doc, rules, context),
    ...gapProblems(doc, rules, context),
    ...fieldsNoRuleSets(doc, rules),
  ];
}
