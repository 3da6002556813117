// Emits client.ts: one typed client class per consumed API, one method per operation.
import { basename } from 'node:path';
import type {
  Capability,
  ConsumedApi,
  ConsumedOperation,
  ConsumedParam,
  ResponseFormat,
  Template,
} from '../model/types.js';
import { Code, code, doc, ident, join, lit, member, prop, runtimeSymbol, symbolsUsed } from './escape.js';
import { jsonTemplateExpr, type PartResolver, templateExpr, textTravels, tsType } from './expr.js';
import { render } from './render.js';
import { runtimeImports } from './runtime.js';
import { schemaDeclarations, schemaType } from './schema-types.js';

const PARAMS = new Code('params');

export function emitClient(model: Capability, runtime: Set<string>): string {
  const apis = model.apis.map((api) => ({
    doc: doc(api.description ?? `Client for the "${api.namespace}" API.`),
    className: ident(api.className),
    optionsName: ident(`${api.className}Options`),
    factoryName: ident(api.factoryName),
    paramTypes: api.operations.map(paramsInterface),
    methods: api.operations.map((op) => method(op)),
    baseUrl: baseUrlExpr(api),
    credentials: credentialsExpr(api),
    secrets: secretsExpr(api),
    timeoutEnv: lit(api.timeoutEnv),
    maxResponseEnv: lit(api.maxResponseEnv),
    retryAfterEnv: lit(api.retryAfterEnv),
  }));
  // Import only the helpers the methods use, so the file reads like hand-written code.
  const decoders = schemaDecoders(model);
  const imports = [
    ...symbolsUsed([...decoders, ...apis.flatMap((a) => [...a.methods, a.credentials, a.secrets])]),
    'HttpApi',
    'intFrom',
    'requireEnv',
    'type ApiResponse',
    'type CallOptions',
    'type HttpApiOptions',
  ];
  // The template re-exports the call errors from the http module.
  runtime.add('http');
  return render('client.ts.hbs', {
    source: basename(model.specFile),
    schemaTypes: schemaDeclarations(model.schemas),
    decoders,
    // With a control adapter, server.ts hands each client its upstream metrics.
    observed: model.control !== undefined,
    apis,
    imports: runtimeImports(imports, runtime),
  });
}

function paramsInterface(op: ConsumedOperation): Code {
  const members = args(op).map((p) => {
    const type = p.typed
      ? schemaType(p.typed)
      : textTravels(p)
        ? code`string | ${tsType(p.type)}`
        : tsType(p.type);
    const line = code`${prop(p.name)}${new Code(p.required ? '' : '?')}: ${type};`;
    return p.description ? join([doc(p.description), line], '\n') : line;
  });
  const header = doc(`Parameters of \`${op.name}\`.`);
  if (members.length === 0)
    return code`${header}\nexport type ${ident(op.paramsType)} = Record<string, never>;`;
  return code`${header}\nexport interface ${ident(op.paramsType)} {\n${join(members, '\n')}\n}`;
}

/** Parameters the caller passes: everything without a fixed value in the spec. */
function args(op: ConsumedOperation): ConsumedParam[] {
  return op.params.filter((p) => p.value === undefined);
}

const clientResolver = (params: Code): PartResolver => ({
  input: (name) => member(params, name),
  secret: (variable) => code`(${member(new Code('this.#secrets'), variable)} ?? '')`,
});

function method(op: ConsumedOperation): Code {
  const resolve = clientResolver(PARAMS);
  const value = (p: ConsumedParam): Code =>
    p.value ? templateExpr(p.value, resolve) : member(PARAMS, p.name);
  const fields: Code[] = [code`method: ${lit(op.method)}`, code`path: ${pathExpr(op, value)}`];
  const pairs = (where: string) =>
    op.params.filter((p) => p.in === where).map((p) => code`[${lit(p.name)}, ${value(p)}]`);
  const query = pairs('query');
  if (query.length > 0) fields.push(code`query: [${join(query, ', ')}]`);
  const headers = op.params.filter((p) => p.in === 'header').map((p) => code`${lit(p.name)}: ${value(p)}`);
  if (headers.length > 0) fields.push(code`headers: { ${join(headers, ', ')} }`);
  const cookies = pairs('cookie');
  if (cookies.length > 0) fields.push(code`cookies: [${join(cookies, ', ')}]`);
  const body = bodyExpr(op, resolve, value);
  if (body) fields.push(...body);
  const optional = args(op).every((p) => !p.required);
  // With an OpenAPI document the answer is typed; the runtime parses whatever arrives.
  const answer = op.response ? code`ApiResponse<${schemaType(op.response.typed)}>` : new Code('ApiResponse');
  const signature = code`${ident(op.ident)}(params: ${ident(op.paramsType)}${new Code(optional ? ' = {}' : '')}, options?: CallOptions): Promise<${answer}>`;
  const send = code`this.http.send({ ${join(fields, ', ')} }, options)`;
  const decoded = op.format ? code`(await ${send}).decodeWith(${decoder(op.format)})` : send;
  const result = op.response
    ? code`${decoded} as ${new Code(op.format ? '' : 'Promise<')}${answer}${new Code(op.format ? '' : '>')}`
    : decoded;
  const asyncKw = new Code(op.format ? 'async ' : '');
  const route = `\`${op.method} ${pathText(op)}\``;
  // One line unless the description has several.
  const comment = op.description?.includes('\n')
    ? doc(op.description, route)
    : doc(op.description ? `${op.description}: ${route}` : route);
  return code`${comment}\n${asyncKw}${signature} {\nreturn ${result};\n}`;
}

