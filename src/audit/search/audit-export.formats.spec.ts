import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../common/canonical-json.js';
import { projectRoot } from '../../common/project-root.js';
import type { RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { csvCell, csvHeader, csvLine, csvOutcomeColumns, decisionAuditEvent, decisionExport, type DecisionSummary } from './audit-export.formats.js';

const SUMMARY: DecisionSummary = {
  decisionId: '0b5e0000-0000-4000-8000-000000000001', evaluatedAt: '2026-11-21T09:30:00.118Z', asOf: '2026-11-21T09:30:00.000Z',
  caller: 'epic-bridge', requestId: 'req-1', rulebook: { key: 'ed-triage', version: '1.0.0', contentHash: 'sha256:' + 'a'.repeat(64), statusAtDecision: 'approved' },
  outcome: { acuity: 2 }, context: { patientRef: 'Patient/1' }, firedRules: ['r1', 'r2'], idempotencyKey: null, recordHash: null,
  verdict: { version: '0.1.0', commit: 'c'.repeat(40) },
};

describe('csvCell (RFC 4180, OWASP CSV injection)', () => {
  it.each([
    ['plain', 'plain'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', `"'\tx"`],
    ['\r=1', `"'\r'=1"`],
    ['  =1+1', "'  =1+1"],
    [' \n@x', `" \n'@x"`],
    [' plain', ' plain'],
    ['a,b', '"a,b"'],
    ['a;b', '"a;b"'],
    ['a\tb', '"a\tb"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
    ['line\nbreak', '"line\nbreak"'],
    ['line\r\nbreak', '"line\r\nbreak"'],
    ['', ''],
    [null, ''],
    [undefined, ''],
  ])('%j -> %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  // Issue 9: a semicolon-locale spreadsheet splits this line at `;` whatever the quotes, so the part after it starts a
  // field of its own and must not start a formula.
  it.each([
    ["Patient/9;=cmd|'/C calc'!A0", `"Patient/9;'=cmd|'/C calc'!A0"`],
    ['Patient/9; =cmd', `"Patient/9;' =cmd"`],
    ['Patient/9;"=cmd"', `"Patient/9;'""=cmd"""`],
    ['a;+1;-1;@x;\tx', `"a;'+1;'-1;'@x;'\tx"`],
    ['a\n=cmd', `"a\n'=cmd"`],
    ['a\r\n=cmd', `"a\r\n'=cmd"`],
    ['a;b;c', '"a;b;c"'],
  ])('neutralizes a formula after ; or a line break inside the cell: %j -> %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves no field that starts a formula when a line is split at commas or at semicolons, quotes ignored', () => {
    const hostile = ["Patient/9;=cmd|'/C calc'!A0", '=1+1', 'x; @SUM(A1)', 'y\n+1', 'z;"-1"', '-2'];
    const line = hostile.map(csvCell).join(',');
    for (const separator of [',', ';']) {
      const fields = line.split(/\r\n|\r|\n/).flatMap((record) => record.split(separator));
      for (const field of fields) expect(field.replace(/^[\s"]+/, '')).not.toMatch(/^[=+\-@]/);
    }
  });

  it('writes one CRLF line with the outcome as canonical JSON, fired rules joined by ; and the Verdict build last', () => {
    expect(csvHeader()).toMatch(/,recordHash,verdictVersion,verdictCommit\r\n$/);
    expect(csvLine(SUMMARY)).toBe(`0b5e0000-0000-4000-8000-000000000001,2026-11-21T09:30:00.118Z,2026-11-21T09:30:00.000Z,epic-bridge,req-1,ed-triage,1.0.0,sha256:${'a'.repeat(64)},approved,Patient/1,,,,"{""acuity"":2}","r1;r2",,,0.1.0,${'c'.repeat(40)}\r\n`);
    // A decision recorded before builds were kept leaves both cells empty.
    expect(csvLine({ ...SUMMARY, verdict: null })).toMatch(/,"r1;r2",,,,\r\n$/);
  });
});

describe('CSV outcome columns (the outcome flattened, beside its JSON cell)', () => {
  const bundled = (key: string, version: string): RulebookDocument =>
    JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', key, `${version}.json`), 'utf8')) as RulebookDocument;
  const fixedHeader = csvHeader().slice(0, -2).split(',');
  const afterOutcome = fixedHeader.indexOf('outcome') + 1;

  it('gives each outcome leaf path the versions declare one column after the outcome cell, sorted by path, whatever the order of the versions', () => {
    const columns = csvOutcomeColumns([bundled('ed-triage', '1.1.0'), bundled('ed-triage', '1.0.0')]);
    expect(columns).toEqual(['acuity', 'acuityAtLeast', 'dangerZoneVitals', 'news2.missing', 'news2.riskBand', 'news2.riskBandAtLeast',
      'news2.score', 'reasons', 'undetermined']);
    expect(csvOutcomeColumns([bundled('ed-triage', '1.0.0'), bundled('ed-triage', '1.1.0')])).toEqual(columns);
    expect(csvHeader(columns)).toBe([...fixedHeader.slice(0, afterOutcome), ...columns.map((c) => `outcome.${c}`), ...fixedHeader.slice(afterOutcome)].join(',') + '\r\n');
    // The Verdict build stays in the last two columns.
    expect(csvHeader(columns)).toMatch(/,sourceEventId,outcome,outcome\.acuity,.*,outcome\.undetermined,firedRules,idempotencyKey,recordHash,verdictVersion,verdictCommit\r\n$/);
  });

  it('leaves out a declared path another one is declared under (not a leaf)', () => {
    const outcome = { fields: [{ path: 'news2' }, { path: 'news2.score' }, { path: 'acuity' }] } as unknown as RulebookDocument['outcome'];
    expect(csvOutcomeColumns([{ outcome }])).toEqual(['acuity', 'news2.score']);
  });

  it('writes strings as text, numbers, booleans, arrays and objects as canonical JSON, absent and null as empty, quoted per RFC 4180', () => {
    const outcome = { acuity: 2, news2: { score: 7, riskBand: 'high', missing: [] }, dangerZoneVitals: true,
      reasons: [{ text: 'NEWS2 high, "red"', code: 'NEWS2_HIGH' }], undetermined: null };
    const columns = ['acuity', 'acuityAtLeast', 'dangerZoneVitals', 'news2.missing', 'news2.riskBand', 'news2.score', 'reasons', 'undetermined'];
    const line = csvLine({ ...SUMMARY, outcome }, columns);
    const fixed = csvLine({ ...SUMMARY, outcome });
    const outcomeCell = `"${canonicalJson(outcome).replace(/"/g, '""')}",`;
    const [before, after] = [fixed.slice(0, fixed.indexOf(outcomeCell) + outcomeCell.length), fixed.slice(fixed.indexOf(outcomeCell) + outcomeCell.length)];
    expect(line).toBe(`${before}2,,true,[],high,7,"[{""code"":""NEWS2_HIGH"",""text"":""NEWS2 high, \\""red\\""""}]",,${after}`);
    // Under a suppressed (null) parent every child cell is empty.
    expect(csvLine({ ...SUMMARY, outcome: { news2: null } }, ['news2.riskBand', 'news2.score'])).toContain(`,"{""news2"":null}",,,"r1;r2",`);
  });
});

describe('decisionAuditEvent (FHIR R4 AuditEvent)', () => {
  it('maps a decision to type, action E, recorded, outcome, agents and entities', () => {
    const event = decisionAuditEvent(SUMMARY);
    expect(event).toMatchObject({ resourceType: 'AuditEvent', id: SUMMARY.decisionId, action: 'E', recorded: SUMMARY.evaluatedAt, outcome: '0', outcomeDesc: '{"acuity":2}' });
    expect((event.entity as { role: { code: string } }[]).map((e) => e.role.code)).toEqual(['1', '5', '3']);
  });

  it('names the Verdict build that decided in the decision entity, when it was recorded', () => {
    const detail = (event: Record<string, unknown>) => (event.entity as { role: { code: string }; detail: { type: string; valueString: string }[] }[])
      .find((e) => e.role.code === '3')!.detail;
    expect(detail(decisionAuditEvent(SUMMARY))).toEqual(expect.arrayContaining([{ type: 'verdictVersion', valueString: '0.1.0' },
      { type: 'verdictCommit', valueString: 'c'.repeat(40) }]));
    expect(detail(decisionAuditEvent({ ...SUMMARY, verdict: null })).map((d) => d.type)).not.toContain('verdictCommit');
  });

  it('leaves the patient entity out when the decision names no patient', () => {
    const event = decisionAuditEvent({ ...SUMMARY, context: {} });
    expect((event.entity as unknown[]).length).toBe(2);
  });
});

describe('decisionExport (NDJSON)', () => {
  const row = {
    id: SUMMARY.decisionId, evaluated_at: new Date(SUMMARY.evaluatedAt), as_of: new Date(SUMMARY.asOf), caller: 'epic-bridge', request_id: 'req-1',
    rulebook_key: 'ed-triage', rulebook_version: '1.1.0', content_hash: SUMMARY.rulebook.contentHash, rulebook_status: 'approved', outcome: { acuity: 2 },
    workflow_instance_id: null, source_event_id: null, patient_ref: null, encounter_ref: null, idempotency_key: null, record_hash: null,
    verdict_version: '0.1.0', verdict_commit: 'unknown', fired_rules: [], rules: [], fact_patient_ref: 'Patient/1',
    ignored_resources: [{ detail: 'subject Patient/2 is not the decision\'s patient (Patient/1)', reason: 'other-patient', reference: 'Observation/o2', resourceType: 'Observation' }],
    facts: [
      { name: 'spo2', value: 91, unit: '%', source: 'fhir', reference: 'Observation/o1', code: 'http://loinc.org|2708-6', effective: '2026-11-21T09:00:00.000Z',
        rawValue: 91, rawUnit: '%', status: 'final', missingReason: null, missingDetail: null },
      { name: 'heartRate', value: null, unit: null, source: 'missing', reference: 'Observation/hr', code: 'http://loinc.org|8867-4', effective: '2026-11-19T09:00:00.000Z',
        rawValue: 88, rawUnit: '/min', status: 'final', missingReason: 'stale', missingDetail: 'older than PT4H' },
      { name: 'consciousness', value: null, unit: null, source: 'missing', reference: null, code: null, effective: null, rawValue: null, rawUnit: null,
        status: null, missingReason: null, missingDetail: null },
    ],
  };

  it('carries the build, why each missing fact is missing, the resources left out and the patient, as the decision API shows them', () => {
    const exported = decisionExport(row);
    expect(exported.verdict).toEqual({ version: '0.1.0', commit: 'unknown' });
    expect(JSON.stringify(exported.explanation.facts.spo2)).toBe(JSON.stringify({ value: 91, unit: '%', source: 'fhir', reference: 'Observation/o1',
      code: 'http://loinc.org|2708-6', effective: '2026-11-21T09:00:00.000Z', rawValue: 91, rawUnit: '%', status: 'final' }));
    expect(exported.explanation.missingFacts).toEqual(['heartRate', 'consciousness']);
    expect(JSON.stringify(exported.explanation.missingFactDetails)).toBe(JSON.stringify({ heartRate: { reason: 'stale', detail: 'older than PT4H',
      reference: 'Observation/hr', effective: '2026-11-19T09:00:00.000Z', code: 'http://loinc.org|8867-4', rawValue: 88, rawUnit: '/min', status: 'final' } }));
    expect(JSON.stringify(exported.explanation.ignoredResources)).toBe(JSON.stringify([{ reference: 'Observation/o2', resourceType: 'Observation',
      reason: 'other-patient', detail: 'subject Patient/2 is not the decision\'s patient (Patient/1)' }]));
    expect(exported.explanation.patient).toBe('Patient/1');
  });

  it('gives a decision recorded before these were kept the same stable shape', () => {
    const old = decisionExport({ ...row, verdict_version: null, verdict_commit: null, fact_patient_ref: null, ignored_resources: null,
      facts: [{ ...row.facts[2] }] });
    expect(old.verdict).toBeNull();
    expect(old.explanation).toMatchObject({ missingFacts: ['consciousness'], missingFactDetails: {}, ignoredResources: [], patient: null });
  });
});
