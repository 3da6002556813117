// Emits rest.ts: one Fastify app factory per REST adapter, one route per exposed operation.
import { basename } from 'node:path';
import { callsOf, label } from '../model/actions.js';
import type { Capability, ExposedInput, RestAdapter, RestOperation, RestPath } from '../model/types.js';
import {
  argsObject,
  clientsCalled,
  clientsType,
  methodOf,
  mockAnswer,
  outputLiteral,
  stepsBody,
} from './call.js';
import {
  Code,
  code,
  doc,
  ident,
  join,
  lit,
  member,
  optionalMember,
  prop,
  runtimeSymbol,
  symbolsUsed,
} from './escape.js';
import { tsType } from './expr.js';
import { routeUpstream } from './links.js';
import { render } from './render.js';
import { runtimeImports } from './runtime.js';
import { namedTypesIn, schemaType } from './schema-types.js';

export function emitRest(model: Capability, runtime: Set<string>): string {
  const adapters = model.rest.map((adapter) => adapterView(model, adapter));
  const clients = [...new Set(model.rest.flatMap((a) => clientsOf(model, a)).map((c) => c.className))].sort();
  const operations = model.rest.flatMap((a) => a.paths.flatMap((p) => p.operations));
  const clientImports = [
    ...clients,
    ...new Set(operations.flatMap((o) => (o.call?.direct ? [o.call.operation.paramsType] : []))),
    ...typeImports(operations.filter((o) => !o.call?.direct).flatMap((o) => o.inputs)),
  ].sort();
  const schemas = [
    ...new Set(
      operations.flatMap((o) => {
        const s = o.schemas!;
        return [s.params, s.querystring, s.headers, s.body].filter((n): n is string => n !== undefined);
      }),
    ),
  ].sort();
  return render('rest.ts.hbs', {
    source: basename(model.specFile),
    adapters,
    hasClientImports: clientImports.length > 0,
    clientImports: new Code(clientImports.join(', ')),
    hasSchemaImports: schemas.length > 0,
    schemaImports: join(
      schemas.map((n) => ident(n)),
      ', ',
    ),
    runtimeImports: runtimeImports(
      [
        ...symbolsUsed(adapters.flatMap((a) => a.routes)),
        'createRestApp',
        'route',
        'type RestAdapterOptions',
        'type RestRoute',
        ...(model.rest.some((a) => a.forwards.length > 0) ? ['forwardRoutes'] : []),
      ],
      runtime,
    ),
  });
}

/** The clients an adapter's routes call, and those its forward resources send to. */
const clientsOf = (model: Capability, adapter: RestAdapter) => {
  const called = clientsCalled(
    model,
    adapter.paths.flatMap((p) => p.operations.flatMap(callsOf)),
  );
  const forwarded = new Set(adapter.forwards.map((f) => f.api));
  return model.apis.filter((a) => called.includes(a) || forwarded.has(a));
};

/** The `extensions` option of createRestApp: each resource's prefix, target connection and headers. */
function forwardsExpr(adapter: RestAdapter): Code | undefined {
  if (adapter.forwards.length === 0) return undefined;
  const entries = adapter.forwards.map(
    (f) =>
      code`{ prefix: ${lit(f.prefix)}, http: clients.${ident(f.api.ident)}.http, trustedHeaders: ${lit(f.trustedHeaders)} }`,
  );
  return code`[forwardRoutes([${join(entries, ', ')}])]`;
}

function adapterView(model: Capability, adapter: RestAdapter) {
  const clients = clientsOf(model, adapter);
  // The routes destructure only the clients they call; forwards take theirs from the options.
  const called = clientsCalled(
    model,
    adapter.paths.flatMap((p) => p.operations.flatMap(callsOf)),
  );
  return {
    doc: doc(adapter.description ?? `REST adapter "${adapter.namespace}".`),
    namespace: lit(adapter.namespace),
    routesDoc: doc(`The routes of "${adapter.namespace}", one per exposed operation.`),
    factoryName: ident(adapter.factoryName),
    routesName: ident(adapter.routesName),
    optionsName: ident(adapter.optionsName),
    clientsName: ident(adapter.clientsName),
    clientsType: clientsType(clients),
    hasClients: called.length > 0,
    clientNames: new Code(called.map((c) => c.ident).join(', ')),
    openapiFile: lit(adapter.openapiFile),
    openapiConst: ident(adapter.openapiConst),
    routes: adapter.paths.flatMap((path) => path.operations.map((op) => route(path, op))),
    forwards: forwardsExpr(adapter),
  };
}

