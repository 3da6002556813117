// Emits rest.ts: one Fastify app factory per REST adapter, one route per exposed operation.
import { basename } from 'node:path';
import type { Capability, ExposedInput, RestAdapter, RestOperation, RestPath } from '../model/types.js';
import { argsObject, callTarget, outputLiteral } from './call.js';
import { Code, code, doc, ident, join, lit, member, prop } from './escape.js';
import { tsType } from './expr.js';
import { render } from './render.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function emitRest(model: Capability): string {
  const adapters = model.rest.map((adapter) => adapterView(model, adapter));
  const used = adapters.map((a) => a.routes.map((r) => r.text).join('\n')).join('\n');
  const helpers = ['asArray', 'asBoolean', 'asNumber', 'asObject', 'asString', 'callerSignal', 'methodNotAllowed', 'notFound', 'relay', 'restErrorHandler'].filter(
    (h) => ['notFound', 'restErrorHandler'].includes(h) || used.includes(`${h}(`),
  );
  helpers.push('log');
  helpers.sort();
  const clients = [...new Set(model.rest.flatMap((a) => clientsOf(model, a)).map((c) => c.className))].sort();
  return render('rest.ts.hbs', {
    source: basename(model.specFile),
    adapters,
    runtimeImports: new Code(helpers.join(', ')),
    clientImports: new Code(clients.map((c) => `type ${c}`).join(', ')),
  });
}

function clientsOf(model: Capability, adapter: RestAdapter) {
  const used = new Set(adapter.paths.flatMap((p) => p.operations.map((o) => o.call.api)));
  return model.apis.filter((a) => used.has(a.namespace));
}

function adapterView(model: Capability, adapter: RestAdapter) {
  const clients = clientsOf(model, adapter);
  return {
    doc: doc(adapter.description ?? `REST adapter "${adapter.namespace}".`),
    namespace: lit(adapter.namespace),
    factoryName: ident(adapter.factoryName),
    optionsName: ident(`${adapter.factoryName.replace(/^create/, '')}Options`),
    clientsType: new Code(`{ ${clients.map((c) => `${c.ident}: ${c.className}`).join('; ')} }`),
    clientNames: new Code(clients.map((c) => c.ident).join(', ')),
    openapiFile: lit(adapter.openapiFile),
    openapiConst: ident('openapi'),
    routes: adapter.paths.flatMap((path) => [...path.operations.map((op) => route(model, path, op)), notAllowed(path)]),
  };
}

function route(model: Capability, path: RestPath, op: RestOperation): Code {
  const target = callTarget(model, op.call);
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
        return input === wholeBody ? member(request, 'body') : code`${member(request, 'body')}?.${prop(input.name)}`;
      default:
        return member(member(request, 'query'), input.name);
    }
  };
  const generics: Code[] = [];
  const schema: Code[] = [];
  const group = (where: ExposedInput['in']) => op.inputs.filter((i) => i.in === where);
  const pathInputs = group('path');
  if (pathInputs.length > 0) {
    generics.push(code`Params: ${typeLiteral(pathInputs, (i) => routerName(i.name))}`);
    schema.push(code`params: ${objectSchema(pathInputs, (i) => routerName(i.name), false)}`);
  }
  const query = group('query');
  generics.push(code`Querystring: ${typeLiteral(query, (i) => i.name)}`);
  // Unknown query parameters are refused with a 400, never silently dropped or forwarded.
  schema.push(code`querystring: ${objectSchema(query, (i) => i.name, false)}`);
  const headers = group('header');
  if (headers.length > 0) {
    generics.push(code`Headers: ${typeLiteral(headers, (i) => i.name.toLowerCase())}`);
    schema.push(code`headers: ${objectSchema(headers, (i) => i.name.toLowerCase(), true)}`);
  }
  const body = group('body');
  if (wholeBody) {
    generics.push(code`Body: ${tsType(wholeBody.type)}`);
    if (wholeBody.required) schema.push(code`body: ${lit(wholeBody.schema)}`);
  } else if (body.length > 0) {
    generics.push(code`Body: ${typeLiteral(body, (i) => i.name)}`);
    schema.push(code`body: ${objectSchema(body, (i) => i.name, true)}`);
  }
  const args = argsObject(op.call, target.operation, op.inputs, valueOf);
  const output = outputLiteral(op.output);
  const call = code`await ${ident(target.clientIdent)}.${ident(target.operation.ident)}(${args}, { signal: callerSignal(reply) })`;
  const answer = output ? code`relay(reply, ${call}, ${output})` : code`relay(reply, ${call})`;
  return code`${doc(op.description, `\`${op.method} ${path.template}\` → \`${op.call.api}.${op.call.operation}\``)}
app.route<{ ${join(generics, '; ')} }>({
  method: ${lit(op.method)},
  url: ${lit(path.route)},
  schema: { ${join(schema, ', ')} },
  handler: async (request, reply) => ${answer},
});`;
}

function notAllowed(path: RestPath): Code {
  const allowed = path.operations.map((o) => o.method);
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])];
  const others = METHODS.filter((m) => !allowed.includes(m));
  const methods = [...others, ...(allowed.includes('GET') ? [] : ['HEAD']), 'OPTIONS'];
  return code`app.route({ method: ${lit(methods)}, url: ${lit(path.route)}, handler: methodNotAllowed(${lit(allow.join(', '))}) });`;
}

function typeLiteral(inputs: ExposedInput[], key: (i: ExposedInput) => string): Code {
  if (inputs.length === 0) return new Code('Record<string, never>');
  return code`{ ${join(inputs.map((i) => code`${prop(key(i))}${new Code(i.required ? '' : '?')}: ${tsType(i.type)}`), '; ')} }`;
}

function objectSchema(inputs: ExposedInput[], key: (i: ExposedInput) => string, additional: boolean): Code {
  const properties = Object.fromEntries(inputs.map((i) => [key(i), i.schema]));
  const required = inputs.filter((i) => i.required).map(key);
  return lit({ type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: additional });
}

export const routeMethods = METHODS;
