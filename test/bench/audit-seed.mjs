// Fills a database with realistic decisions for the audit benchmark: `npm run audit:seed -- --decisions 1000000`.
//
// Realistic means: the decisions are real evaluations of the bundled rulebooks (ed-triage on random adult and child
// vital signs, some facts missing; scheduling-eligibility on its scenarios' inputs, shifted), so every decision has
// its real rule rows (with explained conditions) and fact rows; spread over --months months with a day/night rhythm;
// patients drawn from a skewed distribution (a few patients have many decisions, most a few); encounters per patient
// and day; three callers; workflow and source-event ids; idempotency keys on a third. Each decision carries its
// record hash, and the chain is sealed at the end, as the service would have done.
//
// Speed: the distinct evaluations (templates) are computed once and kept in temporary tables; each batch of
// decisions is one INSERT statement that expands them server-side, two batches in flight on two connections. Bulk
// load as the owner with session_replication_role = replica when allowed (as pg_restore does): the foreign-key
// checks and triggers are skipped for the load only; the data satisfies them by construction.
//
// Database: DATABASE_URL, else the embedded PostgreSQL under DATA_DIR (database verdict_audit_bench). The database
// must hold no sealed chain yet: decisions older than the chain's horizon would rightly read as inserted records.
import { randomUUID, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchDatabaseUrl } from './audit-bench-database.mjs';

const { values } = parseArgs({ options: {
  decisions: { type: 'string', default: '100000' },
  months: { type: 'string', default: '12' },
  patients: { type: 'string' },
  batch: { type: 'string', default: '2000' },
  seed: { type: 'string', default: '42' },
} });
const total = Number(values.decisions);
const months = Number(values.months);
const patients = Number(values.patients ?? Math.max(10, Math.round(total / 10)));
const batchSize = Number(values.batch);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(months) || months < 1 || months > 120 || !(batchSize > 0)) {
  console.error('usage: npm run audit:seed -- --decisions <n> [--months 12] [--patients n/10] [--batch 2000]');
  process.exit(2);
}

const { migrateDatabase } = await import('../../dist/src/database/migrate-database.js');
const { createDataSource } = await import('../../dist/src/database/data-source.js');
const { RulebookBundleImporter } = await import('../../dist/src/rulebooks/rulebook-bundle.importer.js');
const { loadAppConfig } = await import('../../dist/src/config/app.config.js');
const { readRulebookDirectory } = await import('../../dist/src/rulebooks/rulebook-file.loader.js');
const { compileFactCatalog, takeInFacts } = await import('../../dist/src/facts/index.js');
const { compileRules, evaluate } = await import('../../dist/src/decisions/evaluation/index.js');
const { buildExplanation, ruleInput } = await import('../../dist/src/decisions/decision-explanation.js');
const { contentHash } = await import('../../dist/src/common/canonical-json.js');
const { auditRecordHash, rulesDigest, factsDigest, instant } = await import('../../dist/src/audit/audit-record-hash.js');
const { sealBatch } = await import('../../dist/src/audit/chain/chain-sealing.js');

// A small deterministic PRNG (mulberry32) so two runs with the same --seed generate the same data shape.
let state = Number(values.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const between = (lo, hi) => lo + random() * (hi - lo);
const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);

