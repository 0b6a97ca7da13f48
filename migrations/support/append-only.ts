import type { QueryRunner } from 'typeorm';

/**
 * Makes an audit table append-only twice over: triggers reject UPDATE, DELETE and TRUNCATE (function
 * `verdict_reject_audit_change()`, created by the initial schema) for everyone, and the service role
 * `verdict_service` may only SELECT and INSERT. For migrations that create audit tables.
 */
export async function makeAppendOnly(q: QueryRunner, table: string): Promise<void> {
  await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
                 FOR EACH ROW EXECUTE FUNCTION verdict_reject_audit_change()`);
  await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
                 FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_audit_change()`);
  await q.query(`GRANT SELECT, INSERT ON ${table} TO verdict_service`);
  await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM verdict_service`);
}
