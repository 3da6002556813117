// Types from an OpenAPI document (`--openapi NS=FILE`): each consumed operation of NS is paired
// with the document's operation of the same method and path template, and its parameters, body
// and success answer take the document's schemas. The capability still decides what is exposed
// and how; the document only supplies exact types. See docs/openapi.md.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import type { DocumentSet } from '../openapi/document.js';
import { inline, mainType, paramSchema } from '../openapi/inline.js';
import { basePath, OpenApiSource, type OperationTypes, type ParamTypes } from '../openapi/match.js';
import { refName } from '../openapi/schema.js';
import type {
  ConsumedOperation,
  ConsumedParam,
  JsonSchema,
  OutputMapping,
  OutputShape,
  ParamType,
} from './types.js';

/** Where a consumed parameter was declared, and whether it named its type, for conflict notes. */
export interface ParamOrigin {
  at: PathKey[];
  explicitType: boolean;
}

export interface TypingInput {
  namespace: string;
  baseUri: string;
  docs: DocumentSet;
  file: string;
  operations: { op: ConsumedOperation; at: PathKey[] }[];
  origins: WeakMap<ConsumedParam, ParamOrigin>;
  report: Reporter;
  takeName: (suggested: string) => string;
}

/** Types the operations of one API in place; returns the named schemas it reached. */
export function typeOperations(input: TypingInput): Map<string, JsonSchema> {
  const source = new OpenApiSource(input.namespace, input.docs, input.takeName);
  const base = basePath(input.baseUri);
  // Match first, inline once every definition is known.
  const matched: [ConsumedOperation, OperationTypes][] = [];
  for (const { op, at } of input.operations) {
    const types = source.match(op.method, base, op.path);
    if (types) {
      matched.push([op, types]);
      continue;
    }
    const path = base + op.path.map((p) => (p.kind === 'text' ? p.text : `{${p.name}}`)).join('');
    input.report.note(
      'openapi-unmatched',
      `${input.file} has no operation ${op.method} ${path}; "${op.name}" keeps the types the capability declares`,
      at,
    );
  }
  const defs = source.store.definitions;
  for (const [op, types] of matched) applyTypes(op, types, defs, input);
  return defs;
}

function applyTypes(
  op: ConsumedOperation,
  types: OperationTypes,
  defs: Map<string, JsonSchema>,
  input: TypingInput,
): void {
  op.description ??= types.description;
  const placeholders = op.path.flatMap((p) => (p.kind === 'param' ? [p.name] : []));
  const bodyParams = op.params.filter((p) => p.in === 'body');
  const wholeBody =
    bodyParams.length === 1 && (bodyParams[0]!.type === 'object' || bodyParams[0]!.type === 'array');
  for (const param of op.params) {
    let found: ParamTypes | { schema: JsonSchema; required: boolean; description?: string } | undefined;
    if (param.in === 'path') found = types.pathParams[placeholders.indexOf(param.name)];
    else if (param.in === 'body') {
      if (op.body || !types.body) continue; // a `body:` template decides the body's shape itself
      found = wholeBody ? types.body : bodyProperty(types.body.schema, param.name, defs);
    } else {
      const key = `${param.in}:${param.in === 'header' ? param.name.toLowerCase() : param.name}`;
      found = types.params.get(key);
    }
    if (!found) continue;
    // Parameters are printed inline (they are small); a URL has no null, so nullable wrappers
    // (`google.protobuf.StringValue`) become their plain type.
    const typed = param.in === 'body' ? found.schema : paramSchema(inline(found.schema, defs));
    const openapiType = jsonType(mainType(typed, defs));
    const origin = input.origins.get(param);
    if (openapiType && origin?.explicitType && !compatible(param.type, openapiType)) {
      input.report.warn(
        'openapi-conflict',
        `"${param.name}" is declared ${param.type} but ${input.file} (${types.label}) says ${openapiType}; the capability's type is kept`,
        [...origin.at, 'type'],
        'value',
      );
      continue;
    }
    if (openapiType && (param.in === 'body' || (openapiType !== 'object' && openapiType !== 'array')))
      param.type = openapiType;
    // The capability's own description wins over the document's; the document fills a gap.
    const own = param.description;
    param.description ??= found.description;
    param.required = param.required || found.required;
    param.typed = own !== undefined ? { ...typed, description: own } : typed;
    const schema = inline(param.typed, defs);
    param.schema =
      param.description !== undefined && schema.description === undefined
        ? { ...schema, description: param.description }
        : schema;
  }
  if (types.response) {
    op.response = {
      status: types.response.status,
      typed: types.response.schema,
      schema: inline(types.response.schema, defs, { output: true }),
    };
  }
}