const { url, stop } = await benchDatabaseUrl(log);
try {
  await migrateDatabase(url);
  const config = loadAppConfig({ ...process.env, DATABASE_URL: url });
  const dataSource = createDataSource(url, 1);
  await dataSource.initialize();
  await new RulebookBundleImporter(dataSource, config).importBundled();
  await dataSource.destroy();

  const clients = [new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' }), new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' })];
  for (const c of clients) await c.connect();
  const [main] = clients;
  const sealed = await main.query(`SELECT count(*)::int AS n FROM decision_chain_seal`);
  if (sealed.rows[0].n > 0) {
    throw new Error('this database already has a sealed audit chain: seed an empty database (a new DATABASE_URL, or remove the embedded verdict_audit_bench database)');
  }
  let replica = true;
  for (const c of clients) {
    try { await c.query(`SET session_replication_role = replica`); } catch { replica = false; }
  }
  log(`seeding ${total} decisions over ${months} months for ${patients} patients${replica ? ' (bulk load: session_replication_role = replica)' : ''}`);

  // 1. Templates: real evaluations of the bundled rulebooks.
  const files = readRulebookDirectory(config.rulebooksDir);
  const templates = [];
  const adult = () => ({
    ageYears: Math.round(between(16, 95) * 10) / 10, respiratoryRate: Math.round(between(8, 32)), spo2: Math.round(between(84, 100)),
    onSupplementalOxygen: random() < 0.15, systolicBp: Math.round(between(80, 200)), heartRate: Math.round(between(40, 140)),
    consciousness: random() < 0.93 ? 'A' : pick(['C', 'V', 'P', 'U']), temperatureC: Math.round(between(35, 40) * 10) / 10,
    painScore: Math.round(between(0, 10)),
    lifeSavingInterventionRequired: random() < 0.03, highRiskSituation: random() < 0.12, expectedResourceCount: Math.floor(between(0, 4)),
  });
  const child = () => ({
    ageYears: Math.round(between(0.1, 15.9) * 10) / 10, respiratoryRate: Math.round(between(14, 60)), spo2: Math.round(between(88, 100)),
    heartRate: Math.round(between(70, 190)), temperatureC: Math.round(between(36, 40.5) * 10) / 10, consciousness: 'A',
    lifeSavingInterventionRequired: random() < 0.02, highRiskSituation: random() < 0.1, expectedResourceCount: Math.floor(between(0, 3)),
  });
  for (const file of files) {
    const doc = file.document;
    const catalog = compileFactCatalog(doc.facts);
    const rules = compileRules(doc);
    const inputs = doc.key === 'ed-triage'
      ? Array.from({ length: 400 }, () => {
          const facts = random() < 0.8 ? adult() : child();
          for (const name of Object.keys(facts)) if (random() < 0.05) delete facts[name]; // some vitals not taken
          return { facts, asOf: new Date() };
        })
      : doc.scenarios.filter((s) => s.facts && !s.fhir).map((s) => ({ facts: s.facts, asOf: new Date(s.asOf) }));
    for (const input of inputs) {
      let intake;
      try { intake = takeInFacts(catalog, { facts: input.facts, asOf: input.asOf }); } catch { continue; }
      const evaluation = await evaluate(rules, ruleInput(doc, intake));
      const explanation = buildExplanation(doc, intake, evaluation);
      const ruleRows = JSON.parse(JSON.stringify(explanation.rules.map((r, ordinal) => ({ ordinal, name: r.name, stage: r.stage, priority: r.priority, fired: r.fired, event: r.event, conditions: r.conditions }))));
      const factRows = Object.entries(explanation.facts).map(([name, f], ordinal) => ({ ordinal, name, value: f.value ?? null, unit: f.unit ?? null, source: f.source,
        reference: f.reference ?? null, code: f.code ?? null, effective: instant(f.effective ?? null), raw_value: f.rawValue ?? null, raw_unit: f.rawUnit ?? null }));
      for (const name of explanation.missingFacts) factRows.push({ ordinal: factRows.length, name, value: null, unit: null, source: 'missing', reference: null, code: null, effective: null, raw_value: null, raw_unit: null });
      const facts = JSON.parse(JSON.stringify(factRows));
      templates.push({
        index: templates.length, key: doc.key, version: doc.version, contentHash: contentHash(doc), outcome: JSON.parse(JSON.stringify(evaluation.outcome)),
        rules: ruleRows, facts,
        rulesDigest: rulesDigest(ruleRows),
        factsDigest: factsDigest(facts.map((f) => ({ ...f, rawValue: f.raw_value, rawUnit: f.raw_unit }))),
        input: input.facts,
      });
    }
  }
  const triage = templates.filter((t) => t.key === 'ed-triage');
  const scheduling = templates.filter((t) => t.key !== 'ed-triage');
  for (const c of clients) {
    await c.query(`CREATE TEMP TABLE seed_rule (template int, ordinal int, name text, stage int, priority int, fired boolean, event jsonb, conditions jsonb)`);
    await c.query(`CREATE TEMP TABLE seed_fact (template int, ordinal int, name text, value jsonb, unit text, source text, reference text, code text, effective timestamptz, raw_value jsonb, raw_unit text)`);
    for (const t of templates) {
      await c.query(`INSERT INTO seed_rule SELECT $1, x.* FROM jsonb_to_recordset($2::jsonb) AS x(ordinal int, name text, stage int, priority int, fired boolean, event jsonb, conditions jsonb)`, [t.index, JSON.stringify(t.rules)]);
      await c.query(`INSERT INTO seed_fact SELECT $1, x.* FROM jsonb_to_recordset($2::jsonb) AS x(ordinal int, name text, value jsonb, unit text, source text, reference text, code text, effective timestamptz, raw_value jsonb, raw_unit text)`, [t.index, JSON.stringify(t.facts)]);
    }
    await c.query(`CREATE INDEX ON seed_rule (template)`);
    await c.query(`CREATE INDEX ON seed_fact (template)`);
    await c.query(`ANALYZE seed_rule; ANALYZE seed_fact`);
  }
  log(`${templates.length} distinct evaluations (${triage.length} ed-triage, ${scheduling.length} scheduling-eligibility)`);

  // 2. Decisions.
  const end = Date.now() - 10 * 60_000;
  const start = end - months * 30.44 * 86_400_000;
  await main.query(`SELECT verdict_create_audit_partitions($1, $2)`, [new Date(start), months + 2]);
  const callers = ['epic-bridge', 'triage-router', 'scheduler'];
  const hourWeight = Array.from({ length: 24 }, (_, h) => 0.3 + Math.sin(((h - 4) / 24) * Math.PI) ** 2); // busy by day
  const maxWeight = Math.max(...hourWeight);
  const instantAt = () => {
    for (;;) {
      const t = between(start, end);
      if (random() * maxWeight <= hourWeight[new Date(t).getUTCHours()]) return t;
    }
  };
  // Skewed patients: the square of a uniform number picks low-numbered patients more often.
  const patient = () => `Patient/p${Math.floor(random() ** 2 * patients)}`;
  const batch = (n) => {
    const rows = [];
    for (let i = 0; i < n; i++) {
      const schedulingDecision = random() < 0.3;
      const t = schedulingDecision ? pick(scheduling) : pick(triage);
      const at = new Date(Math.floor(instantAt()));
      const caller = schedulingDecision ? 'scheduler' : pick(callers.slice(0, 2));
      const p = random() < 0.97 ? patient() : null;
      const row = {
        id: randomUUID(), evaluated_at: at.toISOString(), caller, request_id: randomUUID(), template: t.index,
        rulebook_key: t.key, rulebook_version: t.version, content_hash: t.contentHash, rulebook_status: 'approved',
        as_of: new Date(at.getTime() - Math.floor(random() * 300_000)).toISOString(),
        workflow_instance_id: random() < 0.8 ? `wf-${Math.floor(random() * 1e9).toString(36)}` : null,
        source_event_id: random() < 0.6 ? `evt-${Math.floor(random() * 1e12).toString(36)}` : null,
        patient_ref: p, encounter_ref: p && !schedulingDecision ? `Encounter/${p.slice(8)}-${at.toISOString().slice(0, 10)}` : null,
        outcome: t.outcome, input_hash: 'sha256:' + createHash('sha256').update(JSON.stringify(t.input) + at.getTime()).digest('hex'),
        idempotency_key: random() < 0.33 ? `key-${randomUUID()}` : null,
      };
      row.record_hash = auditRecordHash({
        id: row.id, evaluatedAt: row.evaluated_at, caller, requestId: row.request_id, rulebookKey: row.rulebook_key, rulebookVersion: row.rulebook_version,
        contentHash: row.content_hash, rulebookStatus: row.rulebook_status, asOf: row.as_of, workflowInstanceId: row.workflow_instance_id,
        sourceEventId: row.source_event_id, patientRef: row.patient_ref, encounterRef: row.encounter_ref, outcome: row.outcome, inputHash: row.input_hash,
        idempotencyKey: row.idempotency_key,
      }, t.rulesDigest, t.factsDigest);
      rows.push(row);
    }
    return rows;
  };
  const insert = (client, rows) => client.query(`
    WITH x AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, evaluated_at timestamptz, caller text, request_id text, template int, rulebook_key text,
        rulebook_version text, content_hash text, rulebook_status text, as_of timestamptz, workflow_instance_id text, source_event_id text,
        patient_ref text, encounter_ref text, outcome jsonb, input_hash text, idempotency_key text, record_hash text)
    ), d AS (
      INSERT INTO decision (id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of,
                            workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key, record_hash)
      SELECT id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of,
             workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key, record_hash FROM x
    ), r AS (
      INSERT INTO decision_rule (decision_id, evaluated_at, ordinal, name, stage, priority, fired, event, conditions)
      SELECT x.id, x.evaluated_at, s.ordinal, s.name, s.stage, s.priority, s.fired, s.event, s.conditions FROM x JOIN seed_rule s ON s.template = x.template
    ), f AS (
      INSERT INTO decision_fact (decision_id, evaluated_at, ordinal, name, value, unit, source, reference, code, effective, raw_value, raw_unit)
      SELECT x.id, x.evaluated_at, s.ordinal, s.name, s.value, s.unit, s.source, s.reference, s.code, s.effective, s.raw_value, s.raw_unit
        FROM x JOIN seed_fact s ON s.template = x.template
    )
    INSERT INTO idempotency_key (caller, key, request_hash, decision_id, created_at)
    SELECT caller, idempotency_key, input_hash, id, evaluated_at FROM x WHERE idempotency_key IS NOT NULL`, [JSON.stringify(rows)]);

  let claimed = 0;
  let written = 0;
  let lastReport = 0;
  const worker = async (client) => {
    while (claimed < total) {
      const n = Math.min(batchSize, total - claimed);
      claimed += n;
      await insert(client, batch(n));
      written += n;
      if (written - lastReport >= 50_000 || written === total) {
        lastReport = written;
        log(`${written} decisions written`);
      }
    }
  };
  await Promise.all(clients.map(worker));
  const loaded = (Date.now() - started) / 1000;

  // 3. Seal the chain, as the service's sealer would have, batch by batch.
  for (const c of clients) await c.query(`SET session_replication_role = DEFAULT`).catch(() => undefined);
  const run = async (sql, params) => (await main.query(sql, params)).rows;
  let links = 0;
  for (;;) {
    await main.query('BEGIN');
    const result = await sealBatch(run, { marginMs: 0, maxRecords: 20_000, sealedBy: 'audit-seed', forceEmpty: links === 0 });
    await main.query('COMMIT');
    links += result.records;
    if (!result.more) break;
  }
  log(`chain sealed: ${links} links`);
  await main.query(`ANALYZE decision; ANALYZE decision_rule; ANALYZE decision_fact; ANALYZE decision_chain; ANALYZE idempotency_key`);
  const size = await main.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
  const counts = await main.query(`SELECT (SELECT count(*) FROM decision) AS decisions, (SELECT count(*) FROM decision_rule) AS rules, (SELECT count(*) FROM decision_fact) AS facts`);
  for (const c of clients) await c.end();
  console.log(JSON.stringify({
    decisions: Number(counts.rows[0].decisions), ruleRows: Number(counts.rows[0].rules), factRows: Number(counts.rows[0].facts), patients, months,
    loadSeconds: Math.round(loaded), totalSeconds: Math.round((Date.now() - started) / 1000), databaseSize: size.rows[0].size,
  }, null, 2));
} finally {
  await stop();
}
