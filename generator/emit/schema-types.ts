// TypeScript types printed from the JSON Schemas an OpenAPI document gave the model: references
// to named schemas print as the type's name, enums as unions of literals, objects as inline
// object types (or interfaces, for named ones). Spec text reaches code only through escape.ts.
import type { JsonSchema } from '../model/types.js';
import { refName } from '../openapi/schema.js';
import { Code, code, doc, ident, join, lit, prop } from './escape.js';

/** A type expression for a schema. */
export function schemaType(schema: JsonSchema): Code {
  const name = refName(schema);
  if (name !== undefined) return ident(name);
  if (Array.isArray(schema.enum)) return union((schema.enum as unknown[]).map((v) => lit(v)));
  if (schema.const !== undefined) return lit(schema.const);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) return union((list as JsonSchema[]).map(schemaType));
  }
  if (Array.isArray(schema.allOf))
    return new Code((schema.allOf as JsonSchema[]).map((s) => `(${schemaType(s).text})`).join(' & '));
  const types = Array.isArray(schema.type)
    ? (schema.type as string[])
    : typeof schema.type === 'string'
      ? [schema.type]
      : [];
  if (types.length === 0) return new Code('unknown');
  return union(types.map((t) => single(t, schema)));
}

function single(type: string, schema: JsonSchema): Code {
  switch (type) {
    case 'string':
      return new Code('string');
    case 'integer':
    case 'number':
      return new Code('number');
    case 'boolean':
      return new Code('boolean');
    case 'null':
      return new Code('null');
    case 'array': {
      const items = schema.items as JsonSchema | undefined;
      const inner = items ? schemaType(items) : new Code('unknown');
      return /^[A-Za-z0-9_$]+$/.test(inner.text) ? code`${inner}[]` : code`Array<${inner}>`;
    }
    case 'object':
      return objectType(schema, false);
    default:
      return new Code('unknown');
  }
}

/** `{ a: string; b?: number }`, with an index signature for declared additional properties. */
function objectType(schema: JsonSchema, multiline: boolean): Code {
  const props = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const members = Object.entries(props).map(([name, sub]) => {
    const line = code`${prop(name)}${new Code(required.has(name) ? '' : '?')}: ${schemaType(sub)};`;
    const description = typeof sub.description === 'string' ? sub.description : undefined;
    return multiline && description ? join([doc(description), line], '\n') : line;
  });
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) {
    // Declared properties must fit the index signature, so it is `unknown` beside them.
    const value =
      members.length > 0 || extra === true || Object.keys(extra as object).length === 0
        ? new Code('unknown')
        : schemaType(extra as JsonSchema);
    members.push(code`[key: string]: ${value};`);
  }
  if (members.length === 0) return new Code('Record<string, unknown>');
  return multiline ? code`{\n${join(members, '\n')}\n}` : code`{ ${join(members, ' ')} }`;
}

function union(parts: Code[]): Code {
  const unique = [...new Map(parts.map((p) => [p.text, p])).values()];
  if (unique.length === 0) return new Code('never');
  return unique.length === 1 ? unique[0]! : new Code(unique.map((p) => p.text).join(' | '));
}

/** The declarations of named schemas: interfaces for objects, type aliases for the rest. */
export function schemaDeclarations(schemas: ReadonlyMap<string, JsonSchema>): Code[] {
  return [...schemas].map(([name, schema]) => {
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    const header = description ? code`${doc(description)}\n` : new Code('');
    const isObject =
      schema.type === 'object' &&
      schema.enum === undefined &&
      schema.oneOf === undefined &&
      schema.anyOf === undefined;
    const body = isObject ? objectType(schema, true) : undefined;
    if (body?.text.startsWith('{')) return code`${header}export interface ${ident(name)} ${body}`;
    return code`${header}export type ${ident(name)} = ${schemaType(schema)};`;
  });
}

/** The named types a schema's printed type mentions (references, not what they contain). */
export function namedTypesIn(schema: JsonSchema | undefined, into = new Set<string>()): Set<string> {
  if (!schema) return into;
  const name = refName(schema);
  if (name !== undefined) return into.add(name);
  for (const value of Object.values(schema)) {
    if (Array.isArray(value))
      for (const v of value) if (v && typeof v === 'object') namedTypesIn(v as JsonSchema, into);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      // `properties` is a map of schemas; anything else object-valued is a schema itself.
      const inner = value as Record<string, unknown>;
      if (Object.values(inner).every((v) => v && typeof v === 'object' && !Array.isArray(v)))
        for (const v of Object.values(inner)) namedTypesIn(v as JsonSchema, into);
      namedTypesIn(inner as JsonSchema, into);
    }
  }
  return into;
}
