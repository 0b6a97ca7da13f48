import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { jsonPointer, pointerToken, unprocessable, type ProblemPointer } from '../common/domain-error.js';
import { isObject, READ_RESOURCE_TYPES } from './fhir-input.js';

/**
 * Structural validation of the request's `fhir` input against the official FHIR R4 (4.0.1) JSON Schema
 * (`./schema/fhir.schema.json`, http://hl7.org/fhir/R4/json.html#schema, draft-06).
 *
 * What is validated: the Bundle envelope (when the input is a Bundle) and every resource of the types Verdict reads
 * facts from (Patient, Observation, Condition, Encounter, Appointment, ServiceRequest, Coverage), each against its
 * own definition. Resources of other types pass unvalidated (only their `resourceType` must name an R4 resource):
 * Verdict reads nothing from them, and a defect in, say, a Claim must not block a triage decision.
 *
 * Deviations from the published schema, applied to an in-memory copy (the file stays byte-for-byte official):
 * - `ResourceList` (the union of all 146 resource types, used by `Bundle.entry.resource` and `contained`) becomes
 *   `{ "type": "object" }`. Compiled as published it pulls every resource type into each validator, and Ajv then
 *   tries every member of the union for each entry: 4–7 s per 1 MB Synthea bundle instead of about 1 ms. Bundle
 *   entries are validated one by one instead (with precise pointers); `contained` resources are not validated because
 *   Verdict does not read them.
 * - The root `id` (a draft-04 keyword in a draft-06 schema, which Ajv 8 rejects) becomes `$id`; the root `oneOf` and
 *   the non-standard `discriminator` are dropped (nothing validates against the root).
 * - Every definition with `properties` (each resource, backbone element and complex data type) gets
 *   `"type": "object"`. The published schema leaves it out, so that a number, string or array passed wherever an
 *   element was expected (a Bundle entry `1`, an `Observation.code` `"x"`): JSON Schema applies `properties` to
 *   objects only. FHIR JSON (http://hl7.org/fhir/R4/json.html) represents all of these as objects.
 *
 * Beyond the schema, one invariant of the specification is checked: bdl-5, a Bundle entry holds a resource unless it
 * has a request or response.
 */

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';
/** At most this many problems are reported; the detail says how many there were. */
const MAX_REPORTED_PROBLEMS = 50;
const ENTRY_RESOURCE = /^\/fhir\/entry\/\d+\/resource$/;

interface FhirValidators {
  bundle: ValidateFunction;
  byType: Map<string, ValidateFunction>;
  /** Every R4 resource type the schema defines. */
  resourceTypes: ReadonlySet<string>;
}

let validators: FhirValidators | undefined;
/** Inputs already found valid, so that validating the same request body again (service, then intake) is free. */
const validInputs = new WeakSet<object>();

interface FhirSchema {
  $schema: string;
  id?: string;
  discriminator: { mapping: Record<string, string> };
  definitions: Record<string, unknown>;
}

/**
 * The official schema, imported as a JSON module so that the TypeScript build copies it next to this module
 * (`dist/src/facts/schema/`); parsed once when the module loads (about 30 ms), compiled on warm-up.
 */
const published = (await import('./schema/fhir.schema.json', { with: { type: 'json' } })).default as unknown as FhirSchema;

/** The in-memory copy of the official schema that Verdict compiles (see the deviations above). */
function verdictSchema(): { schema: Record<string, unknown>; resourceTypes: string[] } {
  if (published.id !== SCHEMA_ID) throw new Error(`unexpected FHIR schema id ${String(published.id)}`);
  return {
    schema: {
      $schema: published.$schema,
      $id: SCHEMA_ID,
      definitions: { ...objectTyped(published.definitions), ResourceList: { type: 'object' } },
    },
    resourceTypes: Object.keys(published.discriminator.mapping),
  };
}

/** The definitions with `"type": "object"` added to each one that has `properties` (see the deviations above). */
function objectTyped(definitions: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(definitions).map(([name, definition]) => {
    const d = definition as Record<string, unknown>;
    return [name, d.properties !== undefined ? { ...d, type: 'object' } : d];
  }));
}

let schemaAjv: Ajv | undefined;

/**
 * The validator of one definition of the FHIR R4 schema (`Bundle`, `Observation`, `AuditEvent`, …), compiled from the
 * same in-memory copy of the official schema the request validation uses (draft-06, `ResourceList` relaxed to an
 * object). For validating what Verdict itself emits, such as the AuditEvent export.
 * @param definition an R4 definition name
 * @returns an ajv validate function (errors in `.errors`, with `instancePath` JSON Pointers)
 * @throws Error when the schema has no such definition
 */
export function fhirDefinitionValidator(definition: string): ValidateFunction {
  if (!schemaAjv) {
    schemaAjv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    schemaAjv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
    schemaAjv.addSchema(verdictSchema().schema);
  }
  const validate = schemaAjv.getSchema(`${SCHEMA_ID}#/definitions/${definition}`);
  if (!validate) throw new Error(`FHIR schema has no definition for ${definition}`);
  return validate;
}

