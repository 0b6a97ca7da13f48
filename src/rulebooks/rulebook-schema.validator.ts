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
 * Validates a rulebook document against the rulebook JSON Schema with ajv.
 * @param document parsed JSON
 * @returns the problems, each with a JSON Pointer into the document (empty when valid)
 */
export function validateRulebookDocument(document: unknown): ProblemPointer[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => ({
    pointer: e.instancePath,
    message: e.keyword === 'additionalProperties'
      ? `unknown property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`
      : (e.message ?? 'is invalid'),
  }));
}

/** Type guard over `validateRulebookDocument`. */
export function isRulebookDocument(document: unknown): document is RulebookDocument {
  return validateRulebookDocument(document).length === 0;
}
