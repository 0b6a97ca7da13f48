import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Validates a FHIR R4 Bundle of AuditEvent resources against the official R4 JSON schema (src/facts/schema,
 * http://hl7.org/fhir/R4/json.html#schema), the way src/facts/fhir-validator.ts does: the Bundle envelope with
 * `ResourceList` relaxed to an object (compiled whole, Ajv tries all 146 resource types per entry), and each entry's
 * resource against its own definition (`AuditEvent`), which is what the schema's discriminator selects.
 * @returns readable problems, empty when valid
 */
export function auditEventBundleProblems(bundle: unknown): string[] {
  const schema = JSON.parse(readFileSync('src/facts/schema/fhir.schema.json', 'utf8')) as { $schema: string; definitions: Record<string, unknown> };
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
  const id = 'http://hl7.org/fhir/json-schema/4.0';
  ajv.addSchema({ $schema: schema.$schema, $id: id, definitions: { ...schema.definitions, ResourceList: { type: 'object' } } });
  const validator = (name: string) => ajv.getSchema(`${id}#/definitions/${name}`) as ValidateFunction;
  const problems: string[] = [];
  const envelope = validator('Bundle');
  if (!envelope(bundle)) problems.push(...(envelope.errors ?? []).map((e) => `Bundle${e.instancePath}: ${e.message}`));
  const auditEvent = validator('AuditEvent');
  ((bundle as { entry?: { resource?: { resourceType?: string } }[] }).entry ?? []).forEach((entry, i) => {
    if (entry.resource?.resourceType !== 'AuditEvent') problems.push(`entry/${i}: not an AuditEvent`);
    else if (!auditEvent(entry.resource)) problems.push(...(auditEvent.errors ?? []).map((e) => `entry/${i}/resource${e.instancePath}: ${e.message}`));
  });
  return problems;
}
