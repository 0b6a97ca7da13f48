import pg from 'pg';

/** Jest global teardown: drops the template database and stops the embedded PostgreSQL, if one was started. */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.VERDICT_TEST_ADMIN_URL;
  const template = process.env.VERDICT_TEST_TEMPLATE;
  if (adminUrl && template) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
  }
  await globalThis.__verdictEmbedded?.stop();
}
