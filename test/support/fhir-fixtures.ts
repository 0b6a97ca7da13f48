import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Folder of the third-party FHIR R4 fixtures copied into the project (see its README for sources and licences). */
export const FHIR_FIXTURES = resolve('test/fixtures/fhir');

/** Reads a fixture as parsed JSON. */
export function readFixture(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FHIR_FIXTURES, relativePath), 'utf8')) as Record<string, unknown>;
}

/** The Synthea patient bundles among the fixtures (the Organization/Practitioner side files excluded). */
export function syntheaBundles(): string[] {
  return ['synthea-smart-r4', 'synthea-covid-pediatric'].flatMap((folder) =>
    readdirSync(join(FHIR_FIXTURES, folder))
      .filter((name) => name.endsWith('.json') && !/Information\d+\.json$/.test(name))
      .map((name) => `${folder}/${name}`));
}

interface BundleLike {
  entry?: { resource?: { resourceType?: string; effectiveDateTime?: string; category?: { coding?: { code?: string }[] }[] } }[];
}

/** The latest `effectiveDateTime` among a bundle's vital-sign Observations, or undefined when it has none. */
export function lastVitalSignsAt(bundle: Record<string, unknown>): Date | undefined {
  let latest: number | undefined;
  for (const entry of (bundle as BundleLike).entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType !== 'Observation' || !r.effectiveDateTime) continue;
    if (!r.category?.some((c) => c.coding?.some((code) => code.code === 'vital-signs'))) continue;
    const t = Date.parse(r.effectiveDateTime);
    if (latest === undefined || t > latest) latest = t;
  }
  return latest === undefined ? undefined : new Date(latest);
}