/** The schema of one property of an object body, looking through one reference. */
function bodyProperty(
  schema: JsonSchema,
  name: string,
  defs: Map<string, JsonSchema>,
): { schema: JsonSchema; required: boolean; description?: string } | undefined {
  const ref = refName(schema);
  const object = ref !== undefined ? defs.get(ref) : schema;
  const props = object?.properties as Record<string, JsonSchema> | undefined;
  const prop = props?.[name];
  if (!prop) return undefined;
  const required = Array.isArray(object?.required) && (object.required as string[]).includes(name);
  return {
    schema: prop,
    required,
    description: typeof prop.description === 'string' ? prop.description : undefined,
  };
}

function jsonType(t: string | undefined): ParamType | undefined {
  return t === 'string' ||
    t === 'number' ||
    t === 'integer' ||
    t === 'boolean' ||
    t === 'array' ||
    t === 'object'
    ? t
    : undefined;
}

/** integer and number are one kind of value; anything else must be the same type. */
function compatible(declared: ParamType, openapi: ParamType): boolean {
  if (declared === openapi) return true;
  const numeric = (t: ParamType) => t === 'integer' || t === 'number';
  return numeric(declared) && numeric(openapi);
}

/**
 * What an exposed operation answers, from the consumed operation's typed answer: the answer
 * itself for a pass-through, or the mapping's shape with each JSONPath's schema looked up in it.
 */
export function exposedOutput(
  output: OutputMapping,
  response: ConsumedOperation['response'],
): JsonSchema | undefined {
  if (!response) return undefined;
  if (output.kind === 'passthrough') return response.schema;
  return shapeSchema(output.shape, response.schema);
}

/** An MCP tool's output schema: an object at the root, as structured content must be. */
export function toolOutput(schema: JsonSchema | undefined, output: OutputMapping): JsonSchema | undefined {
  if (!schema) return undefined;
  const objectRoot =
    output.kind === 'mapped'
      ? output.shape.kind === 'object'
      : schema.type === 'object' ||
        (Array.isArray(schema.type) && schema.type.includes('object') && !schema.type.includes('array'));
  if (objectRoot && schema.anyOf === undefined && schema.oneOf === undefined)
    return { ...schema, type: 'object' };
  return { type: 'object', properties: { result: schema }, additionalProperties: true };
}

function shapeSchema(shape: OutputShape, root: JsonSchema): JsonSchema {
  switch (shape.kind) {
    case 'object': {
      const base = shape.path !== undefined ? (lookup(root, shape.path) ?? root) : root;
      return {
        type: 'object',
        properties: Object.fromEntries(shape.properties.map((p) => [p.name, shapeSchema(p.shape, base)])),
        additionalProperties: true,
      };
    }
    case 'array': {
      const found = lookup(root, shape.path);
      const element = (found?.items as JsonSchema | undefined) ?? {};
      return { type: 'array', items: shape.items ? shapeSchema(shape.items, element) : element };
    }
    case 'const':
      return { type: 'string' };
    case 'value':
      return (
        lookup(root, shape.path) ?? (shape.type === 'object' ? { type: 'object' } : { type: shape.type })
      );
  }
}

/** The schema a JSONPath selects in a (self-contained) schema; `[*]` makes an array of it. */
function lookup(root: JsonSchema, path: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  let wraps = 0;
  for (const m of path.matchAll(/\.([A-Za-z0-9_$@-]+)|\[(\d+)\]|\[(\*)\]|\['([^']*)'\]/g)) {
    if (!node) return undefined;
    const key = m[1] ?? m[4];
    if (key !== undefined) {
      const props = node.properties as Record<string, JsonSchema> | undefined;
      node =
        props?.[key] ??
        (typeof node.additionalProperties === 'object'
          ? (node.additionalProperties as JsonSchema)
          : undefined);
    } else {
      if (m[3] !== undefined) wraps++;
      node = node.items as JsonSchema | undefined;
    }
  }
  if (!node) return undefined;
  for (let i = 0; i < wraps; i++) node = { type: 'array', items: node };
  return node;
}