/** The runtime converter for an operation's non-JSON answers. */
function decoder(format: ResponseFormat): Code {
  switch (format.kind) {
    case 'xml':
      return runtimeSymbol('fromXml');
    case 'yaml':
      return runtimeSymbol('fromYaml');
    case 'markdown':
      return runtimeSymbol('fromMarkdown');
    case 'delimited':
      return code`(raw) => ${runtimeSymbol('fromDelimited')}(raw, ${lit(format.separator)})`;
    case 'html':
      return format.selector === undefined
        ? runtimeSymbol('fromHtml')
        : code`(raw) => ${runtimeSymbol('fromHtml')}(raw, ${lit(format.selector)})`;
    case 'text':
      return new Code("(raw) => raw.toString('utf8')");
    case 'avro':
    case 'protobuf':
      return new Code(format.decoder);
  }
}

/** The Avro and Protobuf decoders, built once per operation from the schema embedded here. */
function schemaDecoders(model: Capability): Code[] {
  return model.apis.flatMap((api) =>
    api.operations.flatMap((op) => {
      const format = op.format;
      if (format?.kind === 'avro')
        return [
          code`${doc(`Decodes \`${op.name}\` answers with ${basename(format.file)}.`)}
const ${ident(format.decoder)} = ${runtimeSymbol('avroDecoder')}(${lit(format.schema)});`,
        ];
      if (format?.kind === 'protobuf')
        return [
          code`${doc(`Decodes \`${op.name}\` answers with ${basename(format.file)} (its first message).`)}
const ${ident(format.decoder)} = ${runtimeSymbol('protobufDecoder')}(${lit(format.schema)});`,
        ];
      return [];
    }),
  );
}

/**
 * The path as the spec writes it, filled by the runtime's fillPath; the parameters themselves
 * when each name is a required one passed as is. A text part with a brace of its own is joined
 * from segments instead, as fillPath would read that brace as a name.
 */
function pathExpr(op: ConsumedOperation, value: (p: ConsumedParam) => Code): Code {
  if (op.path.length === 0) return lit('');
  const holes = op.path.flatMap((part) => (part.kind === 'param' ? [part.name] : []));
  const paramOf = (name: string) => op.params.find((p) => p.name === name && p.in === 'path');
  const valueOf = (name: string) => {
    const param = paramOf(name);
    return param ? value(param) : member(PARAMS, name);
  };
  if (holes.length === 0) return lit(pathText(op));
  if (op.path.some((part) => part.kind === 'text' && /[{}]/.test(part.text)))
    return join(
      op.path.map((part) =>
        part.kind === 'text'
          ? lit(part.text)
          : code`${runtimeSymbol('segment')}(${lit(part.name)}, ${valueOf(part.name)})`,
      ),
      ' + ',
    );
  const direct = holes.every((name) => {
    const param = paramOf(name);
    return param !== undefined && param.required && param.value === undefined;
  });
  const values = direct
    ? PARAMS
    : code`{ ${join(
        [...new Set(holes)].map((name) => code`${prop(name)}: ${valueOf(name)}`),
        ', ',
      )} }`;
  return code`${runtimeSymbol('fillPath')}(${lit(pathText(op))}, ${values})`;
}

function pathText(op: ConsumedOperation): string {
  return op.path.map((p) => (p.kind === 'text' ? p.text : `{${p.name}}`)).join('');
}

/**
 * The body: the operation's `body:` template when it has one; else a single object (or array)
 * body parameter is the whole body; else the body parameters become the properties of one object.
 */
function bodyExpr(
  op: ConsumedOperation,
  resolve: PartResolver,
  value: (p: ConsumedParam) => Code,
): Code[] | undefined {
  if (op.body?.kind === 'json') return [code`body: ${jsonTemplateExpr(op.body.data, resolve)}`];
  if (op.body?.kind === 'text') {
    const escape = op.body.escape && runtimeSymbol(op.body.escape === 'xml' ? 'xmlText' : 'formText');
    return [
      code`body: ${templateExpr(op.body.text, resolve, escape)}`,
      code`contentType: ${lit(op.body.contentType)}`,
    ];
  }
  if (op.body?.kind === 'form') {
    const fields = op.body.fields.map((f) => code`[${lit(f.name)}, ${fieldValue(f.value, resolve)}]`);
    return [code`...${runtimeSymbol('formBody')}([${join(fields, ', ')}])`];
  }
  if (op.body?.kind === 'multipart') {
    const parts = op.body.parts.map((f) => {
      const entries = [code`name: ${lit(f.name)}`, code`value: ${fieldValue(f.value, resolve)}`];
      if (f.filename) entries.push(code`filename: ${templateExpr(f.filename, resolve)}`);
      if (f.contentType) entries.push(code`contentType: ${templateExpr(f.contentType, resolve)}`);
      return code`{ ${join(entries, ', ')} }`;
    });
    return [code`body: ${runtimeSymbol('multipartBody')}([${join(parts, ', ')}])`];
  }
  const params = op.params.filter((p) => p.in === 'body');
  if (params.length === 0) return undefined;
  if (params.length === 1 && (params[0]!.type === 'object' || params[0]!.type === 'array'))
    return [code`body: ${value(params[0]!)}`];
  return [
    code`body: { ${join(
      params.map((p) => code`${lit(p.name)}: ${value(p)}`),
      ', ',
    )} }`,
  ];
}

/** A field's value: one placeholder passes its input as it is (an array repeats the field). */
function fieldValue(t: Template, resolve: PartResolver): Code {
  const only = t.parts.length === 1 ? t.parts[0] : undefined;
  return only?.kind === 'input' ? resolve.input(only.name) : templateExpr(t, resolve);
}

const factoryResolver: PartResolver = {
  input: () => {
    throw new Error('generator bug: a client-level template reads an input');
  },
  secret: (variable) => member(new Code('secrets'), variable),
};

function baseUrlExpr(api: ConsumedApi): Code {
  if (api.baseUri.parts.length === 0) {
    // The spec gives no base URL: the environment must.
    return code`options.baseUrl ?? requireEnv(env, ${lit(api.baseUrlEnv)}, ${lit(`base URL of "${api.namespace}"; the spec gives none`)})`;
  }
  return code`options.baseUrl ?? ${member(new Code('env'), api.baseUrlEnv)} ?? ${templateExpr(api.baseUri, factoryResolver)}`;
}

function credentialsExpr(api: ConsumedApi): Code {
  const headers: Code[] = [];
  const query: Code[] = [];
  const auth = api.auth;
  if (auth?.kind === 'apikey') {
    const entry = templateExpr(auth.value, factoryResolver);
    if (auth.placement === 'query') query.push(code`[${lit(auth.name)}, ${entry}]`);
    else headers.push(code`${lit(auth.name.toLowerCase())}: ${entry}`);
  } else if (auth?.kind === 'bearer') {
    headers.push(code`authorization: "Bearer " + ${templateExpr(auth.token, factoryResolver)}`);
  } else if (auth?.kind === 'basic') {
    headers.push(
      code`authorization: ${runtimeSymbol('basicAuth')}(${templateExpr(auth.username, factoryResolver)}, ${templateExpr(auth.password, factoryResolver)})`,
    );
  }
  for (const p of api.fixedParams) {
    const v = templateExpr(p.value ?? { parts: [] }, factoryResolver);
    if (p.in === 'query') query.push(code`[${lit(p.name)}, ${v}]`);
    else headers.push(code`${lit(p.name.toLowerCase())}: ${v}`);
  }
  return code`{ headers: { ${join(headers, ', ')} }, query: [${join(query, ', ')}] }`;
}

/** The bind variables the model found this client needs, resolved once from the environment. */
function secretsExpr(api: ConsumedApi): Code {
  const entries = api.secrets.map(
    (s) =>
      code`${prop(s.variable)}: requireEnv(env, ${lit(s.env)}, ${lit(`credential for "${api.namespace}"`)})`,
  );
  return code`{ ${join(entries, ', ')} }`;
}
