import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { pointerToken } from '../common/domain-error.js';
import { isObject } from './fhir-input.js';

/** One item of a FHIRPath result: its plain JSON value and, when it is an element of the resource, its pointer. */
export interface FhirPathItem {
  value: unknown;
  /** JSON Pointer of the element relative to the resource (`/period/start`), when the item is one. */
  pointer?: string;
}

/** A FHIRPath expression compiled once with the FHIR R4 model, evaluated on one resource at a time. */
export interface FhirPathExpression {
  readonly expression: string;
  /** The result collection in order. Throws when evaluation fails (for example `single()` on several items). */
  evaluate(resource: Record<string, unknown>): FhirPathItem[];
  /** FHIRPath truthiness of a `where` criterion: true only for the singleton collection `{ true }`. */
  test(resource: Record<string, unknown>): boolean;
}

/** The ResourceNode of fhirpath.js (`src/types.js`): an element of the input with its place in the tree. */
interface ResourceNode {
  parentResNode: ResourceNode | null;
  path: string | null;
  propName?: string | null;
  index?: number | null;
  data: unknown;
  fhirNodeDataType?: string | null;
  /** The element's JSON value: `data`, except that fhirpath.js holds integers and decimals as its own decimal type. */
  toJSON(): unknown;
}

function isResourceNode(item: unknown): item is ResourceNode {
  return isObject(item) && 'parentResNode' in item && 'data' in item;
}

/**
 * The JSON Pointer of a ResourceNode relative to its resource. fhirpath.js names a choice element without its type
 * suffix (`value` for `valueQuantity`), so the suffix is added back from the R4 model's choice-type paths; the
 * pointer is then checked against the resource and dropped if it does not lead to the node's JSON value `value`.
 */
function nodePointer(node: ResourceNode, value: unknown, resource: Record<string, unknown>): string | undefined {
  const tokens: (string | number)[] = [];
  for (let n: ResourceNode | null = node; n?.parentResNode; n = n.parentResNode) {
    if (typeof n.index === 'number') tokens.unshift(n.index);
    let name = n.propName;
    if (!name) return undefined;
    const type = n.fhirNodeDataType;
    if (type && r4.choiceTypePaths[`${n.parentResNode.path}.${name}`]) {
      name += type.charAt(0).toUpperCase() + type.slice(1);
    }
    tokens.unshift(name);
  }
  let at: unknown = resource;
  for (const token of tokens) at = isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[token] : undefined;
  return at === value ? tokens.map((t) => `/${pointerToken(t)}`).join('') : undefined;
}

/**
 * Compiles a FHIRPath expression (http://hl7.org/fhirpath/N1/) with fhirpath.js and its FHIR R4 model, and tries it
 * once on an empty resource of `resourceType`, so that a syntax error or an unknown function is found when the
 * rulebook is loaded rather than on a request.
 *
 * @param expression the FHIRPath expression, evaluated with the resource as its context (`period.start` or
 *   `Encounter.period.start`)
 * @param resourceType the type of resource it will be evaluated on
 * @throws Error with fhirpath.js's message when the expression does not compile or fails on an empty resource
 */
export function compileFhirPath(expression: string, resourceType: string): FhirPathExpression {
  const compiled = fhirpath.compile(expression, r4, { resolveInternalTypes: false });
  const evaluate = (resource: Record<string, unknown>): FhirPathItem[] =>
    compiled(resource)
      .map((item: unknown): FhirPathItem => {
        if (isResourceNode(item)) {
          const value = item.toJSON(); // a number for integer and decimal elements, the resource's own JSON otherwise
          return { value, pointer: nodePointer(item, value, resource) };
        }
        return { value: fhirpath.resolveInternalTypes(item) };
      })
      .filter((item: FhirPathItem) => item.value !== undefined && item.value !== null);
  evaluate({ resourceType });
  return {
    expression,
    evaluate,
    test: (resource) => {
      const result = evaluate(resource);
      return result.length === 1 && result[0].value === true;
    },
  };
}
