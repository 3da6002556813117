// What the smoke calls send and what they expect upstream, computed from the model (the IR)
// alone: argument values synthesised from each input's type and schema, and the upstream path
// the consumed operation should receive for those values.
import type {
  ArgValue,
  CallBinding,
  Capability,
  ConsumedOperation,
  ConsumedParam,
  ExposedInput,
  JsonSchema,
  JsonTemplate,
  ParamType,
  Template,
} from '../../generator/model/types.js';

/** A value for one input: strings `a<n>` (never `.`/`..`), integers 1, booleans true, arrays of one item, objects {}. */
function synthesize(schema: JsonSchema, type: ParamType, n: number): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  switch (type) {
    case 'integer':
    case 'number': {
      const min =
        typeof schema.minimum === 'number'
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum + 1
            : undefined;
      return min !== undefined && min > 1 ? Math.ceil(min) : 1;
    }
    case 'boolean':
      return true;
    case 'array': {
      const items = isObject(schema.items) ? schema.items : {};
      return [synthesize(items, schemaType(items), n)];
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      for (const name of required) {
        const s = isObject(props[name]) ? props[name] : {};
        out[name] = synthesize(s, schemaType(s), n);
      }
      // An open object gets one property, so that a body that is dropped or replaced shows.
      if (required.length === 0 && schema.additionalProperties !== false && Object.keys(props).length === 0)
        out[`k${n}`] = `v${n}`;
      return out;
    }
    default:
      return stringFor(schema, n);
  }
}

function stringFor(schema: JsonSchema, n: number): string {
  switch (schema.format) {
    case 'uuid':
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    case 'date-time':
      return '2024-01-01T00:00:00Z';
    case 'date':
      return '2024-01-01';
    case 'email':
      return `a${n}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/a${n}`;
  }
  let text = `a${n}`;
  if (typeof schema.minLength === 'number' && text.length < schema.minLength)
    text = text.padEnd(schema.minLength, 'a');
  if (typeof schema.maxLength === 'number' && text.length > schema.maxLength)
    text = text.slice(0, Math.max(1, schema.maxLength));
  return text;
}

