import request from 'supertest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RulebookDocument, RulebookScenario } from '../../src/rulebooks/rulebook.types.js';
import { subsetDifferences } from '../../src/decisions/scenario-runner.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Case = RulebookScenario & { rulebook: string; version: string };

const cases: [string, Case][] = readdirSync('rulebooks', { withFileTypes: true }).filter((e) => e.isDirectory())
  .flatMap((e) => readdirSync(join('rulebooks', e.name)).filter((n) => n.endsWith('.json'))
    .flatMap((n) => {
      const doc = JSON.parse(readFileSync(join('rulebooks', e.name, n), 'utf8')) as RulebookDocument;
      return doc.scenarios.map((s): [string, Case] => [`${doc.key}@${doc.version} ${s.name}`, { ...s, rulebook: doc.key, version: doc.version }]);
    }));

/** Every scenario of every bundled rulebook, end to end: HTTP in, audited decision out, read back from the audit. */
describe('bundled scenarios through POST /v1/decisions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(cases)('%s', async (_name, scenario) => {
    const { rulebook, version } = scenario;
    // Every bundled version runs, not only the ones in force: naming a version takes decision:pin-version.
    const res = await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-pinning-engine' })
      .send({ rulebook, version, asOf: scenario.asOf, ...(scenario.facts ? { facts: scenario.facts } : {}), ...(scenario.fhir ? { fhir: scenario.fhir } : {}),
        ...(scenario.fhirSearchComplete ? { fhirSearchComplete: scenario.fhirSearchComplete } : {}) });
    expect(res.status).toBe(201);
    expect(subsetDifferences(scenario.expect, res.body.outcome)).toEqual([]);
    const fired = res.body.explanation.rules.filter((r: { fired: boolean }) => r.fired).map((r: { name: string }) => r.name);
    expect(fired).toEqual(expect.arrayContaining(scenario.expectFired ?? []));
    const stored = await t.sql<{ outcome: unknown }>(`SELECT outcome FROM decision WHERE id = $1`, [res.body.decisionId]);
    expect(stored[0].outcome).toEqual(res.body.outcome);
  });
});
