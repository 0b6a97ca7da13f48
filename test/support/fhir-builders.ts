/**
 * Small typed builders of FHIR R4 resources and Bundles for e2e specs, shaped as a FHIR server returns them
 * (RESTful `fullUrl`s, relative references `Patient/<id>`, US Core vital-signs category, LOINC codes, UCUM units).
 * Every patient is synthetic.
 */

/** LOINC code system URI. */
export const LOINC = 'http://loinc.org';
/** UCUM code system URI. */
export const UCUM = 'http://unitsofmeasure.org';
/** The base URL of the fictitious FHIR server the built bundles come from (entry `fullUrl`s). */
export const FHIR_BASE = 'https://fhir.example.org/r4';

/** A FHIR R4 resource: its type, its logical id and any other elements. */
export interface FhirResource {
  resourceType: string;
  id: string;
  [element: string]: unknown;
}

/** A FHIR R4 Bundle of resources (no requests or responses). */
export interface FhirBundle {
  resourceType: 'Bundle';
  type: 'collection' | 'searchset';
  entry: { fullUrl: string; resource: FhirResource }[];
}

/** The vital signs NEWS2 and the ESI danger zone read, in canonical units (absent ones are not recorded). */
export interface VitalSigns {
  /** LOINC 9279-1, breaths per minute (`/min`). */
  respiratoryRate?: number;
  /** LOINC 8867-4, beats per minute (`/min`). */
  heartRate?: number;
  /** LOINC 59408-5 + 2708-6 (US Core pulse oximetry), percent (`%`). */
  spo2?: number;
  /** LOINC 8480-6, mmHg (`mm[Hg]`). */
  systolicBp?: number;
  /** LOINC 8310-5, degrees Celsius (`Cel`). */
  temperatureC?: number;
}

/** LOINC codes and UCUM units of each vital sign, as US Core vital-signs profiles record them. */
const VITAL_SIGN_CODES: Record<keyof VitalSigns, { codes: string[]; unit: string }> = {
  respiratoryRate: { codes: ['9279-1'], unit: '/min' },
  heartRate: { codes: ['8867-4'], unit: '/min' },
  spo2: { codes: ['59408-5', '2708-6'], unit: '%' },
  systolicBp: { codes: ['8480-6'], unit: 'mm[Hg]' },
  temperatureC: { codes: ['8310-5'], unit: 'Cel' },
};

/** `Observation.category` vital-signs (HL7 observation-category). */
export const VITAL_SIGNS_CATEGORY = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];

/** A UCUM `valueQuantity`. */
export function quantity(value: number, ucum: string): { value: number; unit: string; system: string; code: string } {
  return { value, unit: ucum, system: UCUM, code: ucum };
}

/**
 * A Patient.
 * @param id logical id (the resource is referred to as `Patient/<id>`)
 * @param birthDate FHIR `date` (`YYYY-MM-DD`)
 */
export function patient(id: string, birthDate: string): FhirResource {
  return { resourceType: 'Patient', id, birthDate };
}

/**
 * A final Observation with a LOINC code and a value, about `subject`.
 * @param id logical id
 * @param subject reference to the patient (`Patient/<id>`)
 * @param loincCodes one or more LOINC codes (all put in `code.coding`)
 * @param effective `effectiveDateTime` (RFC 3339)
 * @param value `valueQuantity` (or any other value element, through `more`)
 * @param more further elements (status, component, category …), overriding the defaults
 */
export function observation(id: string, subject: string, loincCodes: string[], effective: string,
  value: Record<string, unknown> | undefined, more: Record<string, unknown> = {}): FhirResource {
  return {
    resourceType: 'Observation', id, status: 'final', category: VITAL_SIGNS_CATEGORY,
    code: { coding: loincCodes.map((code) => ({ system: LOINC, code })) },
    subject: { reference: subject }, effectiveDateTime: effective,
    ...(value !== undefined && { valueQuantity: value }),
    ...more,
  };
}

/**
 * One vital-sign Observation per given vital sign, with ids `<patientId>-<fact>` (`adult-heartRate`).
 * @param patientId the Patient's logical id
 * @param effective when they were taken (RFC 3339)
 * @param vitals the values, in the units of {@link VitalSigns}
 */
export function vitalSignObservations(patientId: string, effective: string, vitals: VitalSigns): FhirResource[] {
  return (Object.keys(VITAL_SIGN_CODES) as (keyof VitalSigns)[])
    .filter((fact) => vitals[fact] !== undefined)
    .map((fact) => observation(`${patientId}-${fact}`, `Patient/${patientId}`, VITAL_SIGN_CODES[fact].codes, effective,
      quantity(vitals[fact]!, VITAL_SIGN_CODES[fact].unit)));
}

/**
 * A Bundle of the resources, each with the RESTful `fullUrl` `<FHIR_BASE>/<type>/<id>`.
 * @param type `collection`, or `searchset` as a search across patients returns it
 */
export function fhirBundle(resources: FhirResource[], type: FhirBundle['type'] = 'collection'): FhirBundle {
  return {
    resourceType: 'Bundle', type,
    entry: resources.map((resource) => ({ fullUrl: `${FHIR_BASE}/${resource.resourceType}/${resource.id}`, resource })),
  };
}
