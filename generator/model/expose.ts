// The exposed side of the model: REST adapters (with equivalent paths merged) and MCP adapters
// (with explicit annotations), both bound to consumed operations through bind.ts.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import { inline } from '../openapi/inline.js';
import {
  type AggregateFunction,
  isObj,
  isPassThrough,
  listAt,
  namedParams,
  type Obj,
  objAt,
  objects,
  strAt,
} from '../raw.js';
import { forwardShape } from '../validate/semantic.js';
import { isSkipped, unitKey } from '../validate/units.js';
import { callsOf, passesThrough } from './actions.js';
import { scopeOf, type UnitSource, unitSource } from './aggregates.js';
import { bind, type BindRequest, declaredInputs } from './bind.js';
import { paramType, parsePath, readAuth } from './consumes.js';
import { mockAnswer, mockSchema } from './mock.js';
import { camel, envName, mcpNames, NameTable, restNames, routerParam } from './names.js';
import { buildOrchestration, STEP_HELPERS } from './orchestration.js';
import { argTemplates, parseTemplate, type TemplateScope } from './template.js';
import { exposedOutput, toolOutput } from './typed.js';
import type {
  Action,
  ConsumedApi,
  ConsumedOperation,
  ExposedInput,
  HttpMethod,
  McpAdapter,
  McpPrompt,
  McpResource,
  McpTool,
  OutputMapping,
  OutputShape,
  PathPart,
  RestAdapter,
  RestForward,
  RestOperation,
  RestPath,
  ToolAnnotations,
} from './types.js';

export interface ExposeContext {
  report: Reporter;
  skipped: ReadonlySet<string>;
  apis: ConsumedApi[];
  secretScope: TemplateScope;
  /** The aggregate functions, by the `ref` that names them. */
  functions: ReadonlyMap<string, AggregateFunction>;
  /** The consumed operation an exposed unit calls, as resolved by validation. */
  target(unit: string): { api: ConsumedApi; op: ConsumedOperation } | undefined;
}

const DEFAULT_ADDRESS = '127.0.0.1';

function port(adapter: Obj, fallback: number): number {
  const n = Number(adapter.port);
  return Number.isInteger(n) && n >= 0 && n < 65536 ? n : fallback;
}

function scopeFor(ctx: ExposeContext, namespace: string, prefix: string): TemplateScope {
  return { ...ctx.secretScope, inputs: true, inputPrefixes: new Set([prefix, 'rest', 'tools', namespace]) };
}