function schemaType(schema: JsonSchema): ParamType {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' || t === 'object'
    ? t
    : 'string';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** One value per input, numbered in order so that every string is distinct within a call. */
export function argumentsFor(inputs: ExposedInput[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  inputs.forEach((input, i) => values.set(input.name, synthesize(input.schema, input.type, i + 1)));
  return values;
}

/** Text of a value as it travels in a path segment, a query string or a header. */
export function textOf(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export interface Resolved {
  /** `env` variable name → value, for the bind variables (secrets) templates read. */
  secret(variable: string): string;
}

/** A template evaluated with the secrets set for the run and the given input values. */
export function evalTemplate(t: Template, resolved: Resolved, input: (name: string) => unknown): string {
  return t.parts
    .map((p) =>
      p.kind === 'text'
        ? p.text
        : p.kind === 'secret'
          ? resolved.secret(p.variable)
          : p.kind === 'input'
            ? String(input(p.name) ?? '')
            : '',
    )
    .join('');
}

/** The conversions the generated code applies where an input's type differs from its parameter's. */
function convert(value: unknown, to: ParamType): unknown {
  if (value === undefined || value === null) return undefined;
  switch (to) {
    case 'string':
      return textOf(value);
    case 'integer':
    case 'number':
      return value === '' ? undefined : Number(value);
    case 'boolean':
      return value === true || value === 'true';
    case 'array':
      return Array.isArray(value) ? value : [value];
    case 'object':
      return isObject(value) ? value : undefined;
  }
}

const numeric = (t: ParamType) => t === 'integer' || t === 'number';

function argValue(
  arg: ArgValue,
  param: ConsumedParam | undefined,
  inputs: ExposedInput[],
  sent: Map<string, unknown>,
  resolved: Resolved,
): unknown {
  const type = param?.type ?? 'string';
  switch (arg.kind) {
    case 'input': {
      const input = inputs.find((i) => i.name === arg.name);
      const v = sent.get(arg.name);
      const mismatch = input !== undefined && input.type !== type && !(numeric(input.type) && numeric(type));
      return mismatch ? convert(v, type) : v;
    }
    case 'template': {
      const text = evalTemplate(arg.template, resolved, (name) => sent.get(name));
      return type === 'string' ? text : convert(text, type);
    }
    case 'literal': {
      const v = arg.value;
      const same =
        (typeof v === 'string' && type === 'string') ||
        (typeof v === 'number' && numeric(type)) ||
        (typeof v === 'boolean' && type === 'boolean');
      return same ? v : convert(v, type);
    }
    case 'json': {
      const v = jsonValue(arg.data, resolved, (name) => sent.get(name));
      const shape = Array.isArray(v) ? 'array' : isObject(v) ? 'object' : 'string';
      return shape === type ? v : convert(v, type);
    }
  }
}

/** A JSON template's value: a string that is one input keeps its value, others are text. */
function jsonValue(t: JsonTemplate, resolved: Resolved, input: (name: string) => unknown): unknown {
  switch (t.kind) {
    case 'literal':
      return t.value;
    case 'template': {
      const only = t.template.parts.length === 1 ? t.template.parts[0] : undefined;
      return only?.kind === 'input' ? input(only.name) : evalTemplate(t.template, resolved, input);
    }
    case 'array':
      return t.items.map((i) => jsonValue(i, resolved, input));
    case 'object':
      return Object.fromEntries(t.entries.map((e) => [e.key, jsonValue(e.value, resolved, input)]));
  }
}

function consumedOperation(model: Capability, call: CallBinding): ConsumedOperation | undefined {
  return model.apis.includes(call.api) ? call.operation : undefined;
}

export interface ExpectedRequest {
  method: string;
  /** The raw path the upstream should see (percent-encoded segments), prefix included. */
  path?: string;
  /** Why no path can be expected: a placeholder that nothing fills. */
  problem?: string;
  /** Path values and the segment they belong in, for the messages. */
  segments: { name: string; encoded: string }[];
}

/**
 * The request the consumed operation should send for the values the caller sent: the
 * operation's path parts under `prefix` (the path of the base URL the run set), every
 * placeholder filled with its bound value, percent-encoded into its own segment.
 */
export function expectedRequest(
  model: Capability,
  call: CallBinding,
  inputs: ExposedInput[],
  sent: Map<string, unknown>,
  resolved: Resolved,
  prefix: string,
): ExpectedRequest {
  const op = consumedOperation(model, call);
  if (!op)
    return {
      method: '?',
      problem: `the call names ${call.api.namespace}.${call.operation.ident}, which is not in the model`,
      segments: [],
    };
  const args = new Map<string, unknown>();
  for (const a of call.args)
    args.set(
      a.param,
      argValue(
        a.value,
        op.params.find((p) => p.name === a.param),
        inputs,
        sent,
        resolved,
      ),
    );
  let path = prefix;
  const segments: ExpectedRequest['segments'] = [];
  for (const part of op.path) {
    if (part.kind === 'text') {
      path += part.text;
      continue;
    }
    const param = op.params.find((p) => p.name === part.name && p.in === 'path');
    const value = param?.value
      ? evalTemplate(param.value, resolved, (name) => args.get(name))
      : args.get(part.name);
    if (value === undefined || value === null || value === '') {
      return {
        method: op.method,
        problem: `consumed path placeholder {${part.name}} of ${op.method} ${pathText(op)} is bound to no value`,
        segments,
      };
    }
    const encoded = encodeURIComponent(textOf(value));
    segments.push({ name: part.name, encoded });
    path += encoded;
  }
  return { method: op.method, path, segments };
}

function pathText(op: ConsumedOperation): string {
  return op.path.map((p) => (p.kind === 'text' ? p.text : `{${p.name}}`)).join('');
}
