import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The governance history and the approvals are append-only (their triggers reject UPDATE and DELETE); the service
 * role also loses the privilege, as for the decision audit tables, so a bug or a stolen service connection cannot
 * rewrite who approved what.
 */
export class GovernanceAppendOnlyGrants1795200000003 implements MigrationInterface {
  name = 'GovernanceAppendOnlyGrants1795200000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON rulebook_history, rulebook_approval FROM verdict_service`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`GRANT UPDATE, DELETE ON rulebook_history, rulebook_approval TO verdict_service`);
  }
}
