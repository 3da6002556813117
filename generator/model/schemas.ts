// The schema module (schemas.ts): every JSON Schema the REST routes validate with and the MCP
// tools list as input schemas, each written once. A value schema used by two or more inputs (the
// seed's `zone`) becomes a named constant; every object of inputs (a route's params, query,
// headers or body; a tool's arguments) becomes a named object, and identical objects are one.
// Names are decided here, once; emit/schemas.ts prints the module and the adapters import it.
import { camel, NameTable, pascal } from './names.js';
import type {
  Capability,
  ExposedInput,
  JsonSchema,
  McpTool,
  RestOperation,
  RestPath,
  SchemaModule,
  SchemaObject,
} from './types.js';

/** The runtime helper schemas.ts builds its objects with; no schema may take its name. */
export const OBJECT_HELPER = 'object';

/** An object of inputs before naming: what each property is called and whether others may appear. */
interface Draft {
  base: string;
  /** The name when several different objects would take `base`: the operation's own. */
  alt?: string;
  /** What the properties belong to, for naming a value schema several of them share. */
  owner: string;
  properties: { key: string; schema: JsonSchema }[];
  required: string[];
  open: boolean;
}

const keyOf = (schema: unknown) => JSON.stringify(schema);

/** A schema worth a name when shared: anything more than a bare `{type}`. */
const namable = (schema: JsonSchema) => !(Object.keys(schema).length === 1 && 'type' in schema);

function draft(
  owner: string,
  base: string,
  inputs: ExposedInput[],
  key: (i: ExposedInput) => string,
  open: boolean,
): Draft {
  return {
    owner,
    base,
    properties: inputs.map((i) => ({ key: key(i), schema: i.schema })),
    required: inputs.filter((i) => i.required).map(key),
    open,
  };
}

/** The REST route's validation objects, keyed by where Fastify applies them. */
function restDrafts(path: RestPath, op: RestOperation): Record<string, Draft | JsonSchema> {
  const routerName = (name: string) => path.params.find((p) => p.name === name)?.routerName ?? name;
  const group = (where: ExposedInput['in']) => op.inputs.filter((i) => i.in === where);
  const base = camel(op.ident);
  const out: Record<string, Draft | JsonSchema> = {};
  // Parameters inside a mixed segment are extracted by the runtime after validation; the router
  // only sees the whole segment.
  const extracted = new Set(path.segments.flatMap((s) => s.names));
  const routed = group('path').filter((i) => !extracted.has(routerName(i.name)));
  if (routed.length > 0 || path.segments.length > 0) {
    const keys = routed.map((i) => routerName(i.name)).join(' ');
    out.params = {
      ...draft(
        op.ident,
        `${camel(keys || 'segment')}Params`,
        routed,
        (i) => routerName(i.name),
        path.segments.length > 0,
      ),
      alt: `${base}Params`,
    };
  }
  // Unknown query parameters are refused with a 400, never silently dropped or forwarded.
  const query = group('query');
  out.querystring = draft(
    op.ident,
    query.length === 0 ? 'noQuery' : `${base}Query`,
    query,
    (i) => i.name,
    false,
  );
  const headers = group('header');
  if (headers.length > 0)
    out.headers = draft(op.ident, `${base}Headers`, headers, (i) => i.name.toLowerCase(), true);
  const body = group('body');
  const whole = body.find((i) => i.name === 'body');
  if (whole) {
    if (whole.required) out.body = whole.schema;
  } else if (body.length > 0) out.body = draft(op.ident, `${base}Body`, body, (i) => i.name, true);
  return out;
}

/** Never a bare `{type: object}` when there are inputs; `additionalProperties` is always false. */
const toolDraft = (tool: McpTool): Draft =>
  draft(tool.name, `${camel(tool.name)}Input`, tool.inputs, (i) => i.name, false);