function compileValidators(): FhirValidators {
  const { resourceTypes } = verdictSchema();
  const compile = fhirDefinitionValidator;
  return {
    bundle: compile('Bundle'),
    byType: new Map([...READ_RESOURCE_TYPES].map((type) => [type, compile(type)])),
    resourceTypes: new Set(resourceTypes),
  };
}

function fhirValidators(): FhirValidators {
  validators ??= compileValidators();
  return validators;
}

/**
 * Compiles the FHIR R4 validators now rather than on the first request with FHIR input (call at service start).
 * Takes about 0.3 s (the Bundle and seven resource validators are compiled from the 3.3 MB schema).
 *
 * @throws Error when the bundled schema file is missing or not the FHIR R4 schema
 */
export function warmUpFhirValidator(): void {
  fhirValidators();
}

/**
 * Validates the request's `fhir` input: a FHIR R4 Bundle of any type or a single resource (see the module notes
 * above for what is checked and the documented deviations from the official schema).
 *
 * @param fhir the `fhir` member of the request body, as parsed JSON
 * @throws DomainError 422 `FHIR_INVALID` with one pointer per problem into the request body
 *   (`/fhir/entry/3/resource/status`), for a non-object (the input, a Bundle entry, a resource or any element), a
 *   resource without `resourceType` or of a type R4 does not define, a Bundle entry with neither resource, request nor
 *   response (bdl-5), and every schema violation (at most 50 pointers are listed). An object already found valid is not
 *   checked again (the decisions service validates before taking in facts; the body is not changed in between).
 */
export function validateFhirInput(fhir: unknown): void {
  if (isObject(fhir) && validInputs.has(fhir)) return;
  const problems: ProblemPointer[] = [];
  const { bundle, byType, resourceTypes } = fhirValidators();

  const checkResource = (resource: unknown, pointer: string): void => {
    if (!isObject(resource)) {
      problems.push({ pointer, message: 'must be a FHIR resource (a JSON object)' });
      return;
    }
    const type = resource.resourceType;
    if (typeof type !== 'string') {
      problems.push({ pointer: `${pointer}/resourceType`, message: 'is required and must be a string' });
      return;
    }
    if (!resourceTypes.has(type)) {
      problems.push({ pointer: `${pointer}/resourceType`, message: `'${type}' is not a FHIR R4 resource type` });
      return;
    }
    const validate = type === 'Bundle' ? undefined : byType.get(type);
    if (validate && !validate(resource)) problems.push(...toProblems(validate.errors ?? [], pointer));
  };

  if (isObject(fhir) && fhir.resourceType === 'Bundle') {
    // Entry resources are checked one by one below; the envelope's only word on them (`must be object`) would repeat.
    if (!bundle(fhir)) problems.push(...toProblems(bundle.errors ?? [], '/fhir').filter((p) => !ENTRY_RESOURCE.test(p.pointer)));
    if (Array.isArray(fhir.entry)) {
      fhir.entry.forEach((entry: unknown, index) => {
        if (!isObject(entry)) return; // the envelope's validation reports it (Bundle_Entry is an object)
        if (entry.resource !== undefined) checkResource(entry.resource, jsonPointer('fhir', 'entry', index, 'resource'));
        else if (entry.request === undefined && entry.response === undefined)
          problems.push({ pointer: jsonPointer('fhir', 'entry', index), message: 'must hold a resource unless it has a request or response (FHIR R4 bdl-5)' });
      });
    }
  } else {
    checkResource(fhir, '/fhir');
  }

  if (problems.length > 0) {
    const unique = [...new Map(problems.map((p) => [`${p.pointer}\n${p.message}`, p])).values()];
    const shown = unique.slice(0, MAX_REPORTED_PROBLEMS);
    const more = unique.length > shown.length ? ` (the first ${shown.length} of ${unique.length} are listed)` : '';
    throw unprocessable('FHIR_INVALID', `The FHIR input is not valid FHIR R4 JSON${more}.`, shown);
  }
  if (isObject(fhir)) validInputs.add(fhir);
}

/** Turns Ajv errors into pointers into the request body, naming the offending property where Ajv names it. */
function toProblems(errors: ErrorObject[], basePointer: string): ProblemPointer[] {
  return errors.map((error) => {
    const pointer = basePointer + error.instancePath;
    switch (error.keyword) {
      case 'additionalProperties':
        return {
          pointer: `${pointer}/${pointerToken(String(error.params.additionalProperty))}`,
          message: 'is not an element of this FHIR R4 type',
        };
      case 'required':
        return { pointer: `${pointer}/${pointerToken(String(error.params.missingProperty))}`, message: 'is required' };
      case 'enum':
        return {
          pointer,
          message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        };
      default:
        return { pointer, message: error.message ?? 'is not valid' };
    }
  });
}
