import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped or not depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON document, walked generically
export type Json = Record<string, any>;

/**
 * The document's component schemas as JSON Schema for Ajv, closed: an object schema that lists properties and says
 * nothing of others gets `additionalProperties: false`, so a response field the document does not describe fails
 * validation. A nullable reference, which Nest writes `{ nullable: true, type: 'object', allOf: [{ $ref }] }` (OpenAPI
 * 3.0 cannot say it better), is read as tools read it: null, or the referenced schema.
 */
export function closedSchemas(schemas: Json): Json {
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (!node || typeof node !== 'object') return node;
    const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, close(v)]));
    if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
    if (copy.nullable === true && Array.isArray(copy.allOf)) {
      const { nullable: _nullable, type: _type, allOf, ...rest } = copy;
      return { ...rest, anyOf: [{ type: 'null' }, { allOf }] };
    }
    return copy;
  };
  return close(schemas) as Json;
}

/**
 * Validates bodies against the component schemas of an OpenAPI 3.0 document (closed, see {@link closedSchemas}).
 * OpenAPI 3.0 schemas are JSON Schema with `nullable` (which Ajv knows) and `example`.
 * @returns `matches(body, name)`: `{ valid, errors }` for the component schema `name`
 */
export function componentSchemaValidator(document: Json): (body: unknown, name: string) => { valid: boolean; errors: unknown } {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: { schemas: closedSchemas(document.components.schemas) } }, 'openapi');
  const validators = new Map<string, ValidateFunction>();
  return (body, name) => {
    if (!validators.has(name)) validators.set(name, ajv.compile({ $ref: `openapi#/components/schemas/${name}` }));
    const validate = validators.get(name)!;
    return { valid: validate(body), errors: validate.errors ?? null };
  };
}
