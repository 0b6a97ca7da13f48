import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a decision needs to be reproduced and understood later (issue 7, items 2, 3 and 9):
 *
 * - `decision.verdict_version`, `decision.verdict_commit`: the Verdict build that decided (package version and git
 *   commit, `unknown` when the build could not tell), returned as the record's `verdict` member.
 * - `decision.fact_patient_ref`: the patient the facts were taken about (`explanation.patient`): `context.patientRef`
 *   when given, else the one Patient in the FHIR input.
 * - `decision.ignored_resources`: the FHIR resources the intake left out and why (`explanation.ignoredResources`, a
 *   JSON array; NULL when none was).
 * - `decision_fact.status`: the FHIR status of the resource a fact came from (`Observation.status`), when known.
 * - `decision_fact.missing_reason`, `decision_fact.missing_detail`: on a `missing` row, why the fact is missing
 *   (`stale`, `status-not-accepted`, `unreadable`, `reference-time-missing`, `not-in-supplied-data`) and the sentence
 *   that explains it; the row's `reference`, `code`, `effective`, `raw_value` and `raw_unit` then describe the reading
 *   that was not used (`explanation.missingFactDetails`).
 *
 * Every column is nullable without a default: decisions recorded before stay as they are (NULL), adding them rewrites
 * no row and fires no append-only trigger, and on the partitioned tables the columns reach every partition. The record
 * hash covers these values only when present, so older records still verify (`src/audit/audit-record-hash.ts`).
 */
export class DecisionBuildAndIntakeProvenance1795300000001 implements MigrationInterface {
  name = 'DecisionBuildAndIntakeProvenance1795300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE decision
        ADD COLUMN verdict_version    text,
        ADD COLUMN verdict_commit     text,
        ADD COLUMN fact_patient_ref   text,
        ADD COLUMN ignored_resources  jsonb CHECK (jsonb_typeof(ignored_resources) = 'array')`);
    await q.query(`
      ALTER TABLE decision_fact
        ADD COLUMN status          text,
        ADD COLUMN missing_reason  text,
        ADD COLUMN missing_detail  text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE decision_fact DROP COLUMN status, DROP COLUMN missing_reason, DROP COLUMN missing_detail`);
    await q.query(`ALTER TABLE decision DROP COLUMN verdict_version, DROP COLUMN verdict_commit, DROP COLUMN fact_patient_ref, DROP COLUMN ignored_resources`);
  }
}
