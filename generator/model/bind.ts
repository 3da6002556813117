// The binding rules shared by REST operations and MCP tools: how exposed inputs feed the
// consumed operation's parameters. See docs/dialect.md "Binding" for the user-facing version.
//
//  - `with: {p: rest.x}` / `tools.x` / `<exposeNamespace>.x`: parameter p takes input x;
//  - `with: {p: "…{{x}}…"}`: a template over inputs (and bind variables);
//  - an object or array in `with` is JSON whose strings are read by these same rules;
//  - anything else in `with` is a literal;
//  - a parameter that `with` does not mention takes the input of the same name (`-`, `_` and
//    case ignored), which is how the reference engine merges arguments into its parameter map;
//  - inputs that are not declared are derived from the parameter they feed: name, type,
//    description and required flag.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import { inline } from '../openapi/inline.js';
import { aggregateFunctions, isObj, type Obj, objects } from '../raw.js';
import { unitKey } from '../validate/units.js';
import { paramType, schemaFor } from './consumes.js';
import { sameName } from './names.js';
import { argTemplates, classifyRef, hasPlaceholders, parseTemplate, type TemplateScope } from './template.js';
import type {
  ArgValue,
  CallBinding,
  ConsumedApi,
  ConsumedOperation,
  ConsumedParam,
  ExposedInput,
  JsonSchema,
  JsonTemplate,
  Template,
  TemplatePart,
} from './types.js';

type InputLocation = ExposedInput['in'];

const NO_DEFS = new Map<string, JsonSchema>();

export interface BindRequest {
  kind: 'rest' | 'mcp';
  /** The exposed REST method: GET and HEAD routes have no body, so body inputs move to the query. */
  method?: string;
  at: PathKey[];
  api: ConsumedApi;
  operation: ConsumedOperation;
  /** Explicit `inputParameters` (resource-level first, then operation-level), with their paths. */
  declared: [Obj, PathKey[]][];
  with: Obj;
  /** REST only: the exposed path's placeholders, in order. */
  placeholders: string[];
  scope: TemplateScope;
  report: Reporter;
  /**
   * A step of an orchestration: a parameter that neither `with` nor an input of the same name
   * feeds is left unset when it is optional, instead of becoming an input of its own.
   */
  step?: boolean;
}

export interface Bound {
  inputs: ExposedInput[];
  call: CallBinding;
}

/** The declared inputs of a unit that calls nothing (a mock), placed as bind() places them. */
export function declaredInputs(req: Omit<BindRequest, 'api' | 'operation' | 'with'>): ExposedInput[] {
  const inputs = new Map<string, ExposedInput>();
  for (const [p, pAt] of req.declared) {
    const input = declaredInput(p, req as BindRequest, pAt);
    inputs.set(input.name, input);
  }
  placeInputs(inputs, req as BindRequest);
  return [...inputs.values()];
}

