import { fhirDefinitionValidator } from '../../src/facts/fhir-validator.js';

/**
 * Validates a FHIR R4 Bundle of AuditEvent resources against the official R4 JSON schema, with the validators of
 * src/facts/fhir-validator.ts: the Bundle envelope (`ResourceList` relaxed to an object), then each entry's resource
 * against the `AuditEvent` definition, which is what the schema's discriminator selects.
 * @returns readable problems, empty when valid
 */
export function auditEventBundleProblems(bundle: unknown): string[] {
  const problems: string[] = [];
  const envelope = fhirDefinitionValidator('Bundle');
  if (!envelope(bundle)) problems.push(...(envelope.errors ?? []).map((e) => `Bundle${e.instancePath}: ${e.message}`));
  const auditEvent = fhirDefinitionValidator('AuditEvent');
  ((bundle as { entry?: { resource?: { resourceType?: string } }[] }).entry ?? []).forEach((entry, i) => {
    if (entry.resource?.resourceType !== 'AuditEvent') problems.push(`entry/${i}: not an AuditEvent`);
    else if (!auditEvent(entry.resource)) problems.push(...(auditEvent.errors ?? []).map((e) => `entry/${i}/resource${e.instancePath}: ${e.message}`));
  });
  return problems;
}
