import { jsonPointer } from '../common/domain-error.js';
import type { CodingToken, FhirResourceType } from '../rulebooks/rulebook.types.js';

/** The FHIR R4 resource types Verdict reads facts from (the `FhirResourceType` of the rulebook format). */
export const READ_RESOURCE_TYPES: ReadonlySet<string> = new Set<FhirResourceType>([
  'Patient',
  'Observation',
  'Condition',
  'Encounter',
  'Appointment',
  'ServiceRequest',
  'Coverage',
]);

/** A FHIR resource as parsed JSON. */
export type FhirResource = Record<string, unknown> & { resourceType: string };

/** One resource of the request's `fhir` input, with where it sits in the request body. */
export interface FhirInputResource {
  resource: FhirResource;
  /** JSON Pointer of the resource in the request body: `/fhir` or `/fhir/entry/3/resource`. */
  pointer: string;
  /** `resourceType/id`, else the bundle entry's `fullUrl`, else undefined. */
  reference?: string;
  /** The bundle entry's `fullUrl`, when it has one. */
  fullUrl?: string;
  /** Position in bundle order (0 for a single resource). */
  position: number;
}

/**
 * The request's FHIR input indexed once per evaluation, so that each fact derivation looks up its candidates
 * instead of scanning the bundle: resources of the read types by type (bundle order), and Observations by each
 * `Observation.code.coding` as a `system|code` token.
 */
export interface FhirInputIndex {
  byType: ReadonlyMap<string, readonly FhirInputResource[]>;
  observationsByCode: ReadonlyMap<CodingToken, readonly FhirInputResource[]>;
}

/** `system|code` of a FHIR Coding, or undefined when either part is missing. */
export function codingToken(coding: unknown): CodingToken | undefined {
  if (!isObject(coding)) return undefined;
  const { system, code } = coding;
  return typeof system === 'string' && typeof code === 'string' ? `${system}|${code}` : undefined;
}

/** The `system|code` tokens of a CodeableConcept's codings, in order. */
export function conceptTokens(concept: unknown): CodingToken[] {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return [];
  return concept.coding.map(codingToken).filter((token): token is CodingToken => token !== undefined);
}

/** A non-null, non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The resources of a FHIR input: the `entry[].resource`s of a Bundle of any type (collection, batch, transaction,
 * searchset, …), or the single resource itself. Entries without a resource are skipped; resources inside nested
 * Bundles and `contained` resources are not read. Expects input that passed `validateFhirInput`.
 */
export function fhirInputResources(fhir: FhirResource): FhirInputResource[] {
  if (fhir.resourceType !== 'Bundle') {
    return [{ resource: fhir, pointer: '/fhir', reference: referenceOf(fhir), position: 0 }];
  }
  const entries = Array.isArray(fhir.entry) ? fhir.entry : [];
  const resources: FhirInputResource[] = [];
  entries.forEach((entry: unknown, index) => {
    if (!isObject(entry) || !isObject(entry.resource) || typeof entry.resource.resourceType !== 'string') return;
    const resource = entry.resource as FhirResource;
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    resources.push({
      resource,
      pointer: jsonPointer('fhir', 'entry', index, 'resource'),
      reference: referenceOf(resource) ?? fullUrl,
      ...(fullUrl !== undefined && { fullUrl }),
      position: index,
    });
  });
  return resources;
}

function referenceOf(resource: FhirResource): string | undefined {
  return typeof resource.id === 'string' ? `${resource.resourceType}/${resource.id}` : undefined;
}

/**
 * Indexes the resources of validated FHIR input (see {@link FhirInputIndex}) that facts may be derived from: those
 * of the read types (patient binding has already left out the resources about other patients); one pass.
 */
export function indexFhirInput(resources: readonly FhirInputResource[]): FhirInputIndex {
  const byType = new Map<string, FhirInputResource[]>();
  const observationsByCode = new Map<CodingToken, FhirInputResource[]>();
  for (const item of resources) {
    const type = item.resource.resourceType;
    if (!READ_RESOURCE_TYPES.has(type)) continue;
    appendTo(byType, type, item);
    if (type === 'Observation') {
      for (const token of new Set(conceptTokens(item.resource.code))) appendTo(observationsByCode, token, item);
    }
  }
  return { byType, observationsByCode };
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
