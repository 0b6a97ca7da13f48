import request from 'supertest';
import { AUDITOR, decide, HIGH_RISK_ADULT, WELL_ADULT } from '../support/audit-decisions.js';
import { auditEventBundleProblems } from '../support/fhir-audit-event-validator.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Reads a whole response body as text, whatever its content type. */
function text(req: request.Test): request.Test {
  return req.buffer(true).parse((res, callback) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => { data += chunk; });
    res.on('end', () => callback(null, data));
  });
}

/** Parses an RFC 4180 CSV text (quoted cells, doubled quotes, CRLF-terminated lines) into rows of cells. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const c = csv[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (csv[i + 1] === '"') cell += csv[++i];
      else quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      [row, cell, i] = [[], '', i + 1];
    } else {
      cell += c;
    }
  }
  return rows;
}

describe('GET /v1/audit/decisions/export', () => {
  let t: TestApp;
  const ids: string[] = [];
  beforeAll(async () => {
    t = await startTestApp();
    ids.push((await decide(t, HIGH_RISK_ADULT, { patientRef: 'Patient/X', encounterRef: 'Encounter/X1', workflowInstanceId: '=HYPERLINK("http://evil")' })).decisionId);
    ids.push((await decide(t, WELL_ADULT, { patientRef: 'Patient/X', sourceEventId: '+1-555', workflowInstanceId: '@SUM(A1)' })).decisionId);
    ids.push((await decide(t, WELL_ADULT, { patientRef: 'Patient/Y', workflowInstanceId: '-2+3' })).decisionId);
  });
  afterAll(async () => {
    await t.close();
  });

  it('exports NDJSON: one full decision with its explanation per line, filtered and sorted like the search', async () => {
    const res = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'ndjson', patientRef: 'Patient/X', sort: 'evaluatedAt' }).set(AUDITOR)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="verdict-decisions-.*\.ndjson"$/);
    const lines = (res.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.decisionId)).toEqual([ids[0], ids[1]]);
    const stored = await request(t.server).get(`/v1/decisions/${ids[0]}`).set(AUDITOR).expect(200);
    expect(lines[0].explanation).toEqual(stored.body.explanation);
    expect(lines[0]).toMatchObject({ outcome: stored.body.outcome, caller: 'dev-workflow-engine', context: { patientRef: 'Patient/X' } });
  });

  it('exports CSV with a header and neutralizes cells that start with = + - @', async () => {
    const res = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'csv', sort: 'evaluatedAt' }).set(AUDITOR)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const body = res.body as string;
    const lines = body.trimEnd().split('\r\n');
    // After the outcome's JSON cell, one column per outcome leaf path of the stored versions (here every bundled one), sorted.
    expect(lines[0]).toBe('decisionId,evaluatedAt,asOf,caller,requestId,rulebookKey,rulebookVersion,contentHash,rulebookStatusAtDecision,patientRef,encounterRef,workflowInstanceId,sourceEventId,outcome'
      + ',outcome.acuity,outcome.acuityAtLeast,outcome.dangerZoneVitals,outcome.eligible,outcome.news2.missing,outcome.news2.riskBand,outcome.news2.riskBandAtLeast,outcome.news2.score,outcome.reasons,outcome.requirements,outcome.undetermined'
      + ',firedRules,idempotencyKey,recordHash,verdictVersion,verdictCommit');
    expect(lines).toHaveLength(4);
    expect(body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(body).toContain(`'+1-555`);
    expect(body).toContain(`'@SUM(A1)`);
    expect(body).toContain(`'-2+3`);
    for (const line of lines.slice(1)) expect(line.split(',').every((cell) => !/^"?[=+\-@]/.test(cell))).toBe(true);
  });

  it('flattens the outcome into one column per outcome path of the searched versions, beside its JSON cell', async () => {
    const res = await text(request(t.server).get('/v1/audit/decisions/export')
      .query({ format: 'csv', rulebook: 'ed-triage', version: '1.1.0', sort: 'evaluatedAt' }).set(AUDITOR)).expect(200);
    const [header, ...rows] = parseCsv(res.body as string);
    expect(header.slice(header.indexOf('outcome') + 1, header.indexOf('firedRules'))).toEqual(['outcome.acuity', 'outcome.acuityAtLeast',
      'outcome.dangerZoneVitals', 'outcome.news2.missing', 'outcome.news2.riskBand', 'outcome.news2.riskBandAtLeast', 'outcome.news2.score',
      'outcome.reasons', 'outcome.undetermined']);
    expect(rows).toHaveLength(3);
    const first = Object.fromEntries(header.map((name, i) => [name, rows[0][i]]));
    const stored = (await request(t.server).get(`/v1/decisions/${ids[0]}`).set(AUDITOR).expect(200)).body;
    expect(first.decisionId).toBe(ids[0]);
    expect(JSON.parse(first.outcome)).toEqual(stored.outcome);
    // A string as itself, a number, boolean or list as JSON, null as an empty cell.
    const cell = (value: unknown) => (value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value));
    for (const path of ['acuity', 'acuityAtLeast', 'dangerZoneVitals', 'news2.riskBand', 'news2.riskBandAtLeast', 'news2.score']) {
      const value = path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], stored.outcome);
      expect(first[`outcome.${path}`]).toBe(cell(value));
    }
    expect(first['outcome.news2.riskBand']).toBe('high');
    expect(JSON.parse(first['outcome.reasons'])).toEqual(stored.outcome.reasons);
    expect(JSON.parse(first['outcome.news2.missing'])).toEqual(stored.outcome.news2.missing);
  });

  it('exports a FHIR R4 Bundle of AuditEvents that validates against the official R4 JSON schema', async () => {
    const res = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'fhir' }).set(AUDITOR)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = JSON.parse(res.body as string);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry).toHaveLength(3);
    expect(auditEventBundleProblems(bundle)).toEqual([]);
    const event = bundle.entry.find((e: { resource: { id: string } }) => e.resource.id === ids[0]).resource;
    expect(event).toMatchObject({
      resourceType: 'AuditEvent', action: 'E', outcome: '0', type: { code: 'rest' },
      agent: [{ who: { identifier: { value: 'dev-workflow-engine' } }, requestor: true }, { requestor: false }],
    });
    expect(event.recorded).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const roles = event.entity.map((e: { role: { code: string } }) => e.role.code);
    expect(roles).toEqual(['1', '4', '5', '3']); // patient, encounter, rulebook version, decision
    expect(event.entity[0].what.reference).toBe('Patient/X');
    expect(event.entity[2].what.identifier.value).toBe('ed-triage|1.1.0');
    expect(event.entity[3].what.identifier.value).toBe(ids[0]);
    expect(auditEventBundleProblems({ ...bundle, entry: [{ resource: { ...event, action: 'X' } }] })).not.toEqual([]);
  });

  it('exports an empty result as a valid empty document', async () => {
    const fhir = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'fhir', patientRef: 'Patient/none' }).set(AUDITOR)).expect(200);
    expect(JSON.parse(fhir.body as string)).toMatchObject({ resourceType: 'Bundle', entry: [] });
    const ndjson = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'ndjson', patientRef: 'Patient/none' }).set(AUDITOR)).expect(200);
    expect(ndjson.body).toBe('');
  });

  it('streams an export of many decisions, and records it in the access log with its count', async () => {
    for (let i = 0; i < 30; i++) await decide(t, i % 2 ? HIGH_RISK_ADULT : WELL_ADULT, { patientRef: 'Patient/bulk' });
    const res = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'ndjson', patientRef: 'Patient/bulk' }).set(AUDITOR).set('X-Request-Id', 'export-1')).expect(200);
    expect((res.body as string).trimEnd().split('\n')).toHaveLength(30);
    let entry: { recordCount: number } | undefined;
    for (let i = 0; i < 50 && !entry; i++) {
      const log = await request(t.server).get('/v1/audit/access-log').query({ action: 'export' }).set(AUDITOR).expect(200);
      entry = log.body.data.find((e: { requestId: string }) => e.requestId === 'export-1');
      if (!entry) await new Promise((r) => setTimeout(r, 20));
    }
    expect(entry).toMatchObject({ action: 'export', format: 'ndjson', recordCount: 30, outcome: 'success', query: { format: 'ndjson', patientRef: 'Patient/bulk' } });
  });

  it('answers 400 with a pointer for a missing or unknown format and for search-only parameters', async () => {
    const missing = await request(t.server).get('/v1/audit/decisions/export').set(AUDITOR).expect(400);
    expect(missing.body.errors[0].pointer).toBe('/query/format');
    const unknown = await request(t.server).get('/v1/audit/decisions/export').query({ format: 'xlsx' }).set(AUDITOR).expect(400);
    expect(unknown.body.errors[0].pointer).toBe('/query/format');
    const limit = await request(t.server).get('/v1/audit/decisions/export').query({ format: 'csv', limit: '5' }).set(AUDITOR).expect(400);
    expect(limit.body.errors[0].pointer).toBe('/query/limit');
  });

  // Issue 9: a spreadsheet of a semicolon locale (Excel in de-DE, fr-FR) splits each line at `;`, quotes or not.
  it('writes a patient reference holding ;=cmd so that no field starts a formula in comma or semicolon locales', async () => {
    const hostile = "Patient/9;=cmd|'/C calc'!A0";
    const id = (await decide(t, WELL_ADULT, { patientRef: hostile, workflowInstanceId: 'wf;+1', sourceEventId: 'evt\n@SUM(A1)' })).decisionId;
    const res = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'csv', patientRef: hostile }).set(AUDITOR)).expect(200);
    const body = res.body as string;
    expect(body).toContain(`,"Patient/9;'=cmd|'/C calc'!A0",`);
    const [header, row] = parseCsv(body);
    const cells = Object.fromEntries(header.map((name, i) => [name, row[i]]));
    expect(cells).toMatchObject({ decisionId: id, patientRef: "Patient/9;'=cmd|'/C calc'!A0", workflowInstanceId: "wf;'+1", sourceEventId: "evt\n'@SUM(A1)" });
    // Read as a comma-locale spreadsheet does (RFC 4180), then as a semicolon-locale one: records split at line
    // breaks, fields at `;`, quotes ignored (they do not open those fields).
    const formula = (field: string) => /^[\s"]*[=+\-@]/.test(field);
    expect(parseCsv(body).flat().filter(formula)).toStrictEqual([]);
    expect(body.split(/\r\n|\r|\n/).flatMap((record) => record.split(';')).filter(formula)).toStrictEqual([]);
    // The NDJSON export keeps the value as it was sent.
    const ndjson = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'ndjson', patientRef: hostile }).set(AUDITOR)).expect(200);
    expect(JSON.parse(ndjson.body as string).context.patientRef).toBe(hostile);
  });
});
