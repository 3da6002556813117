// How an exposed operation or tool calls its consumed operation: the argument object handed to
// the client method, and the output mapping as runtime data. Shared by the REST and MCP emitters.
import type {
  ArgValue,
  CallBinding,
  Capability,
  ConsumedApi,
  ConsumedParam,
  ExposedInput,
  MappedNode,
  MockValue,
  Orchestration,
  OutputMapping,
  OutputShape,
  ParamType,
  StepRef,
} from '../model/types.js';
import { Code, code, ident, join, lit, prop, runtimeSymbol } from './escape.js';
import { anyJson, jsonTemplateExpr, type PartResolver, templateExpr, textTravels } from './expr.js';

/** The consumed APIs that these calls reach, in spec order. */
export function clientsCalled(model: Capability, calls: CallBinding[]): ConsumedApi[] {
  const used = new Set(calls.map((c) => c.api));
  return model.apis.filter((a) => used.has(a));
}

/** `instanceImages.listimages`: the client method a call binding names. */
export function methodOf(call: CallBinding): Code {
  return code`${ident(call.api.ident)}.${ident(call.operation.ident)}`;
}

/** The `{ ident: ClientClass; … }` type of an adapter's clients. */
export function clientsType(apis: ConsumedApi[]): Code {
  return new Code(`{ ${apis.map((c) => `${c.ident}: ${c.className}`).join('; ')} }`);
}

/**
 * The argument object, e.g. `{ zone: request.params.zone, per_page: request.query.per_page }`.
 * Where an input's type differs from the parameter's, the value is converted explicitly.
 */
export function argsObject(
  call: CallBinding,
  inputs: ExposedInput[],
  input: (i: ExposedInput) => Code,
  step?: (ref: StepRef) => Code,
): Code {
  const client = ident(call.api.ident);
  const entries = call.args.map(({ param, value }) => {
    const p = call.operation.params.find((x) => x.name === param)!;
    return code`${prop(param)}: ${argExpr(value, p, inputs, input, client, step)}`;
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
  step?: (ref: StepRef) => Code,
): Code {
  const byName = (name: string) => inputs.find((i) => i.name === name)!;
  const resolve: PartResolver = {
    input: (name) => input(byName(name)),
    secret: (variable) => code`(${client}.secret(${lit(variable)}) ?? '')`,
    step,
  };
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
      const only = value.template.parts.length === 1 ? value.template.parts[0] : undefined;
      // A whole earlier-step field keeps its JSON value, converted to the parameter's type.
      if (only?.kind === 'step' && step) return convert(step(only.ref), param.type);
      const text = templateExpr(value.template, resolve);
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
    case 'json': {
      // The structure goes as it is where the parameter takes that shape; as JSON text where it
      // takes a string (a query, header or path value), as the runtime writes objects there.
      const expr = jsonTemplateExpr(value.data, resolve);
      const shape =
        value.data.kind === 'array' ? 'array' : value.data.kind === 'object' ? 'object' : 'string';
      return shape === param.type || anyJson(param) ? expr : convert(expr, param.type);
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
  return code`${runtimeSymbol(fn)}(${expr})!`;
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

/**
 * A mock answer as a literal: `answer({ imo: String(args.imo_number ?? ""), name: "Northern Star" })`.
 * An empty one is `empty` (REST answers 204 with no value; MCP gives `{}`).
 */
export function mockAnswer(value: MockValue & { kind: 'object' }, resolve: PartResolver, empty: Code): Code {
  const answer = runtimeSymbol('answer');
  if (value.properties.length === 0) return code`${answer}(${empty})`;
  return code`${answer}(${mockLiteral(value, resolve)})`;
}

function mockLiteral(value: MockValue, resolve: PartResolver): Code {
  switch (value.kind) {
    case 'text':
      return templateExpr(value.template, resolve);
    case 'array':
      return value.item ? code`[${mockLiteral(value.item, resolve)}]` : new Code('[]');
    case 'object':
      return code`{ ${join(
        value.properties.map((p) => code`${prop(p.name)}: ${mockLiteral(p.value, resolve)}`),
        ', ',
      )} }`;
  }
}

/**
 * An orchestration as a sequence of statements: one awaited `callStep` per call step, one
 * `lookup` per lookup step, then the mapped answer (or the last call's own answer).
 */
export function stepsBody(
  orchestration: Orchestration,
  inputs: ExposedInput[],
  input: (i: ExposedInput) => Code,
  signal: Code,
): Code {
  const idents = new Map(orchestration.steps.map((s) => [s.name, s]));
  const stepValue = (ref: StepRef): Code => {
    const s = idents.get(ref.step)!;
    const output = s.kind === 'call' ? code`${ident(s.ident)}.output` : ident(s.ident);
    return ref.path.length === 0 ? output : code`${runtimeSymbol('field')}(${output}, ${lit(ref.path)})`;
  };
  const options = signal.text === 'signal' ? new Code('{ signal }') : code`{ signal: ${signal} }`;
  const lines: Code[] = [];
  let last: string | undefined;
  for (const s of orchestration.steps) {
    if (s.kind === 'call') {
      const args = argsObject(s.call, inputs, input, stepValue);
      const projection = s.call.operation.projection?.map((p) => [p.name, jsonPath(p.path)]);
      const extra = projection && projection.length > 0 ? code`, ${lit(projection)}` : new Code('');
      lines.push(
        code`const ${ident(s.ident)} = await ${runtimeSymbol('callStep')}(${lit(s.name)}, ${methodOf(s.call)}(${args}, ${options})${extra});`,
      );
      last = s.ident;
      continue;
    }
    const index = idents.get(s.index)!;
    const rows = index.kind === 'call' ? code`${ident(index.ident)}.output` : ident(index.ident);
    const value =
      s.value.kind === 'ref'
        ? stepValue(s.value.ref)
        : templateExpr(s.value.template, {
            input: (name) => input(inputs.find((i) => i.name === name)!),
            secret: () => {
              throw new Error('generator bug: a lookup value reads a secret');
            },
            step: stepValue,
          });
    lines.push(
      code`const ${ident(s.ident)} = ${runtimeSymbol('lookup')}(${rows}, ${lit(s.match)}, ${value}, ${lit(s.fields)});`,
    );
  }
  const result = orchestration.result;
  if (!result) lines.push(code`return ${ident(last!)}.response;`);
  else {
    const node = (n: MappedNode, top: boolean): Code =>
      n.kind === 'ref'
        ? stepValue(n.ref)
        : top
          ? code`{ ${join(
              n.entries.map((e) => code`${prop(e.name)}: ${node(e.value, false)}`),
              ', ',
            )} }`
          : code`${runtimeSymbol('group')}({ ${join(
              n.entries.map((e) => code`${prop(e.name)}: ${node(e.value, false)}`),
              ', ',
            )} })`;
    lines.push(
      code`return ${runtimeSymbol('mapped')}(${node(result, true)}, ${last === undefined ? new Code('undefined') : ident(last)});`,
    );
  }
  return join(lines, '\n');
}