function route(path: RestPath, op: RestOperation): Code {
  const routerName = (name: string) => path.params.find((p) => p.name === name)?.routerName ?? name;
  const request = new Code('request');
  const wholeBody = op.inputs.find((i) => i.in === 'body' && i.name === 'body');
  const valueOf = (input: ExposedInput): Code => {
    switch (input.in) {
      case 'path':
        return member(member(request, 'params'), routerName(input.name));
      case 'header':
        return member(member(request, 'headers'), input.name.toLowerCase());
      case 'body':
        return input === wholeBody
          ? member(request, 'body')
          : optionalMember(member(request, 'body'), input.name);
      default:
        return member(member(request, 'query'), input.name);
    }
  };
  const group = (where: ExposedInput['in']) => op.inputs.filter((i) => i.in === where);
  const pathInputs = group('path');
  const query = group('query');
  const headers = group('header');
  const body = group('body');
  // The validation schemas, from schemas.ts (see model/schemas.ts).
  const refs = op.schemas!;
  const schema: Code[] = [];
  if (refs.params) schema.push(code`params: ${ident(refs.params)}`);
  schema.push(code`querystring: ${ident(refs.querystring)}`);
  if (refs.headers) schema.push(code`headers: ${ident(refs.headers)}`);
  if (refs.body) schema.push(refs.body === 'body' ? new Code('body') : code`body: ${ident(refs.body)}`);
  else if (refs.inlineBody) schema.push(code`body: ${lit(refs.inlineBody)}`);
  const bodyType = wholeBody
    ? inputType(wholeBody)
    : body.length > 0
      ? typeLiteral(body, (i) => i.name)
      : undefined;
  const generics = [typeLiteral(pathInputs, (i) => routerName(i.name)), typeLiteral(query, (i) => i.name)];
  if (headers.length > 0 || bodyType) generics.push(typeLiteral(headers, (i) => i.name.toLowerCase()));
  if (bodyType) generics.push(bodyType);
  // Errors show the published names: router parameters and the client's own parameter names.
  const names: Record<string, string> = {};
  for (const p of path.params) if (p.routerName !== p.name) names[p.routerName] = p.name;
  for (const arg of callsOf(op).flatMap((c) => c.args)) {
    const input =
      arg.value.kind === 'input'
        ? op.inputs.find((i) => i.name === (arg.value as { name: string }).name)
        : undefined;
    if (input && input.name !== arg.param) names[arg.param] = input.name;
  }
  const upstream = routeUpstream(path, op);
  const fields = [
    code`method: ${lit(op.method)}`,
    code`url: ${lit(path.route)}`,
    code`schema: { ${join(schema, ', ')} }`,
    ...(Object.keys(names).length > 0 ? [code`names: ${lit(names)}`] : []),
    ...(path.segments.length > 0 ? [code`segments: ${lit(path.segments)}`] : []),
    ...(body.length > 0 ? [new Code('body: true')] : []),
    ...(op.output.kind === 'mapped' ? [code`output: ${outputLiteral(op.output)!}`] : []),
    ...(upstream ? [code`upstream: ${lit(upstream)}`] : []),
  ];
  const requestType = code`${runtimeSymbol('RestRequest', 'type')}<${join(generics, ', ')}>`;
  const what = op.call
    ? `calls \`${label(op.call)}\``
    : op.mock
      ? 'answers as a mock, calling nothing'
      : `runs ${op.steps!.steps.length} steps (${callsOf(op).map(label).join(', ')})`;
  const summary =
    op.ref === undefined
      ? `${what[0]!.toUpperCase()}${what.slice(1)}.`
      : `Runs aggregate function \`${op.ref}\`, which ${what}.`;
  // A plain call says it in code; the doc is the description alone.
  const plain = op.call !== undefined && op.ref === undefined;
  const comment = doc(plain ? (op.description ?? summary) : op.description, plain ? undefined : summary);
  let call: Code;
  if (op.call?.direct) {
    // The inputs are the operation's own parameters: handed to the client as they arrive.
    const input = code`input: ${ident(op.call.operation.paramsType)}`;
    return code`${comment}
route({
  ${join(fields, ',\n')},
  send: (${input}, signal) => ${methodOf(op.call)}(input, { signal }),
})`;
  } else if (op.call) {
    const args = argsObject(op.call, op.inputs, valueOf);
    call = code`(request: ${requestType}) => ${methodOf(op.call)}(${args}, { signal: request.signal })`;
  } else if (op.mock) {
    const answer = mockAnswer(
      op.mock,
      {
        input: (name) => valueOf(op.inputs.find((i) => i.name === name)!),
        secret: () => {
          throw new Error('generator bug: a mock reads a secret');
        },
      },
      new Code('undefined'),
    );
    call = op.inputs.length === 0 ? code`() => ${answer}` : code`(request: ${requestType}) => ${answer}`;
  } else {
    const body = stepsBody(op.steps!, op.inputs, valueOf, member(request, 'signal'));
    call = code`async (request: ${requestType}) => {\n${body}\n}`;
  }
  return code`${comment}
route({
  ${join(fields, ',\n')},
  call: ${call},
})`;
}

/** The OpenAPI types the inputs' TypeScript types name, sorted. */
export function typeImports(inputs: ExposedInput[]): string[] {
  const names = new Set<string>();
  for (const input of inputs) namedTypesIn(input.typed, names);
  return [...names].sort();
}

/** The input's TypeScript type: from its OpenAPI schema when it has one. */
function inputType(input: ExposedInput): Code {
  return input.typed ? schemaType(input.typed) : tsType(input.type);
}

function typeLiteral(inputs: ExposedInput[], key: (i: ExposedInput) => string): Code {
  if (inputs.length === 0) return new Code('Record<string, never>');
  return code`{ ${join(
    inputs.map((i) => code`${prop(key(i))}${new Code(i.required ? '' : '?')}: ${inputType(i)}`),
    '; ',
  )} }`;
}
