import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two database roles of Verdict (see `audit/README.md`, "Database roles"):
 *
 * - the **owner**: the role that connects with `DATABASE_URL` and runs the migrations; it owns every table.
 * - `verdict_service` (NOLOGIN): the privileges the running service has. The owner is made a member, and the
 *   service's pool starts each session with `-c role=verdict_service`, so every query of the service runs with these
 *   privileges only, even when the owner is a superuser (the embedded PostgreSQL). On audit tables it may SELECT and
 *   INSERT, never UPDATE, DELETE or TRUNCATE; on the other tables SELECT, INSERT, UPDATE and DELETE.
 *
 * Roles belong to the cluster, not the database: the role is created only when missing (several databases of one
 * server share it), and a concurrent creation by another database's migration is not an error.
 */
export class ServiceRole1795200000000 implements MigrationInterface {
  name = 'ServiceRole1795200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'verdict_service') THEN
          BEGIN
            CREATE ROLE verdict_service NOLOGIN;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by the migration of another database of this server
          END;
        END IF;
      END $$`);
    await q.query(`
      DO $$
      BEGIN
        IF NOT pg_has_role(current_user, 'verdict_service', 'MEMBER') THEN
          EXECUTE format('GRANT verdict_service TO %I', current_user);
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO verdict_service`);
    // Tables and sequences of other features (present and future) are usable by the service; the audit tables are
    // narrowed below and by the migrations that create them.
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO verdict_service`);
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO verdict_service`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO verdict_service`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO verdict_service`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON decision, decision_rule, decision_fact, idempotency_key, rulebook_activation FROM verdict_service`);
    // The migrations table: read by the readiness probe, written only by the owner.
    await q.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migration FROM verdict_service`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM verdict_service`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM verdict_service`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM verdict_service`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM verdict_service`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM verdict_service`);
    // The role itself stays: other databases of this server may use it.
  }
}
