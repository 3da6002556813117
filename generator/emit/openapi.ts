// Emits openapi.json: an OpenAPI 3.1 description of each REST adapter. Equivalent templated
// paths are already merged in the model, so every path item is unique (Spectral `path-params`).
import { actionSummary } from '../model/actions.js';
import type {
  Capability,
  ExposedInput,
  OutputShape,
  RestAdapter,
  RestForward,
  RestOperation,
} from '../model/types.js';
import { jsonDocument } from './escape.js';
import { render } from './render.js';

const ERROR_REF = { $ref: '#/components/schemas/ProxyError' };

export function emitOpenApi(model: Capability, adapter: RestAdapter): string {
  return render('openapi.json.hbs', { document: jsonDocument(document(model, adapter)) });
}

function document(model: Capability, adapter: RestAdapter): object {
  const operationIds = new Set<string>();
  const paths: Record<string, object> = {};
  for (const path of adapter.paths) {
    const item: Record<string, unknown> = {};
    if (path.params.length > 0) {
      item.parameters = path.params.map((p) => {
        const input = path.operations
          .flatMap((o) => o.inputs)
          .find((i) => i.in === 'path' && i.name === p.name);
        return {
          name: p.name,
          in: 'path',
          required: true,
          description: input?.description ?? `The ${p.name} path segment.`,
          schema: bare(input?.schema ?? { type: 'string' }),
        };
      });
    }
    for (const op of path.operations) item[op.method.toLowerCase()] = operation(adapter, op, operationIds);
    paths[path.template] = item;
  }
  for (const forward of adapter.forwards) forwardItem(adapter, forward, paths, operationIds);
  return {
    openapi: '3.1.0',
    info: {
      title: model.title,
      version: '1.0.0',
      description: adapter.description ?? model.description ?? `REST adapter ${adapter.namespace}.`,
    },
    servers: [
      {
        url: `http://${adapter.address === '0.0.0.0' ? '127.0.0.1' : adapter.address}:${adapter.port}`,
        description: 'The generated server',
      },
    ],
    tags: [
      { name: adapter.namespace, description: adapter.description ?? `Operations of ${adapter.namespace}.` },
    ],
    paths,
    components: {
      schemas: {
        ProxyError: {
          type: 'object',
          description: "An error of the proxy's own (validation, routing, upstream unreachable or too slow).",
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            parameter: { type: 'string' },
          },
          required: ['error', 'message'],
        },
      },
    },
  };
}

const FORWARDED = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * A forward resource: every method its operations do not take is relayed to the target API. The
 * placeholder holds the rest of the path, slashes included.
 */
function forwardItem(
  adapter: RestAdapter,
  forward: RestForward,
  paths: Record<string, object>,
  ids: Set<string>,
): void {
  const item = (paths[forward.template] ??= {}) as Record<string, unknown>;
  item.parameters ??= [
    {
      name: forward.placeholder,
      in: 'path',
      required: true,
      description: `The path below ${forward.prefix} sent to "${forward.api.namespace}" (it may hold slashes; dot segments and encoded separators are refused).`,
      schema: { type: 'string' },
    },
  ];
  for (const method of FORWARDED) {
    if (item[method] !== undefined) continue;
    let id = `forward-${forward.api.namespace}-${method}`.replace(/[^A-Za-z0-9_-]/g, '-');
    for (let n = 2; ids.has(id); n++) id = `forward-${forward.api.namespace}-${method}-${n}`;
    ids.add(id);
    item[method] = {
      operationId: id,
      summary: `Forwarded to "${forward.api.namespace}"`,
      description: `${forward.description ? `${forward.description}\n\n` : ''}Sent to the base URL of "${forward.api.namespace}" with the same method, body and query, its credentials applied${forward.trustedHeaders.length > 0 ? `, and only these request headers copied: ${forward.trustedHeaders.join(', ')}` : ', and no request header copied'}. The answer is relayed unchanged.`,
      tags: [adapter.namespace],
      ...(method === 'get' || method === 'delete'
        ? {}
        : { requestBody: { required: false, content: { '*/*': { schema: {} } } } }),
      responses: {
        '2XX': { description: `The answer of "${forward.api.namespace}", relayed unchanged.` },
        default: { description: `An error answer of "${forward.api.namespace}", relayed unchanged.` },
        '400': {
          description: 'A path that would leave the target base URL (dot segments, encoded separators).',
          content: { 'application/json': { schema: ERROR_REF } },
        },
      },
    };
  }
}

function operation(adapter: RestAdapter, op: RestOperation, ids: Set<string>): object {
  const base = op.name.replace(/[^A-Za-z0-9_-]/g, '-');
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  const parameters = op.inputs
    .filter((i) => i.in === 'query' || i.in === 'header')
    .map((i) => ({
      name: i.name,
      in: i.in,
      required: i.required,
      description: i.description ?? `The ${i.name} ${i.in} parameter.`,
      schema: bare(i.schema),
    }));
  const result: Record<string, unknown> = {
    operationId: id,
    summary: firstLine(op.description ?? op.name),
    description: op.description ?? `Calls ${actionSummary(op)}.`,
    tags: [adapter.namespace],
  };
  if (parameters.length > 0) result.parameters = parameters;
  const body = requestBody(op.inputs);
  if (body) result.requestBody = body;
  result.responses = responses(op);
  return result;
}

function requestBody(inputs: ExposedInput[]): object | undefined {
  const body = inputs.filter((i) => i.in === 'body');
  if (body.length === 0) return undefined;
  const whole = body.find((i) => i.name === 'body');
  const schema = whole
    ? bare(whole.schema)
    : {
        type: 'object',
        properties: Object.fromEntries(body.map((i) => [i.name, i.schema])),
        required: body.filter((i) => i.required).map((i) => i.name),
      };
  return {
    required: whole ? whole.required : body.some((i) => i.required),
    description: whole?.description ?? 'The JSON request body.',
    content: { 'application/json': { schema } },
  };
}

function responses(op: RestOperation): object {
  const schema = op.outputSchema ?? (op.output.kind === 'mapped' ? shapeSchema(op.output.shape) : {});
  const ok = {
    description: 'The upstream answer, passed through.',
    content: { 'application/json': { schema } },
  };
  const out: Record<string, unknown> = {};
  if (op.method === 'POST') out['201'] = ok;
  if (op.method === 'DELETE') out['204'] = { description: 'Deleted; the upstream sent no content.' };
  out['200'] = ok;
  out['400'] = {
    description: 'An input is missing, has the wrong type, or is unknown.',
    content: { 'application/json': { schema: ERROR_REF } },
  };
  out['502'] = {
    description: 'The upstream could not be reached.',
    content: { 'application/json': { schema: ERROR_REF } },
  };
  out['504'] = {
    description: 'The upstream did not answer in time.',
    content: { 'application/json': { schema: ERROR_REF } },
  };
  out.default = {
    description: 'An upstream error, passed through with its status and body.',
    content: { 'application/json': { schema: {} } },
  };
  return out;
}

function shapeSchema(shape: OutputShape): object {
  switch (shape.kind) {
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(shape.properties.map((p) => [p.name, shapeSchema(p.shape)])),
      };
    case 'array':
      return { type: 'array', items: shape.items ? shapeSchema(shape.items) : {} };
    case 'const':
      return { type: 'string' };
    case 'value':
      return shape.type === 'object' || shape.type === 'array' ? {} : { type: shape.type };
  }
}

/** Parameter schemas without the description (it lives on the parameter itself). */
function bare(schema: Record<string, unknown>): Record<string, unknown> {
  const { description: _drop, ...rest } = schema;
  return rest;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
