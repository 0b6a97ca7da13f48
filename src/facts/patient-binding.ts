import { unprocessable } from '../common/domain-error.js';
import { isObject, READ_RESOURCE_TYPES, type FhirInputResource } from './fhir-input.js';
import type { IgnoredResource, IgnoredResourceReason } from './taken-fact.js';

/**
 * Which resources of a request's FHIR input are about the decision's patient (facts bound to the
 * right patient, README "API"). References are resolved as FHIR R4 "Resolving references in Bundles" says
 * (http://hl7.org/fhir/R4/bundle.html#references), see {@link resolveReference}.
 */

/** A FHIR reference, or an entry's `fullUrl`, reduced to what identifies its target within one input. */
export interface ResolvedReference {
  /**
   * The identity compared: for a RESTful URL the absolute `[base]/[type]/[id]` without `/_history/[vid]`; a
   * `urn:uuid:`/`urn:oid:` as written; `local:[type]/[id]` for a relative reference made where no server base is
   * known; otherwise the text itself.
   */
  key: string;
  type?: string;
  id?: string;
  /** The server base (`https://ehr.example/fhir`) of a RESTful URL. */
  base?: string;
}

/** FHIR R4 RESTful URL (bundle.html#references, with any resource type name): `[base/]Type/id[/_history/vid]`. */
const RESTFUL_URL = /^(?:(https?:\/\/.+)\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]+)\?/;

/** The server base of a RESTful absolute `fullUrl` (`https://ehr.example/fhir` of `https://ehr.example/fhir/Observation/1`). */
function restfulBase(fullUrl: string | undefined): string | undefined {
  if (fullUrl === undefined) return undefined;
  return RESTFUL_URL.exec(fullUrl)?.[1];
}

/**
 * Resolves a `Reference.reference` made in a bundle entry whose `fullUrl` is `fromFullUrl`, per FHIR R4
 * bundle.html#references:
 * - `urn:uuid:` and `urn:oid:` identify the entry with exactly that `fullUrl`;
 * - an absolute RESTful URL identifies `[base]/[type]/[id]` (a version `/_history/[vid]` is ignored): the entry with
 *   that `fullUrl`, or with a `fullUrl` of the same server base, type and id;
 * - a relative `[type]/[id]` made in an entry with a RESTful `fullUrl` is appended to that `fullUrl`'s base;
 * - a relative `[type]/[id]` made where no server base is known (no `fullUrl`, a `urn:uuid:` one, or a single
 *   resource) identifies the resource of that type and id whose own entry has no RESTful `fullUrl`. FHIR leaves this
 *   case undefined; it is how bundles assembled without a server (Inferno's, hand-made ones) refer to their Patient,
 *   and it never matches a resource that a server base places elsewhere.
 * Anything else (a conditional `Patient?identifier=…`, a contained `#p1`, another URI) is compared as written.
 */
export function resolveReference(reference: string, fromFullUrl?: string): ResolvedReference {
  if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) return { key: reference };
  const restful = RESTFUL_URL.exec(reference);
  if (restful) {
    const [, absoluteBase, type, id] = restful;
    const base = absoluteBase ?? restfulBase(fromFullUrl);
    return base === undefined ? { key: `local:${type}/${id}`, type, id } : { key: `${base}/${type}/${id}`, type, id, base };
  }
  const conditional = CONDITIONAL_REFERENCE.exec(reference);
  return conditional ? { key: reference, type: conditional[1] } : { key: reference };
}

/** The identities by which a resource of the input can be referred to: its `fullUrl`, and its type and id. */
function identitiesOf(item: FhirInputResource): ResolvedReference[] {
  const { resourceType: type, id } = item.resource;
  const localId = typeof id === 'string' ? id : undefined;
  if (item.fullUrl !== undefined) {
    const resolved = resolveReference(item.fullUrl);
    if (resolved.base !== undefined) return [resolved];
    const identities: ResolvedReference[] = [{ key: item.fullUrl, type, ...(localId !== undefined && { id: localId }) }];
    if (localId !== undefined) identities.push({ key: `local:${type}/${localId}`, type, id: localId });
    return identities;
  }
  return localId === undefined ? [] : [{ key: `local:${type}/${localId}`, type, id: localId }];
}

/** A reference to the decision's patient, however it is written. */
type PatientMatcher = (reference: ResolvedReference) => boolean;

