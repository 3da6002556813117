// The JSON Schemas of input objects, as the generated schemas.ts builds them: REST routes
// validate with them and MCP tools list them as input schemas.

/** A JSON Schema, as Fastify's validator and the MCP SDK take it. */
export type JsonSchema = Record<string, unknown>;

/** An object schema; its properties can make part of another (`{ zone, ...listQuery.properties }`). */
export interface ObjectSchema extends JsonSchema {
  properties: Record<string, JsonSchema>;
}

/**
 * An object of named properties. Properties not listed are refused, unless `open` (headers, the
 * fields of a body, a path segment holding several parameters).
 */
export function object(
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  open = false,
): ObjectSchema {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: open,
  };
}