/** Plans schemas.ts and records, on each REST operation and MCP tool, the names it validates with. */
export function planSchemas(model: Capability): SchemaModule {
  const routes = model.rest.flatMap((a) =>
    a.paths.flatMap((path) => path.operations.map((op) => ({ op, drafts: restDrafts(path, op) }))),
  );
  const tools = model.mcp.flatMap((a) => a.tools.map((tool) => ({ tool, draft: toolDraft(tool) })));
  const isDraft = (d: Draft | JsonSchema): d is Draft => 'base' in d && 'owner' in d && 'open' in d;
  const drafts = [
    ...routes.flatMap((r) => Object.values(r.drafts).filter(isDraft)),
    ...tools.map((t) => t.draft),
  ];
  // Value schemas: every property, and every whole-body schema, counted by content.
  const uses = new Map<string, { schema: JsonSchema; first: string; owner: string; count: number }>();
  const count = (schema: JsonSchema, name: string, owner: string) => {
    const entry = uses.get(keyOf(schema));
    if (entry) entry.count++;
    else uses.set(keyOf(schema), { schema, first: name, owner, count: 1 });
  };
  for (const r of routes)
    for (const d of Object.values(r.drafts)) if (!isDraft(d)) count(d, 'body', r.op.ident);
  for (const d of drafts) for (const p of d.properties) count(p.schema, p.key, d.owner);
  // One table for schemas.ts and the module-level names of mcp.ts that import from it, which also
  // import the client's types.
  const names = new NameTable([
    OBJECT_HELPER,
    'server',
    'options',
    'clients',
    'tools',
    'limits',
    ...model.schemas.keys(),
    ...model.apis.flatMap((a) => [a.className, ...a.operations.map((o) => o.paramsType)]),
  ]);
  const values: SchemaModule['values'] = [];
  const valueName = new Map<string, string>();
  const shared = [...uses].filter(([, e]) => e.count >= 2 && namable(e.schema));
  // Different schemas of one property name (three `image_id` descriptions) are named by owner.
  const byName = new Map<string, number>();
  for (const [, e] of shared) byName.set(camel(e.first), (byName.get(camel(e.first)) ?? 0) + 1);
  for (const [key, entry] of shared) {
    const plain = camel(entry.first);
    const name = names.take(byName.get(plain)! > 1 ? camel(`${entry.owner} ${entry.first}`) : plain);
    valueName.set(key, name);
    values.push({ name, schema: entry.schema });
  }
  // Identical objects are one; an object takes its first user's base name, or, when different
  // objects would share that name (`zoneImageIdParams` for four routes), its operation's own.
  const contentOf = (d: Draft) => keyOf([d.properties, d.required, d.open]);
  const firstUser = new Map<string, Draft>();
  for (const d of [
    ...routes.flatMap((r) => [r.drafts.params, r.drafts.querystring, r.drafts.headers, r.drafts.body]),
    ...tools.map((t) => t.draft),
  ])
    if (d && isDraft(d) && !firstUser.has(contentOf(d))) firstUser.set(contentOf(d), d);
  const baseCount = new Map<string, number>();
  for (const d of firstUser.values()) baseCount.set(d.base, (baseCount.get(d.base) ?? 0) + 1);
  const objects: SchemaObject[] = [];
  const objectName = new Map<string, string>();
  for (const [content, d] of firstUser) {
    const name = names.take(baseCount.get(d.base)! > 1 && d.alt ? d.alt : d.base);
    objectName.set(content, name);
    objects.push({
      name,
      properties: d.properties.map((p) => ({
        key: p.key,
        schema: p.schema,
        ref: valueName.get(keyOf(p.schema)),
      })),
      required: d.required,
      open: d.open,
    });
  }
  shareRuns(objects);
  const nameObject = (d: Draft): string => objectName.get(contentOf(d))!;
  for (const { op, drafts: d } of routes) {
    const refs: NonNullable<RestOperation['schemas']> = { querystring: nameObject(d.querystring as Draft) };
    if (d.params) refs.params = nameObject(d.params as Draft);
    if (d.headers) refs.headers = nameObject(d.headers as Draft);
    const body = d.body;
    if (body && isDraft(body)) refs.body = nameObject(body);
    else if (body) {
      const name = valueName.get(keyOf(body));
      if (name) refs.body = name;
      else refs.inlineBody = body;
    }
    op.schemas = refs;
  }
  for (const { tool, draft } of tools) {
    tool.inputSchemaName = nameObject(draft);
    // A tool whose arguments are exactly the operation's parameters is typed by the client's own
    // parameter type; others get an interface of their own.
    if (!tool.call?.direct) tool.argsType = names.take(`${pascal(tool.name)}Args`);
    if (tool.outputSchema || tool.output.kind === 'mapped')
      tool.outputSchemaName = names.take(`${camel(tool.name)}Output`);
  }
  return { values, objects };
}

/** Fewest properties an object must repeat before it spreads the other object's instead. */
const SHARED_RUN = 3;

/**
 * An object that repeats all the properties of an earlier one, in order (an MCP tool's arguments
 * holding a route's whole query), spreads that object's properties; the longest such run wins.
 */
function shareRuns(objects: SchemaObject[]): void {
  const same = (a: SchemaObject['properties'][number], b: SchemaObject['properties'][number]) =>
    a.key === b.key && keyOf(a.schema) === keyOf(b.schema);
  objects.forEach((object, index) => {
    for (const earlier of objects.slice(0, index)) {
      const count = earlier.properties.length;
      if (count < SHARED_RUN || count >= object.properties.length || earlier.spread) continue;
      if (object.spread && object.spread.count >= count) continue;
      for (let at = 0; at + count <= object.properties.length; at++) {
        if (earlier.properties.every((p, i) => same(p, object.properties[at + i]!))) {
          object.spread = { from: earlier.name, at, count };
          break;
        }
      }
    }
  });
}