export function buildRestAdapter(
  adapter: Obj,
  i: number,
  ctx: ExposeContext,
  restCount: number,
): RestAdapter {
  const at: PathKey[] = ['capability', 'exposes', i];
  const namespace = String(adapter.namespace);
  const scope = scopeFor(ctx, namespace, 'rest');
  const byShape = new Map<string, PathDraft>();
  const idents = new NameTable();
  const forwards: RestForward[] = [];
  for (const [resource, r] of objects(adapter.resources)) {
    if (isSkipped(ctx.skipped, unitKey([...at, 'resources', r]))) continue;
    const forward = objAt(resource.forward);
    const forwardAt = forwardShape(String(resource.path));
    const target = ctx.apis.find((a) => a.namespace === strAt(forward.targetNamespace));
    if (
      resource.forward !== undefined &&
      forwardAt &&
      target &&
      !ctx.skipped.has(unitKey([...at, 'resources', r, 'forward']))
    )
      forwards.push({
        ...forwardAt,
        template: String(resource.path).replace(/\{\{\s*([^{}]+?)\s*\}\}/g, '{$1}'),
        api: target,
        trustedHeaders: listAt(forward.trustedHeaders).map(String),
        description: strAt(resource.description),
        origin: ctx.report.position([...at, 'resources', r, 'forward']),
      });
    let rawPath = String(resource.path);
    if (/[?#]/.test(rawPath)) {
      ctx.report.warn(
        'path-query',
        `the query or fragment in exposed path ${rawPath} is not part of the route; it is dropped`,
        [...at, 'resources', r, 'path'],
        'value',
      );
      rawPath = rawPath.replace(/[?#].*$/, '');
    }
    const parts = parsePath(rawPath);
    const placeholders = parts.flatMap((p) => (p.kind === 'param' ? [p.name] : []));
    const shape = parts.map((p) => (p.kind === 'text' ? p.text : '{}')).join('');
    let path = byShape.get(shape);
    if (!path) {
      path = { raw: rawPath, variants: [], operations: [] };
      byShape.set(shape, path);
    }
    for (const [op, o] of objects(resource.operations)) {
      const opAt: PathKey[] = [...at, 'resources', r, 'operations', o];
      const unit = unitKey(opAt);
      if (isSkipped(ctx.skipped, unit)) continue;
      const src = unitSource(op, opAt, ctx.functions);
      const declared = [
        ...namedParams(resource.inputParameters).map(([p, n]): [Obj, PathKey[]] => [
          p,
          [...at, 'resources', r, 'inputParameters', n],
        ]),
        ...namedParams(src.node.inputParameters).map(([p, n]): [Obj, PathKey[]] => [
          p,
          [...src.at('inputParameters'), 'inputParameters', n],
        ]),
      ];
      const method = String(op.method).toUpperCase() as HttpMethod;
      const unitScope = scopeOf(src, scope);
      const built = buildAction(src, unit, ctx, {
        kind: 'rest',
        method,
        at: opAt,
        declared,
        placeholders,
        scope: unitScope,
        report: ctx.report,
      });
      if (!built) continue;
      const name = strAt(src.node.name) ?? `${method.toLowerCase()}-${built.op?.name ?? 'mock'}`;
      const operation: RestOperation = {
        name,
        ident: idents.take(camel(name)),
        method,
        description: strAt(src.node.description) ?? built.op?.description,
        inputs: built.inputs,
        ...built.action,
        output:
          built.output ??
          outputMapping(
            src.node.outputParameters,
            [...src.at('outputParameters'), 'outputParameters'],
            ctx.report,
            unitScope,
          ),
        origin: ctx.report.position(opAt),
      };
      const answer = operation.mock
        ? mockSchema(operation.mock)
        : operation.call
          ? exposedOutput(operation.output, built.op?.response)
          : undefined;
      if (answer) operation.outputSchema = answer;
      path.operations.push(operation);
      path.variants.push(placeholders);
    }
  }
  const paths = [...byShape.values()].filter((p) => p.operations.length > 0).map(finishPath);
  return {
    namespace,
    ...restNames(namespace),
    portEnv: `${envName(namespace)}_PORT`,
    port: port(adapter, 8080),
    address: strAt(adapter.address) ?? DEFAULT_ADDRESS,
    description: strAt(adapter.description),
    auth: readAuth(adapter, at, ctx.report, ctx.secretScope).auth,
    paths,
    forwards,
    openapiFile: restCount > 1 ? `openapi.${namespace}.json` : 'openapi.json',
  };
}

/**
 * Merges the operations of equivalent templated paths (`/images/{id}` and `/images/{image-id}`)
 * into one path item. Each position keeps the placeholder name most operations use (the first
 * on a tie), and every operation's path inputs are renamed to it.
 */
interface PathDraft {
  /** The first spelling of the path, used for its literal parts. */
  raw: string;
  /** Each operation's placeholder names, in path order. */
  variants: string[][];
  operations: RestOperation[];
}

function finishPath(path: PathDraft): RestPath {
  const variants = path.variants;
  const canonical = variants[0]!.map((_, pos) => {
    const counts = new Map<string, number>();
    for (const v of variants) counts.set(v[pos]!, (counts.get(v[pos]!) ?? 0) + 1);
    let best = variants[0]![pos]!;
    for (const v of variants) if (counts.get(v[pos]!)! > counts.get(best)!) best = v[pos]!;
    return best;
  });
  path.operations.forEach((op, n) => {
    const names = variants[n]!;
    for (const input of op.inputs) {
      const pos = names.indexOf(input.name);
      if (input.in === 'path' && pos >= 0 && names[pos] !== canonical[pos]) {
        renameInput(op, input.name, canonical[pos]!);
      }
    }
  });
  const routerNames = new NameTable();
  const params = canonical.map((name) => ({ name, routerName: routerNames.take(routerParam(name)) }));
  let pos = 0;
  const parts = parsePath(path.raw);
  const template = parts.map((p) => (p.kind === 'text' ? p.text : `{${canonical[pos++]}}`)).join('');
  // Route segment by segment. A segment that mixes text and parameters is matched whole by a
  // regular-expression parameter, and the runtime extracts the parameters from it.
  pos = 0;
  const segments: RestPath['segments'] = [];
  const route = splitSegments(parts)
    .map((segment) => {
      const params_ = segment.filter((p) => p.kind === 'param');
      if (params_.length === 0) return segment.map((p) => escapeRoute((p as { text: string }).text)).join('');
      if (segment.length === 1) return `:${params[pos++]!.routerName}`;
      if (params_.length === 1) {
        // Text around one parameter (`{id}:approve`, `companies({id})`): the parameter stops
        // before the suffix's first character, so routes differing only in suffix coexist.
        const at = segment.findIndex((p) => p.kind === 'param');
        const text = (list: PathPart[]) => list.map((p) => (p as { text: string }).text).join('');
        const prefix = text(segment.slice(0, at));
        const suffix = text(segment.slice(at + 1));
        const name = params[pos++]!.routerName;
        return `${escapeRoute(prefix)}:${name}${suffix === '' ? '' : `(^[^${regexEscape(suffix[0]!)}]+)${escapeRoute(suffix)}`}`;
      }
      const names = params_.map(() => params[pos++]!.routerName);
      const routerName = routerNames.take('segment');
      const body = (group: boolean) =>
        segment.map((p) => (p.kind === 'text' ? regexEscape(p.text) : group ? '(.+?)' : '.+?')).join('');
      segments.push({ routerName, pattern: `^${body(true)}$`, names });
      return `:${routerName}(^${body(false)}$)`;
    })
    .join('/');
  // A route hands its inputs to the client as they arrive when each reaches the runtime under
  // the parameter's own name: a path parameter as its router name (not one extracted from a
  // mixed segment), a query parameter as itself, the whole body as `body`; headers never.
  const extracted = new Set(segments.flatMap((s) => s.names));
  const keyOf = (input: ExposedInput): string | undefined => {
    if (input.in === 'path') {
      const routerName = params.find((p) => p.name === input.name)?.routerName;
      return routerName === undefined || extracted.has(routerName) ? undefined : routerName;
    }
    if (input.in === 'query') return input.name;
    return input.in === 'body' && input.name === 'body' ? 'body' : undefined;
  };
  for (const op of path.operations) if (op.call) op.call.direct = passesThrough(op.call, op.inputs, keyOf);
  return { template, route, params, segments, operations: path.operations };
}

/** Splits path parts at `/`, keeping text and parameters of one segment together. */
function splitSegments(parts: PathPart[]): PathPart[][] {
  const segments: PathPart[][] = [[]];
  for (const part of parts) {
    if (part.kind === 'param') {
      segments[segments.length - 1]!.push(part);
      continue;
    }
    part.text.split('/').forEach((piece, i) => {
      if (i > 0) segments.push([]);
      if (piece !== '') segments[segments.length - 1]!.push({ kind: 'text', text: piece });
    });
  }
  return segments;
}

/** Literal text inside a route's regular expression; hex escapes keep `:` and `(` away from the router's own syntax. */
function regexEscape(text: string): string {
  return text.replace(/[^A-Za-z0-9_~]/g, (c) =>
    c.charCodeAt(0) < 0x80 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c,
  );
}

/** find-my-way treats `:` and `*` specially in static parts; `::` is its escape for a colon. */
function escapeRoute(text: string): string {
  return text.replace(/:/g, '::');
}

function renameInput(op: RestOperation, from: string, to: string): void {
  for (const input of op.inputs) if (input.name === from) input.name = to;
  const args = callsOf(op).flatMap((c) => c.args);
  for (const arg of args)
    if (arg.value.kind === 'input' && arg.value.name === from) arg.value = { kind: 'input', name: to };
  for (const arg of args)
    for (const template of argTemplates(arg.value))
      for (const part of template.parts) if (part.kind === 'input' && part.name === from) part.name = to;
}

export function buildMcpAdapter(adapter: Obj, i: number, ctx: ExposeContext): McpAdapter {
  const at: PathKey[] = ['capability', 'exposes', i];
  const namespace = String(adapter.namespace);
  const scope = scopeFor(ctx, namespace, 'tools');
  const tools: McpTool[] = [];
  for (const [tool, t] of objects(adapter.tools)) {
    const toolAt: PathKey[] = [...at, 'tools', t];
    const unit = unitKey(toolAt);
    if (isSkipped(ctx.skipped, unit)) continue;
    const src = unitSource(tool, toolAt, ctx.functions);
    const declared = namedParams(src.node.inputParameters).map(([p, n]): [Obj, PathKey[]] => [
      p,
      [...src.at('inputParameters'), 'inputParameters', n],
    ]);
    const toolScope = scopeOf(src, scope);
    const built = buildAction(src, unit, ctx, {
      kind: 'mcp',
      at: toolAt,
      declared,
      placeholders: [],
      scope: toolScope,
      report: ctx.report,
    });
    if (!built) continue;
    const name = String(src.node.name);
    if (name.length > 64)
      ctx.report.warn(
        'tool-name',
        `tool name "${name}" is longer than 64 characters, which some MCP clients reject`,
        [...toolAt, 'name'],
        'value',
      );
    const description = strAt(src.node.description) ?? built.op?.description ?? strAt(tool.label) ?? name;
    const output =
      built.output ??
      outputMapping(
        src.node.outputParameters,
        [...src.at('outputParameters'), 'outputParameters'],
        ctx.report,
        toolScope,
      );
    const answer = built.action.call ? exposedOutput(output, built.op?.response) : undefined;
    const outputSchema = built.action.mock
      ? mockSchema(built.action.mock)
      : toolOutput(answer && inline(answer, new Map(), { mcp: true, output: true }), output);
    // A tool's arguments arrive under their own names.
    if (built.action.call)
      built.action.call.direct = passesThrough(built.action.call, built.inputs, (input) => input.name);
    tools.push({
      name,
      title: strAt(tool.label),
      description,
      inputs: built.inputs,
      annotations: annotations(objAt(src.node.hints), built.methods),
      ...built.action,
      output,
      ...(outputSchema ? { outputSchema } : {}),
      origin: ctx.report.position(toolAt),
    });
  }
  const resources = buildResources(adapter, i, ctx, scope);
  const prompts = buildPrompts(adapter, i, ctx);
  const stdio = String(adapter.transport ?? 'http') === 'stdio';
  return {
    namespace,
    ...mcpNames(namespace),
    portEnv: `${envName(namespace)}_PORT`,
    port: port(adapter, 9090),
    address: strAt(adapter.address) ?? DEFAULT_ADDRESS,
    transport: stdio ? 'stdio' : 'http',
    description: strAt(adapter.description),
    auth: readAuth(adapter, at, ctx.report, ctx.secretScope).auth,
    tools,
    resources,
    prompts,
  };
}

/** `{userId}` placeholders of a resource URI (RFC 6570 level 1, as the engine reads them). */
const uriVariables = (uri: string) => [...uri.matchAll(/\{([A-Za-z0-9_.-]+)\}/g)].map((m) => m[1]!);

function buildResources(adapter: Obj, i: number, ctx: ExposeContext, scope: TemplateScope): McpResource[] {
  const at: PathKey[] = ['capability', 'exposes', i];
  const resources: McpResource[] = [];
  for (const [resource, r] of objects(adapter.resources)) {
    const rAt: PathKey[] = [...at, 'resources', r];
    const unit = unitKey(rAt);
    if (isSkipped(ctx.skipped, unit)) continue;
    const meta = {
      name: String(resource.name),
      uri: String(resource.uri),
      ...(strAt(resource.label) === undefined ? {} : { title: strAt(resource.label) }),
      ...(strAt(resource.description) === undefined ? {} : { description: strAt(resource.description) }),
      ...(strAt(resource.mimeType) === undefined ? {} : { mimeType: strAt(resource.mimeType) }),
    };
    if (resource.location !== undefined) {
      resources.push({ kind: 'static', ...meta, location: String(resource.location) });
      continue;
    }
    const target = ctx.target(unit);
    if (!target) continue;
    const variables = uriVariables(meta.uri);
    // A read supplies only the URI's placeholders: they are the resource's string inputs.
    const declared = variables.map((name): [Obj, PathKey[]] => [
      { name, type: 'string', required: true },
      [...rAt, 'uri'],
    ]);
    const bound = bind({
      kind: 'mcp',
      at: rAt,
      api: target.api,
      operation: target.op,
      declared,
      with: objAt(resource.with),
      placeholders: [],
      scope,
      report: ctx.report,
    });
    for (const input of bound.inputs)
      if (!variables.includes(input.name) && input.required)
        ctx.report.warn(
          'resource-input',
          `parameter "${input.name}" of ${target.api.namespace}.${target.op.name} is neither a placeholder of the URI nor given by \`with\`; reads of this resource fail without it`,
          [...rAt, 'uri'],
          'value',
        );
    resources.push({
      kind: 'dynamic',
      ...meta,
      inputs: bound.inputs,
      call: bound.call,
      output: outputMapping(resource.outputParameters, [...rAt, 'outputParameters'], ctx.report, scope),
      origin: ctx.report.position(rAt),
    });
  }
  return resources;
}

function buildPrompts(adapter: Obj, i: number, ctx: ExposeContext): McpPrompt[] {
  const prompts: McpPrompt[] = [];
  for (const [prompt, p] of objects(adapter.prompts)) {
    if (isSkipped(ctx.skipped, unitKey(['capability', 'exposes', i, 'prompts', p]))) continue;
    const title = strAt(prompt.label);
    const description = strAt(prompt.description);
    prompts.push({
      name: String(prompt.name),
      ...(title === undefined ? {} : { title }),
      ...(description === undefined ? {} : { description }),
      arguments: objects(prompt.arguments).map(([a]) => ({
        name: String(a.name),
        ...(strAt(a.description) === undefined ? {} : { description: strAt(a.description) }),
        // Arguments are required unless the spec says otherwise, as the schema's default says.
        required: a.required !== false,
      })),
      messages:
        prompt.location !== undefined
          ? { location: String(prompt.location) }
          : objects(prompt.template).map(([m]) => ({
              role: m.role === 'assistant' ? ('assistant' as const) : ('user' as const),
              content: String(m.content),
            })),
    });
  }
  return prompts;
}

interface Built {
  inputs: ExposedInput[];
  action: Action;
  /** Set for mocks and orchestrations with mappings, whose answer is already shaped. */
  output?: OutputMapping;
  /** The consumed operation of a simple call (for descriptions and typed answers). */
  op?: ConsumedOperation;
  /** The HTTP methods the unit sends upstream, for default hints; none for a mock. */
  methods: HttpMethod[];
}

/**
 * What the unit does: one call (bind.ts), a mock (mock.ts) or an orchestration (orchestration.ts),
 * read from the unit merged with the aggregate function it names (aggregates.ts).
 */
function buildAction(
  src: UnitSource,
  unit: string,
  ctx: ExposeContext,
  req: Omit<BindRequest, 'api' | 'operation' | 'with'>,
): Built | undefined {
  const node = src.node;
  const ref = src.fn ? { ref: src.fn.ref } : {};
  if (node.steps !== undefined) {
    const built = buildOrchestration({
      ...req,
      at: src.at('steps'),
      unit,
      node,
      target: ctx.target,
      reserved: ['args', 'request', 'signal', ...STEP_HELPERS, ...ctx.apis.map((a) => a.ident)],
    });
    if (!built) return undefined;
    const methods = callsOf({ steps: built.steps }).map((c) => c.operation.method);
    return {
      inputs: built.inputs,
      action: { steps: built.steps, ...ref },
      ...(built.steps.result ? { output: { kind: 'passthrough' } as const } : {}),
      methods,
    };
  }
  if (node.call === undefined) {
    const inputs = declaredInputs(req);
    const mock = mockAnswer(
      node.outputParameters,
      [...src.at('outputParameters'), 'outputParameters'],
      inputs,
      req.scope,
      req.report,
    );
    return { inputs, action: { mock, ...ref }, output: { kind: 'passthrough' }, methods: [] };
  }
  const t = ctx.target(unit);
  if (!t) return undefined;
  const bound = bind({ ...req, api: t.api, operation: t.op, with: objAt(node.with) });
  return { inputs: bound.inputs, action: { call: bound.call, ...ref }, op: t.op, methods: [t.op.method] };
}

const BY_VERB: Record<HttpMethod, [boolean, boolean, boolean]> = {
  GET: [true, false, true],
  POST: [false, false, false],
  PUT: [false, true, true],
  PATCH: [false, true, false],
  DELETE: [false, true, true],
  HEAD: [true, false, true],
  OPTIONS: [true, false, true],
};

/**
 * Hints from the spec win; missing ones come from the HTTP verbs the tool sends: read-only and
 * idempotent when every call is, destructive when any is. A mock sends nothing: read-only, and
 * not open-world.
 */
function annotations(hints: Obj, methods: HttpMethod[]): ToolAnnotations {
  const verbs = methods.map((m) => BY_VERB[m]);
  const readOnly = verbs.every((v) => v[0]);
  const destructive = verbs.length > 0 && verbs.some((v) => v[1]);
  const idempotent = verbs.every((v) => v[2]);
  const readOnlyHint = typeof hints.readOnly === 'boolean' ? hints.readOnly : readOnly;
  return {
    readOnlyHint,
    destructiveHint:
      typeof hints.destructive === 'boolean' ? hints.destructive : readOnlyHint ? false : destructive,
    idempotentHint:
      typeof hints.idempotent === 'boolean' ? hints.idempotent : readOnlyHint ? true : idempotent,
    openWorldHint: typeof hints.openWorld === 'boolean' ? hints.openWorld : methods.length > 0,
  };
}

const ROOT = /^\$\.?$/;

/** The first output parameter decides the result, as in the reference engine (naftiko.md §4.4). */
function outputMapping(raw: unknown, at: PathKey[], report: Reporter, scope: TemplateScope): OutputMapping {
  const first = listAt(raw).find(isObj);
  if (!first || isPassThrough(raw)) return { kind: 'passthrough' };
  const shape = outputShape(first, '$', report, at, scope);
  return shape ? { kind: 'mapped', shape } : { kind: 'passthrough' };
}

function outputShape(
  node: Obj,
  parent: string,
  report: Reporter,
  at: PathKey[],
  scope: TemplateScope,
): OutputShape | undefined {
  const type = paramType(node.type);
  const mapping = strAt(node.mapping);
  const value = node.value;
  if (typeof value === 'string' && !value.startsWith('$'))
    return { kind: 'const', value: parseTemplate(value, scope) };
  const path = mapping ?? (typeof value === 'string' ? value : undefined);
  if (path !== undefined && !isJsonPath(path)) {
    report.warn(
      'mapping',
      `"${path}" is not a supported JSONPath ($, $.a.b, $.a[0], $.a[*].b); the value is null`,
      at,
    );
  }
  if (type === 'object' && node.properties !== undefined) {
    const props = isObj(node.properties)
      ? Object.entries(node.properties).map(([name, v]) => [name, objAt(v)] as const)
      : objects(node.properties).map(([v]) => [String(v.name), v] as const);
    return {
      kind: 'object',
      path,
      properties: props.flatMap(([name, v]) => {
        const shape = outputShape(v, parent, report, at, scope);
        return shape ? [{ name, shape }] : [];
      }),
    };
  }
  if (type === 'array') {
    const items = isObj(node.items) ? outputShape(node.items, '$', report, at, scope) : undefined;
    return { kind: 'array', path: path ?? '$', items };
  }
  if (path === undefined) return undefined;
  return { kind: 'value', path, type };
}

function isJsonPath(p: string): boolean {
  return /^\$(\.?[A-Za-z0-9_$@-]+|\[\d+\]|\[\*\]|\['[^']*'\]|\.)*$/.test(p) || ROOT.test(p);
}
