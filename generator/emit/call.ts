// How an exposed operation or tool calls its consumed operation: the argument object handed to
// the client method, and the output mapping as runtime data. Shared by the REST and MCP emitters.
import type {
  ArgValue,
  CallBinding,
  Capability,
  ConsumedApi,
  ConsumedOperation,
  ConsumedParam,
  ExposedInput,
  OutputMapping,
  OutputShape,
  ParamType,
} from '../model/types.js';
import { Code, code, ident, join, lit, prop } from './escape.js';
import { anyJson, templateExpr, textTravels } from './expr.js';

/** The consumed APIs that these calls reach, in spec order. */
export function clientsCalled(model: Capability, calls: CallBinding[]): ConsumedApi[] {
  const used = new Set(calls.map((c) => c.api));
  return model.apis.filter((a) => used.has(a.namespace));
}

/** The `{ ident: ClientClass; … }` type of an adapter's clients. */
export function clientsType(apis: ConsumedApi[]): Code {
  return new Code(`{ ${apis.map((c) => `${c.ident}: ${c.className}`).join('; ')} }`);
}

const CONVERTERS = ['asArray', 'asBoolean', 'asNumber', 'asObject', 'asString'];

/** The runtime's value converters that emitted code calls, for its import list. */
export function convertersUsed(emitted: Code[]): string[] {
  const text = emitted.map((c) => c.text).join('\n');
  return CONVERTERS.filter((h) => text.includes(`${h}(`));
}

export interface CallTarget {
  clientIdent: string;
  operation: ConsumedOperation;
}

export function callTarget(model: Capability, call: CallBinding): CallTarget {
  const api = model.apis.find((a) => a.namespace === call.api)!;
  return { clientIdent: api.ident, operation: api.operations.find((o) => o.ident === call.method)! };
}

/**
 * The argument object, e.g. `{ zone: request.params.zone, per_page: request.query.per_page }`.
 * Where an input's type differs from the parameter's, the value is converted explicitly.
 */
export function argsObject(
  call: CallBinding,
  target: CallTarget,
  inputs: ExposedInput[],
  input: (i: ExposedInput) => Code,
): Code {
  const client = ident(target.clientIdent);
  const entries = call.args.map(({ param, value }) => {
    const p = target.operation.params.find((x) => x.name === param)!;
    return code`${prop(param)}: ${argExpr(value, p, inputs, input, client)}`;
  });
  const optional = entries.length === 0;
  return optional ? new Code('{}') : code`{ ${join(entries, ', ')} }`;
}

function argExpr(
  value: ArgValue,
  param: ConsumedParam,
  inputs: ExposedInput[],
  input: (i: ExposedInput) => Code,
  client: Code,
): Code {
  const byName = (name: string) => inputs.find((i) => i.name === name)!;
  switch (value.kind) {
    case 'input': {
      const i = byName(value.name);
      const expr = input(i);
      const mismatch =
        i.type !== param.type &&
        !(numeric(i.type) && numeric(param.type)) &&
        !(i.type === 'string' && textTravels(param)) &&
        !anyJson(param);
      const loose = i.required === false && param.required;
      const converted = mismatch ? convert(expr, param.type) : expr;
      return loose && !mismatch ? code`${converted}!` : converted;
    }
    case 'template': {
      const text = templateExpr(value.template, {
        input: (name) => input(byName(name)),
        secret: (variable) => code`(${client}.secret(${lit(variable)}) ?? '')`,
      });
      return param.type === 'string' || textTravels(param) ? text : convert(text, param.type);
    }
    case 'literal': {
      const jsType = value.value === null ? 'null' : typeof value.value;
      const same =
        (jsType === 'string' && param.type === 'string') ||
        (jsType === 'number' && numeric(param.type)) ||
        (jsType === 'boolean' && param.type === 'boolean');
      return same ? lit(value.value) : convert(lit(value.value), param.type);
    }
  }
}

const numeric = (t: ParamType) => t === 'number' || t === 'integer';

function convert(expr: Code, to: ParamType): Code {
  const fn = {
    string: 'asString',
    number: 'asNumber',
    integer: 'asNumber',
    boolean: 'asBoolean',
    array: 'asArray',
    object: 'asObject',
  }[to];
  return code`${new Code(fn)}(${expr})!`;
}

/** The output mapping as a runtime OutputShape literal, or undefined for pass-through. */
export function outputLiteral(output: OutputMapping): Code | undefined {
  if (output.kind === 'passthrough') return undefined;
  return lit(shapeData(output.shape));
}

function shapeData(shape: OutputShape): unknown {
  switch (shape.kind) {
    case 'value':
      return { kind: 'value', path: jsonPath(shape.path) };
    case 'const':
      return {
        kind: 'const',
        value: shape.value.parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''),
      };
    case 'object':
      return {
        kind: 'object',
        ...(shape.path !== undefined && !/^\$\.?$/.test(shape.path) ? { path: jsonPath(shape.path) } : {}),
        properties: shape.properties.map((p) => [p.name, shapeData(p.shape)]),
      };
    case 'array':
      return {
        kind: 'array',
        path: jsonPath(shape.path),
        ...(shape.items ? { items: shapeData(shape.items) } : {}),
      };
  }
}

/** `$.a.b[0][*]['c d']` → `["a", "b", 0, null, "c d"]`. */
export function jsonPath(path: string): (string | number | null)[] {
  const out: (string | number | null)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  for (const m of path.replace(/^\$/, '').matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1] === '*' ? null : m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
    else if (m[4] !== undefined) out.push(m[4]);
    else out.push(null);
  }
  return out;
}