/**
 * What `context.patientRef` matches: a relative `Patient/123` any reference to Patient 123 (whatever its base); an
 * absolute `https://ehr.example/fhir/Patient/123` the same server's Patient 123, or a Patient 123 placed by no server
 * base; a `urn:uuid:` exactly that `fullUrl`.
 */
function patientRefMatcher(patientRef: string): PatientMatcher {
  const target = resolveReference(patientRef);
  if (target.type === undefined || target.id === undefined) return (reference) => reference.key === target.key;
  const { type, id, base } = target;
  if (base === undefined) return (reference) => reference.type === type && reference.id === id;
  return (reference) => reference.key === target.key || reference.key === `local:${type}/${id}`;
}

/** The name of each read type's patient element, for the explanation. */
const PATIENT_ELEMENT_NAMES: Readonly<Record<string, string>> = {
  Observation: 'subject',
  Condition: 'subject',
  Encounter: 'subject',
  ServiceRequest: 'subject',
  Coverage: 'beneficiary',
  Appointment: 'participant.actor',
};

/** A Reference element of a resource that ties it to a patient, with the element's name for the explanation. */
interface PatientElement {
  element: string;
  reference: unknown;
}

/** The patient elements of the read resource types (FHIR R4): who each resource is about. */
const PATIENT_ELEMENTS: Readonly<Record<string, (resource: Record<string, unknown>) => PatientElement[]>> = {
  Observation: (r) => [{ element: 'subject', reference: r.subject }],
  Condition: (r) => [{ element: 'subject', reference: r.subject }],
  Encounter: (r) => [{ element: 'subject', reference: r.subject }],
  ServiceRequest: (r) => [{ element: 'subject', reference: r.subject }],
  Coverage: (r) => [{ element: 'beneficiary', reference: r.beneficiary }],
  Appointment: (r) =>
    (Array.isArray(r.participant) ? r.participant : []).map((participant: unknown) => ({
      element: 'participant.actor',
      reference: isObject(participant) ? participant.actor : undefined,
    })),
};

/** One resolved patient element: the reference as written, where it points, and the target's resource type. */
interface ElementReference {
  element: string;
  text: string;
  resolved: ResolvedReference;
  /** `Reference.type`, else the type in the URL, else the type of the entry it resolves to; undefined when unknown. */
  type?: string;
}

/** The patient decided for an input, and which of its resources count. */
export interface PatientBinding {
  /** Resources of the read types about the decision's patient (all of them when no patient is named anywhere). */
  counted: FhirInputResource[];
  /** Resources of the read types left out, with why, in bundle order. */
  ignored: IgnoredResource[];
  /** `patientRef` as given, else the Patient's reference, else the one patient referred to. */
  patient?: string;
}

/**
 * Decides the decision's patient and keeps only the resources about that patient:
 * 1. `patientRef` when given (see {@link patientRefMatcher}); a Patient resource that is that patient gives the age,
 *    any other Patient is ignored; when none is, no Patient counts (the age is missing);
 * 2. else the one Patient resource of the input;
 * 3. else the one patient that the resources' patient elements refer to; none referred to: every resource counts.
 *
 * A resource counts when its patient element refers to the decision's patient: `Observation.subject`,
 * `Condition.subject`, `Encounter.subject`, `ServiceRequest.subject`, `Coverage.beneficiary`, or any
 * `Appointment.participant.actor`; references are resolved against the entries' `fullUrl`s (see
 * {@link resolveReference}). A resource without such a reference, while a patient is known, is ignored, and so is one
 * whose subject is a Group, Device or Location. One pass over the input; no resource is fetched.
 *
 * @param resources the input's resources in bundle order (`fhirInputResources`), any types
 * @param patientRef the request's `context.patientRef`: relative (`Patient/123`), absolute or `urn:uuid:`
 * @throws DomainError 422 `AMBIGUOUS_PATIENT` (pointer `/fhir`): two or more Patient resources and no `patientRef`;
 *   `patientRef` matching two or more Patient resources; no Patient, no `patientRef`, and references to two or more
 *   different patients
 */