export function bind(req: BindRequest): Bound {
  const inputs = new Map<string, ExposedInput>();
  for (const [p, pAt] of req.declared) {
    const input = declaredInput(p, req, pAt);
    inputs.set(input.name, input);
  }
  const args: { param: string; value: ArgValue }[] = [];
  const params = new Map(req.operation.params.map((p) => [p.name, p]));
  const bound = new Set<string>();

  // A parameter whose own `value` reads the caller's names takes that template: it wins over
  // `with` and the input of the same name (the engine renders `value` first).
  for (const target of req.operation.params) {
    if (target.feedJson) {
      args.push({
        param: target.name,
        value: { kind: 'json', data: feedJson(target, target.feedJson, inputs, req) },
      });
      bound.add(target.name);
    }
    if (!target.feed) continue;
    args.push({ param: target.name, value: feedValue(target, target.feed, inputs, req) });
    bound.add(target.name);
  }
  for (const [param, raw] of Object.entries(req.with)) {
    const target = params.get(param);
    if (!target) continue; // reported and turned into an extra query parameter by the model
    if (bound.has(param)) continue;
    let value = withValue(raw, req);
    if (value.kind === 'input') value = { kind: 'input', name: ensureInput(inputs, value.name, target, req) };
    // An input read inside a template or a structured value is text (its own type is unknown).
    for (const template of argTemplates(value))
      for (const part of template.parts) {
        if (part.kind === 'input') part.name = ensureInput(inputs, part.name, nested(target, value), req);
      }
    if (target.value === undefined) {
      args.push({ param, value });
      bound.add(param);
    }
  }
  for (const target of req.operation.params) {
    if (bound.has(target.name) || target.value !== undefined || target.withOnly) continue;
    const match = [...inputs.values()].find((i) => sameName(i.name, target.name));
    if (req.step && !match && !target.required) continue;
    const name = ensureInput(inputs, match?.name ?? implicitName(target, req), target, req);
    args.push({ param: target.name, value: { kind: 'input', name } });
  }
  // Declared inputs that feed a parameter typed from an OpenAPI document take its schema too,
  // keeping their own description.
  const declaredNames = new Set(req.declared.map(([p]) => String(p.name)));
  for (const arg of args) {
    if (arg.value.kind !== 'input' || !declaredNames.has(arg.value.name)) continue;
    const input = inputs.get(arg.value.name);
    const param = params.get(arg.param);
    if (!input || !param?.typed || input.type !== param.type) continue;
    const schema = req.kind === 'mcp' ? inline(param.schema, NO_DEFS, { mcp: true }) : param.schema;
    input.schema = input.description !== undefined ? { ...schema, description: input.description } : schema;
    input.typed = param.typed;
  }
  placeInputs(inputs, req);
  return {
    inputs: [...inputs.values()],
    call: { api: req.api, operation: req.operation, args, direct: false },
  };
}

/** REST: inputs named by the path's placeholders are path inputs; other path inputs move to the query. */
function placeInputs(inputs: Map<string, ExposedInput>, req: BindRequest): void {
  if (req.kind === 'rest') {
    for (const placeholder of req.placeholders) {
      const input = inputs.get(placeholder);
      if (input) {
        input.in = 'path';
        input.required = true;
        continue;
      }
      req.report.warn(
        'path-placeholder-unbound',
        `path placeholder {${placeholder}} is bound to nothing; it is matched but its value is not sent upstream`,
        [...req.at.slice(0, -2), 'path'],
        'value',
      );
      inputs.set(placeholder, {
        name: placeholder,
        in: 'path',
        type: 'string',
        required: true,
        schema: schemaFor('string'),
      });
    }
    // A path input the exposed path has no placeholder for is read from the query string.
    for (const input of inputs.values())
      if (input.in === 'path' && !req.placeholders.includes(input.name)) input.in = 'query';
  }
}

/** For REST, an undeclared input that feeds a path parameter takes the placeholder's spelling. */
function implicitName(target: ConsumedParam, req: BindRequest): string {
  if (req.kind === 'rest') {
    const placeholder = req.placeholders.find((p) => sameName(p, target.name));
    if (placeholder) return placeholder;
  }
  return target.name;
}

/**
 * The parameter an input read inside a template or a structured value stands in for: text, and
 * inside a structure not described by the parameter's own description.
 */
function nested(target: ConsumedParam, value: ArgValue): ConsumedParam {
  const { description, ...rest } = target;
  return {
    ...rest,
    type: 'string',
    typed: undefined,
    ...(value.kind === 'json' || description === undefined ? {} : { description }),
  };
}

/** JSON as a `with` value holds it: each string is read as a `with` string is. */
function withJson(raw: unknown, req: BindRequest): JsonTemplate {
  if (Array.isArray(raw)) return { kind: 'array', items: raw.map((r) => withJson(r, req)) };
  if (isObj(raw))
    return {
      kind: 'object',
      entries: Object.entries(raw).map(([key, v]) => ({ key, value: withJson(v, req) })),
    };
  const value = withValue(raw, req);
  return asJson(value);
}

function asJson(value: ArgValue): JsonTemplate {
  switch (value.kind) {
    case 'input':
      return { kind: 'template', template: { parts: [{ kind: 'input', name: value.name }] } };
    case 'template':
      return { kind: 'template', template: value.template };
    case 'literal':
      return value;
    case 'json':
      return value.data;
  }
}

