// Self-contained schemas from the named ones: validators (Fastify's ajv, the MCP SDK) and MCP
// clients get schemas without `$ref`s, because many clients do not follow references at all.
// Rules (docs/openapi.md):
//  - a reference is expanded in place; a reference to a definition that is already being
//    expanded (a cycle) becomes `{type: object, additionalProperties: true}` with a description
//    naming the definition;
//  - expansion stops after NODE_BUDGET schema nodes per schema: what is left becomes an open value
//    named the same way, so the output stays linear in the size of the document;
//  - `output` schemas describe what the upstream sends and never reject it: `required`, `enum`,
//    `format`, bounds, patterns and `additionalProperties: false` are left out (enum values are
//    listed in the description), and every typed value may also be null;
//  - `mcp` schemas also turn `oneOf` into `anyOf` and drop enums of more than MAX_ENUM values
//    (listed in the description instead), which MCP clients mishandle;
//  - `default`s are said in the description, never given to a validator: validators that fill
//    defaults in would turn a partial update (PATCH) into an overwrite;
//  - parameters (path, query, header) are never null: their `null` branches are dropped.
import type { JsonSchema } from '../model/types.js';
import { refName } from './schema.js';

const NODE_BUDGET = 400;
const MAX_ENUM = 50;

export interface InlineOptions {
  /** Descriptive (responses) rather than validating (requests). */
  output?: boolean;
  /** Simplified for MCP clients. */
  mcp?: boolean;
}

const CONSTRAINTS = [
  'required',
  'enum',
  'const',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
];

export function inline(
  schema: JsonSchema,
  defs: ReadonlyMap<string, JsonSchema>,
  options: InlineOptions = {},
): JsonSchema {
  let budget = NODE_BUDGET;
  const stack: string[] = [];
  const open = (name: string, why: string, like?: JsonSchema): JsonSchema => {
    const type = like && typeof like.type === 'string' ? like.type : 'object';
    return {
      type,
      ...(type === 'object' ? { additionalProperties: true } : {}),
      description: `${name}, not expanded (${why}).`,
    };
  };
  const walk = (node: JsonSchema): JsonSchema => {
    budget--;
    const name = refName(node);
    if (name !== undefined) {
      const def = defs.get(name) ?? {};
      if (stack.includes(name)) return withDescription(open(name, 'recursive', def), node);
      if (budget <= 0) return withDescription(open(name, 'the schema is too large', def), node);
      stack.push(name);
      const expanded = walk(def);
      stack.pop();
      return withDescription(expanded, node);
    }
    const out: JsonSchema = {};
    let defaultValue: unknown;
    for (const [key, value] of Object.entries(node)) {
      if (options.output && CONSTRAINTS.includes(key)) continue;
      switch (key) {
        case 'properties':
          out.properties = Object.fromEntries(
            Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, walk(v)]),
          );
          break;
        case 'items':
          out.items = walk(value as JsonSchema);
          break;
        case 'additionalProperties':
          if (value === false) {
            if (!options.output) out.additionalProperties = false;
          } else {
            const sub = walk(value as JsonSchema);
            out.additionalProperties = Object.keys(sub).length === 0 ? true : sub;
          }
          break;
        case 'oneOf':
        case 'anyOf':
        case 'allOf':
          out[options.mcp && key === 'oneOf' ? 'anyOf' : key] = (value as JsonSchema[]).map(walk);
          break;
        case 'not':
          out.not = walk(value as JsonSchema);
          break;
        case 'default':
          // Validators fill defaults in (Fastify's ajv uses useDefaults), which would turn a
          // partial update into an overwrite; the upstream applies its own defaults.
          defaultValue = value;
          break;
        default:
          out[key] = value;
      }
    }
    // Providers send null for absent values more often than their documents say.
    if (options.output && typeof out.type === 'string' && out.type !== 'null') out.type = [out.type, 'null'];
    else if (options.output && Array.isArray(out.type) && !(out.type as string[]).includes('null'))
      out.type = [...(out.type as string[]), 'null'];
    if (defaultValue !== undefined) {
      const said = `Default: ${JSON.stringify(defaultValue)}.`;
      out.description = typeof out.description === 'string' ? `${out.description} ${said}` : said;
    }
    const values = node.enum;
    if (Array.isArray(values) && (options.output || (options.mcp && values.length > MAX_ENUM))) {
      delete out.enum;
      const shown = values.slice(0, MAX_ENUM).map((v) => JSON.stringify(v));
      const more = values.length > MAX_ENUM ? `, … (${values.length} in all)` : '';
      const list = `One of ${shown.join(', ')}${more}.`;
      out.description = typeof out.description === 'string' ? `${out.description} ${list}` : list;
    }
    return out;
  };
  return walk(schema);
}

function withDescription(schema: JsonSchema, ref: JsonSchema): JsonSchema {
  return typeof ref.description === 'string' ? { ...schema, description: ref.description } : schema;
}

/** A parameter's schema: never null (a URL has no null), else as given. */
export function paramSchema(schema: JsonSchema): JsonSchema {
  const out = { ...schema };
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    out.type = types.length === 1 ? types[0] : types;
  }
  if (Array.isArray(out.enum)) out.enum = (out.enum as unknown[]).filter((v) => v !== null);
  return out;
}

/** The first non-null JSON type of a schema, looking through one reference. */
export function mainType(schema: JsonSchema, defs: ReadonlyMap<string, JsonSchema>): string | undefined {
  const name = refName(schema);
  const s = name !== undefined ? (defs.get(name) ?? {}) : schema;
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t as string[]).find((x) => x !== 'null');
  return undefined;
}