export function bindPatient(resources: readonly FhirInputResource[], patientRef?: string): PatientBinding {
  const read = resources.filter((item) => READ_RESOURCE_TYPES.has(item.resource.resourceType));
  const typeByFullUrl = new Map<string, string>();
  for (const item of resources) if (item.fullUrl !== undefined) typeByFullUrl.set(item.fullUrl, item.resource.resourceType);
  const elementsOf = (item: FhirInputResource): ElementReference[] =>
    (PATIENT_ELEMENTS[item.resource.resourceType]?.(item.resource) ?? []).flatMap(({ element, reference }) => {
      if (!isObject(reference) || typeof reference.reference !== 'string') return [];
      const resolved = resolveReference(reference.reference, item.fullUrl);
      const declared = typeof reference.type === 'string' ? reference.type.split('/').pop() : undefined;
      const type = declared ?? resolved.type ?? typeByFullUrl.get(resolved.key);
      return [{ element, text: reference.reference, resolved, ...(type !== undefined && { type }) }];
    });
  const isPatientType = (reference: ElementReference): boolean => reference.type === undefined || reference.type === 'Patient';

  const patients = read.filter((item) => item.resource.resourceType === 'Patient');
  const label = (item: FhirInputResource): string => item.reference ?? item.pointer;
  let matches: PatientMatcher | undefined;
  let patient: string | undefined;
  /** The Patient resource that is the decision's patient, when the input holds it. */
  let bound: FhirInputResource | undefined;
  if (patientRef !== undefined) {
    const byRef = patientRefMatcher(patientRef);
    const named = patients.filter((item) => identitiesOf(item).some(byRef));
    if (named.length > 1) {
      throw ambiguous(`context.patientRef ${patientRef} matches ${named.length} Patient resources (${named.map(label).join(', ')})`);
    }
    bound = named[0];
    const keys = new Set(named.flatMap((item) => identitiesOf(item).map((identity) => identity.key)));
    matches = (reference) => byRef(reference) || keys.has(reference.key);
    patient = patientRef;
  } else if (patients.length > 1) {
    throw ambiguous(`holds ${patients.length} Patient resources (${patients.map(label).join(', ')}) and context.patientRef names none of them`);
  } else if (patients.length === 1) {
    bound = patients[0];
    const keys = new Set(identitiesOf(patients[0]).map((identity) => identity.key));
    matches = (reference) => keys.has(reference.key);
    patient = label(patients[0]);
  } else {
    const referred = new Map<string, string>();
    for (const item of read) {
      for (const reference of elementsOf(item)) {
        if (isPatientType(reference) && !referred.has(reference.resolved.key)) referred.set(reference.resolved.key, reference.text);
      }
    }
    if (referred.size > 1) {
      throw ambiguous(`refers to ${referred.size} different patients (${[...referred.values()].join(', ')}), holds no Patient resource, and context.patientRef names none of them`);
    }
    const [only] = referred.keys();
    if (only !== undefined) {
      matches = (reference) => reference.key === only;
      patient = referred.get(only);
    }
  }

  const counted: FhirInputResource[] = [];
  const ignored: IgnoredResource[] = [];
  const ignore = (item: FhirInputResource, reason: IgnoredResourceReason, detail: string): void => {
    ignored.push({ reference: label(item), resourceType: item.resource.resourceType, reason, detail });
  };
  const whose = patient === undefined ? '' : ` (${patient})`;
  for (const item of read) {
    if (item.resource.resourceType === 'Patient') {
      if (item === bound) counted.push(item);
      else ignore(item, 'other-patient', `is not the decision's patient${whose}`);
      continue;
    }
    const references = elementsOf(item);
    const patientReferences = references.filter(isPatientType);
    // An Appointment's other participants (practitioners, locations) are not what it is about; a subject is.
    if (patientReferences.length === 0 && references.length > 0 && item.resource.resourceType !== 'Appointment') {
      const [first] = references;
      ignore(item, 'not-a-patient-resource', `${first.element} ${first.text} refers to a ${first.type}, not a Patient`);
    } else if (!matches) {
      counted.push(item);
    } else if (patientReferences.some((reference) => matches(reference.resolved))) {
      counted.push(item);
    } else if (patientReferences.length === 0) {
      const element = PATIENT_ELEMENT_NAMES[item.resource.resourceType];
      ignore(item, 'no-patient-reference', `has no ${element} reference to a Patient, so it cannot be tied to the decision's patient${whose}`);
    } else {
      const [first] = patientReferences;
      ignore(item, 'other-patient', `${first.element} ${first.text} is not the decision's patient${whose}`);
    }
  }
  return { counted, ignored, ...(patient !== undefined && { patient }) };
}

function ambiguous(message: string) {
  return unprocessable('AMBIGUOUS_PATIENT', `The FHIR input ${message}: say which patient the decision is about in context.patientRef.`, [
    { pointer: '/fhir', message },
  ]);
}