function withValue(raw: unknown, req: BindRequest): ArgValue {
  if (isObj(raw) || Array.isArray(raw)) return { kind: 'json', data: withJson(raw, req) };
  if (typeof raw !== 'string') return { kind: 'literal', value: raw as number | boolean | null };
  if (hasPlaceholders(raw)) {
    const template = parseTemplate(raw, req.scope);
    const only = template.parts.length === 1 ? template.parts[0] : undefined;
    if (only?.kind === 'input') return { kind: 'input', name: only.name };
    return { kind: 'template', template };
  }
  const dot = raw.indexOf('.');
  if (dot > 0 && req.scope.inputPrefixes.has(raw.slice(0, dot))) {
    const ref = classifyRef(raw, req.scope);
    if (ref?.kind === 'input') return { kind: 'input', name: ref.name };
  }
  return { kind: 'literal', value: raw };
}

/**
 * A parameter's `value` template over the caller's names: each name is the caller's `with` entry
 * of that name, else its input of the same name (`-`, `_` and case ignored), as the engine's
 * parameter map holds both. A template that is one name keeps that value's type.
 */
function feedValue(
  target: ConsumedParam,
  feed: Template,
  inputs: Map<string, ExposedInput>,
  req: BindRequest,
): ArgValue {
  const whole = feed.parts.length === 1 && feed.parts[0]!.kind === 'input';
  const from = (name: string): ConsumedParam =>
    whole ? { ...target, name } : { ...target, name, type: 'string', typed: undefined };
  const input = (name: string): TemplatePart => {
    const match = [...inputs.values()].find((i) => sameName(i.name, name));
    return { kind: 'input', name: ensureInput(inputs, match?.name ?? name, from(name), req) };
  };
  const parts: TemplatePart[] = [];
  for (const part of feed.parts) {
    if (part.kind !== 'input') {
      parts.push(part);
      continue;
    }
    const key = Object.keys(req.with).find((k) => k === part.name);
    if (key === undefined) {
      parts.push(input(part.name));
      continue;
    }
    const value = withValue(req.with[key], req);
    if (value.kind === 'input') parts.push(input(value.name));
    else if (value.kind === 'json') {
      if (whole) {
        for (const template of argTemplates(value))
          for (const p of template.parts) {
            const made = p.kind === 'input' ? input(p.name) : undefined;
            if (p.kind === 'input' && made?.kind === 'input') p.name = made.name;
          }
        return value;
      }
      // Inside a longer string the engine writes the structure as JSON, its strings unread.
      parts.push({ kind: 'text', text: JSON.stringify(req.with[key]) });
    } else if (value.kind === 'literal') {
      if (whole) return value;
      parts.push({ kind: 'text', text: value.value === null ? '' : String(value.value) });
    } else for (const p of value.template.parts) parts.push(p.kind === 'input' ? input(p.name) : p);
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.kind === 'input') return { kind: 'input', name: only.name };
  return { kind: 'template', template: { parts } };
}

/**
 * A structured `value`: each of its templates is filled as a `value` template is (feedValue),
 * and a whole `{{x}}` keeps x's JSON value.
 */
function feedJson(
  target: ConsumedParam,
  data: JsonTemplate,
  inputs: Map<string, ExposedInput>,
  req: BindRequest,
): JsonTemplate {
  switch (data.kind) {
    case 'literal':
      return data;
    case 'array':
      return { kind: 'array', items: data.items.map((d) => feedJson(target, d, inputs, req)) };
    case 'object':
      return {
        kind: 'object',
        entries: data.entries.map((e) => ({ key: e.key, value: feedJson(target, e.value, inputs, req) })),
      };
    case 'template':
      return asJson(feedValue(nested(target, { kind: 'json', data }), data.template, inputs, req));
  }
}

