import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { projectRoot } from '../common/project-root.js';
import type { ProblemPointer } from '../common/domain-error.js';
import type { RulebookDocument } from './rulebook.types.js';

// ajv-formats is CommonJS: under Node ESM its default export is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** Path of the published JSON Schema (draft 2020-12) of the rulebook format. */
export function rulebookSchemaPath(): string {
  return join(projectRoot(), 'src', 'rulebooks', 'schema', 'rulebook.schema.json');
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(rulebookSchemaPath(), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/**
 * Validates a rulebook document against the rulebook JSON Schema with ajv (all errors).
 *
 * Conditions, FHIR derivations and events are unions (`oneOf`/`anyOf`): one mistake inside a union makes ajv report
 * every alternative that did not match at the union's place ("must have required property 'all'", "unknown property
 * 'fact'", …) besides the real problem deeper inside. Where a union failed and problems exist deeper inside it, the
 * problems at the union's own place are dropped, so the reader sees the mistake (`/rules/3/conditions/all/0/operator`:
 * must match pattern …). Duplicates are removed.
 *
 * @param document parsed JSON
 * @returns the problems, each with a JSON Pointer into the document (empty when valid)
 */
export function validateRulebookDocument(document: unknown): ProblemPointer[] {
  const validate = validator();
  if (validate(document)) return [];
  const errors = validate.errors ?? [];
  const unions = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  const noise = new Set([...unions].filter((at) => errors.some((e) => e.instancePath.startsWith(`${at}/`))));
  const seen = new Set<string>();
  const problems: ProblemPointer[] = [];
  for (const e of errors) {
    if (noise.has(e.instancePath)) continue;
    const problem = {
      pointer: e.instancePath,
      message: e.keyword === 'additionalProperties'
        ? `unknown property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`
        : (e.message ?? 'is invalid'),
    };
    const id = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems;
}

/** Type guard over `validateRulebookDocument`. */
export function isRulebookDocument(document: unknown): document is RulebookDocument {
  return validateRulebookDocument(document).length === 0;
}