/** Returns the input's name, creating the input from the parameter it feeds when needed. */
function ensureInput(
  inputs: Map<string, ExposedInput>,
  name: string,
  from: ConsumedParam,
  req: BindRequest,
): string {
  const placeholder = req.kind === 'rest' ? req.placeholders.find((p) => sameName(p, name)) : undefined;
  const existing = inputs.get(placeholder ?? name) ?? inputs.get(name);
  if (existing) return existing.name;
  const location: InputLocation =
    req.kind === 'mcp'
      ? 'argument'
      : placeholder
        ? 'path'
        : from.in === 'header'
          ? 'header'
          : from.in === 'body' && hasBody(req)
            ? 'body'
            : 'query';
  // Objects cannot travel in a path, query or header as such: they come as JSON text.
  const type =
    location === 'path' || location === 'query' || location === 'header'
      ? from.type === 'object'
        ? 'string'
        : from.type
      : from.type;
  // A parameter typed from an OpenAPI document lends its schema, unless the value changes form
  // on the way (an object body read from a query string is JSON text).
  const typed = from.typed !== undefined && type === from.type;
  inputs.set(placeholder ?? name, {
    name: placeholder ?? name,
    in: location,
    type,
    description: from.description,
    required: location === 'path' ? true : from.required,
    schema: typed
      ? req.kind === 'mcp'
        ? inline(from.schema, NO_DEFS, { mcp: true })
        : from.schema
      : schemaFor(type, from.description),
    ...(typed ? { typed: from.typed } : {}),
  });
  return placeholder ?? name;
}

const hasBody = (req: BindRequest) => req.method !== 'GET' && req.method !== 'HEAD';

function declaredInput(p: Obj, req: BindRequest, at: PathKey[]): ExposedInput {
  const name = String(p.name);
  const type = paramType(p.type);
  const description = typeof p.description === 'string' ? p.description : undefined;
  let location: InputLocation = 'argument';
  if (req.kind === 'rest') {
    const declaredIn = String(p.in ?? (req.placeholders.includes(name) ? 'path' : 'query')).toLowerCase();
    location =
      declaredIn === 'path' || declaredIn === 'header' || (declaredIn === 'body' && hasBody(req))
        ? declaredIn
        : 'query';
    if (declaredIn !== location && declaredIn !== 'body') {
      req.report.warn(
        'param-location',
        `input location "${declaredIn}" is not generated; "${name}" is read from the query string`,
        [...at, 'in'],
        'value',
      );
    }
  }
  // MCP tool inputs are required unless they say otherwise, as in the reference engine; REST
  // query and header inputs are optional unless they say otherwise.
  const required =
    location === 'path' ? true : typeof p.required === 'boolean' ? p.required : req.kind === 'mcp';
  const schemaType =
    location === 'query' || location === 'header' ? (type === 'object' ? 'string' : type) : type;
  return {
    name,
    in: location,
    type: schemaType,
    description,
    required,
    schema: schemaFor(schemaType, description),
  };
}

/** Keys of `with` blocks that the called operation does not declare, by the operation's unit key. */
export function undeclaredWithKeys(
  capability: Obj,
  target: (unit: string) => { unit: string; label: string; params: Set<string> } | undefined,
  report: Reporter,
): Map<string, Set<string>> {
  const extra = new Map<string, Set<string>>();
  const visit = (node: Obj, at: PathKey[]) => {
    const unit = unitKey(at);
    if (node.with === null || typeof node.with !== 'object') return;
    const t = target(unit);
    if (!t) return;
    for (const key of Object.keys(node.with as Obj)) {
      if (t.params.has(key)) continue;
      report.warn(
        'with-unknown-param',
        `\`with\` key "${key}" is not a parameter of ${t.label}; it is sent as a query parameter`,
        [...at, 'with', key],
      );
      if (!extra.has(t.unit)) extra.set(t.unit, new Set());
      extra.get(t.unit)!.add(key);
    }
  };
  for (const fn of aggregateFunctions(capability)) visit(fn.node, fn.path);
  for (const [adapter, i] of objects(capability.exposes)) {
    for (const [tool, t] of objects(adapter.tools)) visit(tool, ['capability', 'exposes', i, 'tools', t]);
    for (const [resource, r] of objects(adapter.resources)) {
      for (const [op, o] of objects(resource.operations)) {
        visit(op, ['capability', 'exposes', i, 'resources', r, 'operations', o]);
      }
    }
  }
  return extra;
}
