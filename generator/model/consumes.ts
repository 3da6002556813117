// The consumed side of the model: one ConsumedApi per `consumes` entry, with parameters
// normalised (types, locations, implicit path parameters) and auth resolved to templates.
import type { Reporter } from '../diagnostics.js';
import { readFormatSchema } from '../format-schema.js';
import type { PathKey } from '../load.js';
import type { DocumentSet } from '../openapi/document.js';
import { isObj, namedParams, type Obj, objects, strAt } from '../raw.js';
import { isSkipped, unitKey } from '../validate/units.js';
import { camel, envName, NameTable, pascal } from './names.js';
import {
  hasPlaceholders,
  literalTemplate,
  parseTemplate,
  templateInputs,
  type TemplateScope,
} from './template.js';
import { type ParamOrigin, typeOperations } from './typed.js';
import type {
  Auth,
  BodyField,
  BodyTemplate,
  ConsumedApi,
  ConsumedOperation,
  ConsumedParam,
  HttpMethod,
  JsonSchema,
  JsonTemplate,
  ParamLocation,
  ParamType,
  PathPart,
  ResponseFormat,
  Template,
} from './types.js';

const TYPES = new Set<ParamType>(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const LOCATIONS = new Set<ParamLocation>(['path', 'query', 'header', 'cookie', 'body']);

export interface ConsumesContext {
  report: Reporter;
  skipped: ReadonlySet<string>;
  secretScope: TemplateScope;
  /** Scope of body templates: bind variables plus inputs under any exposes prefix. */
  bodyScope: TemplateScope;
  /** Keys that `with` blocks send to an operation that does not declare them, by operation unit. */
  extraParams: Map<string, Set<string>>;
  /** Filled in: every built operation by its unit key (see validate/units.ts). */
  byUnit: Map<string, { api: ConsumedApi; op: ConsumedOperation }>;
  /** `--openapi`: consumes namespace → the document that types its operations. */
  openapi?: ReadonlyMap<string, DocumentSet>;
  /** Filled in with `--openapi`: the named schemas the typed operations use, by type name. */
  schemas?: Map<string, JsonSchema>;
  /** The spec file, which Avro and Protobuf schema paths are relative to. */
  specFile: string;
}

/** Where each parameter was declared (only recorded with `--openapi`, for conflict warnings). */
const origins = new WeakMap<ConsumedParam, ParamOrigin>();

export function buildApis(capability: Obj, ctx: ConsumesContext): ConsumedApi[] {
  const apis: ConsumedApi[] = [];
  // Client identifiers live beside the runtime helpers that adapters import.
  const idents = new NameTable([
    'route',
    'tool',
    'createRestApp',
    'createToolServer',
    'jsonSchema',
    'asArray',
    'asBoolean',
    'asNumber',
    'asObject',
    'asString',
    'clients',
    'options',
    'signal',
    'args',
    'request',
    // server.ts's own locals, beside which it declares each client.
    'env',
    'host',
    'bodyLimit',
    'maxTextLength',
    'maxResultLength',
    'maxJsonDepth',
    'listenHttp',
    'secret',
    'server',
    'onePort',
    'state',
    'served',
    'telemetry',
    'controlApp',
  ]);
  // Type names share client.ts across APIs, so they come from one table; the runtime's own
  // type names are taken so OpenAPI schema names cannot shadow them.
  const types = new NameTable(['ApiResponse', 'CallOptions', 'HttpApi', 'HttpApiOptions']);
  for (const [entry, i] of objects(capability.consumes)) {
    if (isSkipped(ctx.skipped, unitKey(['capability', 'consumes', i]))) continue;
    apis.push(buildApi(entry, i, idents, types, ctx));
  }
  return apis;
}

function buildApi(
  entry: Obj,
  i: number,
  idents: NameTable,
  types: NameTable,
  ctx: ConsumesContext,
): ConsumedApi {
  const nameCounts = new Map<string, number>();
  for (const [resource] of objects(entry.resources)) {
    for (const [op] of objects(resource.operations))
      nameCounts.set(String(op.name), (nameCounts.get(String(op.name)) ?? 0) + 1);
  }
  const built: [string, ConsumedOperation][] = [];
  const at: PathKey[] = ['capability', 'consumes', i];
  const namespace = String(entry.namespace);
  const base = pascal(namespace);
  const baseUriText = String(entry.baseUri).trim().replace(/\/+$/, '');
  if (baseUriText === '') {
    ctx.report.warn(
      'base-uri-missing',
      `"${namespace}" has no baseUri; the server requires ${envName(namespace)}_BASE_URL at start-up`,
      [...at, 'baseUri'],
      'value',
    );
  }
  const operations: ConsumedOperation[] = [];
  const located: { op: ConsumedOperation; at: PathKey[] }[] = [];
  const opIdents = new NameTable(['constructor', 'http', 'close', 'secret']);
  for (const [resource, r] of objects(entry.resources)) {
    for (const [op, o] of objects(resource.operations)) {
      const unit = unitKey([...at, 'resources', r, 'operations', o]);
      if (isSkipped(ctx.skipped, unit)) continue;
      // A name used by several operations is qualified with its resource: `get` → `getCloudOrder`.
      const shared = (nameCounts.get(String(op.name)) ?? 0) > 1;
      const identBase = camel(
        shared ? `${String(op.name)} ${String(resource.name ?? resource.path)}` : String(op.name),
      );
      const ident = opIdents.take(identBase);
      const operation = buildOperation(
        unit,
        resource,
        op,
        [...at, 'resources', r, 'operations', o],
        [...at, 'resources', r],
        ident,
        types.take(`${pascal(ident)}Params`),
        ctx,
      );
      if (operation.format?.kind === 'avro' || operation.format?.kind === 'protobuf')
        operation.format.decoder = idents.take(camel(`${namespace} ${ident} decoder`));
      operations.push(operation);
      located.push({ op: operation, at: [...at, 'resources', r, 'operations', o] });
      built.push([unit, operation]);
    }
  }
  const docs = ctx.openapi?.get(namespace);
  if (docs) {
    const defs = typeOperations({
      namespace,
      baseUri: baseUriText,
      docs,
      file: docs.root.file,
      operations: located,
      origins,
      report: ctx.report,
      takeName: (n) => types.take(n),
    });
    for (const [name, schema] of defs) ctx.schemas?.set(name, schema);
  }
  const fixedParams = namedParams(entry.inputParameters)
    .filter(([p, n]) => !isFramingHeader(p, ctx, [...at, 'inputParameters', n]))
    .map(([p, n]) => buildParam(p, [...at, 'inputParameters', n], ctx, 'header'));
  const credentials = readAuth(entry, at, ctx.report, ctx.secretScope, true);
  for (const h of credentials.headers ?? [])
    fixedParams.push({
      name: h.name,
      in: 'header',
      type: 'string',
      required: false,
      value: h.value,
      schema: schemaFor('string'),
    });
  if (credentials.body) for (const op of operations) addBodyCredential(op, credentials.body);
  const api: ConsumedApi = {
    namespace,
    ident: idents.take(camel(namespace)),
    className: types.take(`${base}Client`),
    factoryName: `create${base}Client`,
    baseUrlEnv: `${envName(namespace)}_BASE_URL`,
    timeoutEnv: `${envName(namespace)}_TIMEOUT_MS`,
    maxResponseEnv: `${envName(namespace)}_MAX_RESPONSE_BYTES`,
    retryAfterEnv: `${envName(namespace)}_RETRY_AFTER_MAX_MS`,
    baseUri: parseTemplate(
      baseUriPlaceholders(baseUriText, ctx, credentials.path, [...at, 'baseUri']),
      ctx.secretScope,
      (ref) =>
        ctx.report.warn(
          'template-unresolved',
          `baseUri placeholder {{${ref}}} names no bind variable; it is sent as written`,
          [...at, 'baseUri'],
          'value',
        ),
    ),
    description: strAt(entry.description),
    auth: credentials.auth,
    fixedParams,
    operations,
    secrets: [],
  };
  for (const [unit, op] of built) ctx.byUnit.set(unit, { api, op });
  return api;
}

/**
 * An apikey placed in the body: a property of the JSON body template, a field of a form or
 * multipart body, or a fixed body parameter.
 */
function addBodyCredential(op: ConsumedOperation, cred: { name: string; value: Template }): void {
  if (op.body?.kind === 'json' && op.body.data.kind === 'object') {
    op.body.data.entries.push({ key: cred.name, value: { kind: 'template', template: cred.value } });
    return;
  }
  if (op.body?.kind === 'form') op.body.fields.push({ name: cred.name, value: cred.value });
  if (op.body?.kind === 'multipart') op.body.parts.push({ name: cred.name, value: cred.value });
  if (op.body) return;
  op.params = op.params.filter((p) => p.name !== cred.name);
  op.params.push({
    name: cred.name,
    in: 'body',
    type: 'string',
    required: false,
    value: cred.value,
    schema: schemaFor('string'),
  });
}

/**
 * Base URIs written with `{x}`, `${X}` or `[x]` placeholders (dynatrace, telegram): each one that
 * names a bind variable reads it, as `{{x}}` would; a path-placed apikey fills its own `{key}`.
 * Any other is sent as written, with a warning.
 */
function baseUriPlaceholders(
  text: string,
  ctx: ConsumesContext,
  key: { name: string; value: Template } | undefined,
  at: PathKey[],
): string {
  const vars = ctx.secretScope.bindVariables;
  return text.replace(
    /\$\{([A-Za-z_][\w.-]*)\}|(?<!\{)\{([A-Za-z_][\w.-]*)\}(?!\})|\[([A-Za-z_][\w.-]*)\]/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (key && name === key.name) return templateText(key.value);
      if (vars.has(name)) return `{{${name}}}`;
      ctx.report.warn(
        'template-unresolved',
        `baseUri placeholder ${whole} names no bind variable; it is sent as written`,
        at,
        'value',
      );
      return whole;
    },
  );
}

/** A template written back as `{{…}}` text (its secrets by variable name). */
function templateText(t: Template): string {
  return t.parts
    .map((p) =>
      p.kind === 'text'
        ? p.text
        : p.kind === 'secret'
          ? `{{${p.variable}}}`
          : p.kind === 'input'
            ? `{{${p.name}}}`
            : `{{${[p.ref.step, ...p.ref.path].join('.')}}}`,
    )
    .join('');
}

function buildOperation(
  unit: string,
  resource: Obj,
  op: Obj,
  at: PathKey[],
  resourceAt: PathKey[],
  ident: string,
  paramsType: string,
  ctx: ConsumesContext,
): ConsumedOperation {
  const name = String(op.name);
  const own = operationPath(resource, op);
  if (own.own) {
    ctx.report.warn(
      'operation-path',
      `an operation-level \`path\` is not alpha2; it is tolerated and this operation is sent to ${own.path}`,
      [...at, 'path'],
      'value',
    );
  }
  const [rawPath, literalQuery] = splitQuery(own.path);
  // A resource path is relative to the base URI's path: `api/users` means `/api/users` there.
  const path = parsePath(rawPath !== '' && !rawPath.startsWith('/') ? `/${rawPath}` : rawPath);
  const byName = new Map<string, ConsumedParam>();
  const declared = [
    ...namedParams(resource.inputParameters).map(([p, n]): [Obj, PathKey[]] => [
      p,
      [...resourceAt, 'inputParameters', n],
    ]),
    ...namedParams(op.inputParameters).map(([p, n]): [Obj, PathKey[]] => [p, [...at, 'inputParameters', n]]),
  ];
  const placeholders = path.flatMap((p) => (p.kind === 'param' ? [p.name] : []));
  for (const [p, pAt] of declared) {
    if (isFramingHeader(p, ctx, pAt)) continue;
    const param = buildParam(p, pAt, ctx, placeholders.includes(String(p.name)) ? 'path' : 'query');
    if (param.in === 'path' && !placeholders.includes(param.name)) {
      ctx.report.warn(
        'path-param-unused',
        `path parameter "${param.name}" has no {${param.name}} placeholder in ${rawPath}; it is sent as a query parameter`,
        pAt,
      );
      param.in = 'query';
    }
    byName.set(param.name, param); // operation-level declarations override resource-level ones
  }
  for (const placeholder of placeholders) {
    const existing = byName.get(placeholder);
    if (existing?.in === 'path') continue;
    if (existing) {
      existing.in = 'path';
      existing.required = true;
      existing.schema = schemaFor(
        existing.type === 'object' || existing.type === 'array' ? 'string' : existing.type,
      );
      continue;
    }
    ctx.report.warn(
      'path-placeholder-undeclared',
      `path placeholder {${placeholder}} has no \`in: path\` parameter; it is treated as a required string parameter`,
      [...resourceAt, 'path'],
      'value',
    );
    byName.set(placeholder, {
      name: placeholder,
      in: 'path',
      type: 'string',
      required: true,
      schema: schemaFor('string'),
    });
  }
  // A query string written into the path (`/search?type=user`) becomes fixed query parameters.
  for (const [key, value] of literalQuery) {
    if (!byName.has(key))
      byName.set(key, {
        name: key,
        in: 'query',
        type: 'string',
        required: false,
        value: literalTemplate(value),
        schema: schemaFor('string'),
      });
  }
  // Names a body template reads are body parameters (the template places them), so a `with` key
  // that feeds one is not also sent as a query parameter.
  // A name read only as a whole JSON value (`key: '{{tools.x}}'`) keeps its JSON type, so it takes
  // any JSON value (an array, object or number), not only a string.
  const body = buildBody(op.body, [...at, 'body'], ctx);
  const whole = wholeValueInputs(body);
  const described = fieldDescriptions(body);
  for (const input of bodyInputs(body)) {
    const description = described.get(input);
    if (!byName.has(input))
      byName.set(input, {
        name: input,
        in: 'body',
        type: 'string',
        required: false,
        ...(description ? { description } : {}),
        schema: whole.has(input) ? {} : schemaFor('string', description),
        ...(whole.has(input) ? { typed: {} } : {}),
      });
  }
  // `body: {type: json}` without `data`: the caller's JSON is the body.
  if (
    body === undefined &&
    isJsonBodyWithoutData(op.body) &&
    ![...byName.values()].some((p) => p.in === 'body')
  ) {
    byName.set('body', {
      name: 'body',
      in: 'body',
      type: 'object',
      required: false,
      description: 'The request body (JSON).',
      schema: schemaFor('object', 'The request body (JSON).'),
    });
  }
  for (const extra of ctx.extraParams.get(unit) ?? []) {
    if (!byName.has(extra))
      byName.set(extra, {
        name: extra,
        in: 'query',
        type: 'string',
        required: false,
        schema: schemaFor('string'),
        withOnly: true,
      });
  }
  const format = responseFormat(op.outputRawFormat, op.outputSchema, ctx.specFile);
  // Named `$` outputParameters project the answer when the operation is a step (naftiko.md §3).
  const projection = objects(op.outputParameters).flatMap(([p]) => {
    const path = strAt(p.value) ?? strAt(p.mapping);
    const name = strAt(p.name);
    return name !== undefined && path?.startsWith('$') ? [{ name, path }] : [];
  });
  return {
    name,
    ident,
    paramsType,
    method: String(op.method).toUpperCase() as HttpMethod,
    description: strAt(op.description) ?? strAt(op.label),
    path,
    params: [...byName.values()],
    body,
    ...(format ? { format } : {}),
    ...(projection.length > 0 ? { projection } : {}),
    origin: ctx.report.position(at),
  };
}

const SEPARATORS = { csv: ',', tsv: '\t', psv: '|' } as const;

/** The conversion a non-JSON `outputRawFormat` needs; JSON (or none) needs none. */
function responseFormat(raw: unknown, outputSchema: unknown, specFile: string): ResponseFormat | undefined {
  const format = typeof raw === 'string' ? raw.toLowerCase() : 'json';
  if (format === 'xml' || format === 'yaml' || format === 'markdown' || format === 'text')
    return { kind: format };
  // Validation skipped the operation when its schema cannot be read; the decoder is named below.
  if (format === 'avro') {
    const { file, schema } = readFormatSchema('avro', outputSchema, specFile);
    return { kind: 'avro', schema: schema as object, file, decoder: '' };
  }
  if (format === 'protobuf') {
    const { file, schema } = readFormatSchema('protobuf', outputSchema, specFile);
    return { kind: 'protobuf', schema: schema as string, file, decoder: '' };
  }
  if (format === 'csv' || format === 'tsv' || format === 'psv')
    return { kind: 'delimited', separator: SEPARATORS[format] };
  if (format === 'html')
    return typeof outputSchema === 'string' && outputSchema.trim() !== ''
      ? { kind: 'html', selector: outputSchema }
      : { kind: 'html' };
  return undefined;
}

/**
 * `/zones/{zone}/images/{{id}}` → text and parameter parts; both placeholder styles are accepted.
 * A `#fragment` never reaches a server and is dropped; a `?query` is left to splitQuery.
 */
export function parsePath(path: string): PathPart[] {
  path = path.replace(/#.*$/, '');
  const parts: PathPart[] = [];
  let last = 0;
  for (const m of path.matchAll(/\{\{\s*([^{}]+?)\s*\}\}|\{([^{}]+)\}/g)) {
    if (m.index > last) parts.push({ kind: 'text', text: path.slice(last, m.index) });
    parts.push({ kind: 'param', name: (m[1] ?? m[2])!.trim() });
    last = m.index + m[0].length;
  }
  if (last < path.length) parts.push({ kind: 'text', text: path.slice(last) });
  return parts;
}

/** `/a?x=1&y` → [`/a`, [[x, 1], [y, '']]]. */
function splitQuery(path: string): [string, [string, string][]] {
  const clean = path.replace(/#.*$/, '');
  const q = clean.indexOf('?');
  if (q < 0) return [clean, []];
  const pairs = clean
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    });
  return [clean.slice(0, q), pairs];
}

/** Headers that describe the message itself: the HTTP client sets them (Content-Type from the body), never a parameter. */
const FRAMING_HEADERS = new Set([
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'host',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function schemaFor(type: ParamType, description?: string): JsonSchema {
  const schema: JsonSchema =
    type === 'array'
      ? { type: 'array', items: { type: 'string' } }
      : type === 'object'
        ? { type: 'object', additionalProperties: true }
        : { type };
  if (description !== undefined) schema.description = description;
  return schema;
}

export function paramType(raw: unknown): ParamType {
  const t = String(raw ?? 'string').toLowerCase();
  return TYPES.has(t as ParamType) ? (t as ParamType) : 'string';
}

/** Content-Length and its kin are set by the HTTP client; a parameter for them is dropped. */
function isFramingHeader(p: Obj, ctx: ConsumesContext, at: PathKey[]): boolean {
  if (String(p.in ?? '').toLowerCase() !== 'header' || !FRAMING_HEADERS.has(String(p.name).toLowerCase()))
    return false;
  ctx.report.warn(
    'param-location',
    `header "${String(p.name)}" is set by the HTTP client itself; this parameter is ignored`,
    [...at, 'name'],
    'value',
  );
  return true;
}

function buildParam(p: Obj, at: PathKey[], ctx: ConsumesContext, defaultIn: ParamLocation): ConsumedParam {
  const name = String(p.name);
  let location = (strAt(p.in)?.toLowerCase() ?? defaultIn) as ParamLocation;
  if (!LOCATIONS.has(location)) {
    ctx.report.warn(
      'param-location',
      `parameter location "${String(p.in)}" is not generated; "${name}" is sent as a query parameter`,
      [...at, 'in'],
      'value',
    );
    location = 'query';
  }
  if (p.type !== undefined && !TYPES.has(String(p.type).toLowerCase() as ParamType)) {
    ctx.report.warn(
      'param-type',
      `parameter type "${String(p.type)}" is not a JSON type; "${name}" is treated as a string`,
      [...at, 'type'],
      'value',
    );
  }
  if (location === 'header' && !HEADER_NAME.test(name)) {
    ctx.report.warn(
      'param-location',
      `"${name}" is not a valid header name; it is sent as a query parameter`,
      [...at, 'name'],
      'value',
    );
    location = 'query';
  }
  const type = paramType(p.type);
  const description = strAt(p.description);
  let value: Template | undefined;
  let feed: Template | undefined;
  let feedJson: JsonTemplate | undefined;
  // A structured value is JSON whose strings are templates; each caller fills it.
  if (isObj(p.value) || Array.isArray(p.value)) feedJson = jsonTemplate(p.value, ctx);
  else if (p.value !== undefined && p.value !== null) {
    const text = String(p.value);
    // A value that reads an exposed input is an argument like any other; only fixed values
    // and secrets are baked into the client.
    const t = parseTemplate(text, { ...ctx.secretScope, inputs: true });
    if (!t.parts.some((part) => part.kind === 'input'))
      value = hasPlaceholders(text) ? t : literalTemplate(text);
    else feed = parseTemplate(text, ctx.bodyScope);
  }
  const param: ConsumedParam = {
    name,
    in: location,
    type,
    description,
    required: location === 'path' ? true : p.required === true,
    value,
    ...(feed ? { feed } : {}),
    ...(feedJson ? { feedJson } : {}),
    schema: schemaFor(location === 'body' ? type : type === 'object' ? 'string' : type),
  };
  if (ctx.openapi) origins.set(param, { at, explicitType: p.type !== undefined });
  return param;
}

/**
 * Reads `authentication` (or the non-standard `auth`) of a consumes entry or an adapter.
 * `unsupported` names a type that was declared but cannot be generated.
 */
export interface ReadAuth {
  auth?: Auth;
  unsupported?: string;
  /**
   * Consumed side only: credentials that are not one header or query pair. `headers` (an apikey
   * written as a `headers:` map, or a cookie) are sent on every call; `body` is a property of
   * every JSON body; `path` fills the `{name}` placeholder of the base URI.
   */
  headers?: { name: string; value: Template }[];
  body?: { name: string; value: Template };
  path?: { name: string; value: Template };
}

export function readAuth(
  entry: Obj,
  at: PathKey[],
  report: Reporter,
  scope: TemplateScope,
  consumed = false,
): ReadAuth {
  const key = entry.authentication !== undefined ? 'authentication' : 'auth';
  const auth = entry[key];
  if (!isObj(auth)) return {};
  const aAt = [...at, key];
  const tpl = (v: unknown, field: string): Template =>
    parseTemplate(String(v ?? ''), scope, (ref) =>
      report.warn(
        'template-unresolved',
        `{{${ref}}} names no bind variable; it is used as written`,
        [...aAt, field],
        'value',
      ),
    );
  switch (String(auth.type).toLowerCase()) {
    case 'apikey': {
      // Shapes seen in real specs: the schema's key/value/placement, name/in/value, header/key
      // where `header` names the header and `key` holds the value, and a `headers:` map of
      // header names to values (datadog/incident-management.yaml:28).
      if (consumed && isObj(auth.headers)) {
        const headers = Object.entries(auth.headers)
          .filter(([h]) => HEADER_NAME.test(h))
          .map(([name, v]) => ({ name, value: tpl(v, 'headers') }));
        if (headers.length === 0) {
          report.warn('auth-shape', 'apikey `headers` names no valid header', aAt);
          return { unsupported: 'apikey without a key' };
        }
        return { headers };
      }
      const byHeader = strAt(auth.header) !== undefined;
      const name = byHeader ? strAt(auth.header) : (strAt(auth.key) ?? strAt(auth.name));
      const rawValue = byHeader ? (auth.value ?? auth.key) : auth.value;
      const placement = byHeader ? 'header' : String(auth.placement ?? auth.in ?? 'header').toLowerCase();
      if (name === undefined) {
        report.warn('auth-shape', 'apikey authentication has no `key`', aAt);
        return { unsupported: 'apikey without a key' };
      }
      const value = tpl(rawValue, byHeader && auth.value === undefined ? 'key' : 'value');
      // The cookie, body and path placements are not alpha2 (walgreens, sap, telegram use them).
      if (consumed && placement === 'cookie')
        return {
          headers: [
            { name: 'Cookie', value: { parts: [{ kind: 'text', text: `${name}=` }, ...value.parts] } },
          ],
        };
      if (consumed && placement === 'body') return { body: { name, value } };
      if (consumed && placement === 'path') return { path: { name, value } };
      if (placement !== 'header' && placement !== 'query') {
        report.warn(
          'auth-shape',
          `apikey placement "${placement}" is not generated; the key goes in a header`,
          aAt,
        );
      }
      if (placement !== 'query' && !HEADER_NAME.test(name)) {
        report.warn('auth-shape', `"${name}" is not a valid header name for an API key`, aAt);
        return { unsupported: 'apikey with an invalid header name' };
      }
      return {
        auth: {
          kind: 'apikey',
          placement: placement === 'query' ? 'query' : 'header',
          name,
          value,
        },
      };
    }
    case 'bearer':
      return { auth: { kind: 'bearer', token: tpl(auth.token ?? auth.value, 'token') } };
    case 'basic':
      return {
        auth: {
          kind: 'basic',
          username: tpl(auth.username, 'username'),
          password: tpl(auth.password, 'password'),
        },
      };
    default:
      return { unsupported: `${String(auth.type)} authentication` };
  }
}

/** The media types of the text body kinds, and how each writes a placeholder's value. */
const TEXT_BODIES: Record<string, { contentType: string; escape?: 'xml' }> = {
  text: { contentType: 'text/plain; charset=utf-8' },
  xml: { contentType: 'application/xml', escape: 'xml' },
  sparql: { contentType: 'application/sparql-query' },
};

/** Body types some specs write that alpha2 spells otherwise. */
const BODY_ALIASES: Record<string, string> = { form: 'formUrlEncoded', multipart: 'multipartForm' };

function buildBody(raw: unknown, at: PathKey[], ctx: ConsumesContext): BodyTemplate | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = (value: string) => parseTemplate(value, ctx.bodyScope);
  if (typeof raw === 'string') return { kind: 'text', contentType: 'application/json', text: text(raw) };
  if (!isObj(raw)) {
    ctx.report.warn('body-type', 'body must be a string or {type, data}; it is ignored', at);
    return undefined;
  }
  const written = String(raw.type ?? 'json');
  if (isJsonBodyWithoutData(raw)) return undefined;
  const alias = BODY_ALIASES[written.toLowerCase()];
  if (alias)
    ctx.report.warn(
      'body-type',
      `body type "${written}" is not alpha2; it is sent as ${alias}`,
      [...at, 'type'],
      'value',
    );
  const type = alias ?? (written.toLowerCase() === 'json' ? 'json' : written);
  const data = raw.data;
  const dataText = (): string => (typeof data === 'string' ? data : JSON.stringify(data ?? ''));
  if (type === 'json')
    return {
      kind: 'json',
      data: jsonTemplate(typeof data === 'string' ? parseJsonOr(data) : (data ?? {}), ctx),
    };
  const textKind = TEXT_BODIES[type];
  if (textKind) return { kind: 'text', ...textKind, text: text(dataText()) };
  if (type === 'formUrlEncoded') {
    // A string is the form already encoded; its placeholders are encoded as field values.
    if (typeof data === 'string')
      return {
        kind: 'text',
        contentType: 'application/x-www-form-urlencoded',
        text: text(data),
        escape: 'form',
      };
    if (isObj(data)) return { kind: 'form', fields: bodyFields(Object.entries(data), ctx) };
    ctx.report.warn(
      'body-type',
      'a formUrlEncoded body needs `data`: an object of fields or a string; it is ignored',
      [...at, 'data'],
    );
    return undefined;
  }
  if (type === 'multipartForm') {
    if (Array.isArray(data)) return { kind: 'multipart', parts: multipartParts(data, [...at, 'data'], ctx) };
    // `data` as an object of fields (specs that write `type: multipart`): one plain part each.
    if (isObj(data)) return { kind: 'multipart', parts: bodyFields(Object.entries(data), ctx) };
    ctx.report.warn('body-type', 'a multipartForm body needs `data`: a list of parts; it is ignored', [
      ...at,
      'data',
    ]);
    return undefined;
  }
  // Not an alpha2 body type (`binary`, `yaml`, a media type): the data goes as text.
  const contentType = type.includes('/') ? type : 'application/json';
  ctx.report.warn(
    'body-type',
    `body type "${written}" is not alpha2; its data is sent as ${contentType} text`,
    [...at, 'type'],
    'value',
  );
  return { kind: 'text', contentType, text: text(dataText()) };
}

/** Form fields from `name: value` entries; a value that is not a string is written as JSON text. */
function bodyFields(entries: [string, unknown][], ctx: ConsumesContext): BodyField[] {
  return entries.map(([name, value]) => ({
    name,
    value: parseTemplate(typeof value === 'string' ? value : JSON.stringify(value ?? ''), ctx.bodyScope),
  }));
}

/** The parts of a multipartForm body, `{name, value, filename?, contentType?}` each. */
function multipartParts(data: unknown[], at: PathKey[], ctx: ConsumesContext): BodyField[] {
  const text = (v: unknown) =>
    parseTemplate(typeof v === 'string' ? v : JSON.stringify(v ?? ''), ctx.bodyScope);
  return data.flatMap((part, i): BodyField[] => {
    const name = isObj(part) ? strAt(part.name) : undefined;
    if (!isObj(part) || name === undefined || name === '') {
      ctx.report.warn('body-type', 'a multipart part needs a `name`; it is left out', [...at, i]);
      return [];
    }
    return [
      {
        name,
        value: text(part.value),
        ...(part.filename !== undefined ? { filename: text(part.filename) } : {}),
        ...(part.contentType !== undefined ? { contentType: text(part.contentType) } : {}),
      },
    ];
  });
}

/** `body: {type: json}` with no `data`: a body the caller supplies whole. */
function isJsonBodyWithoutData(raw: unknown): boolean {
  return (
    isObj(raw) &&
    String(raw.type ?? 'json').toLowerCase() === 'json' &&
    (raw.data === undefined || raw.data === null)
  );
}

/**
 * The consumed path of an operation: its resource's, or the operation's own `path` (not alpha2,
 * but 26 corpus specs use it, and the engine honours it since its issue #688). An operation path
 * that starts with the resource path's first segment is a whole path (`/api/v1/monitor/{id}/mute`
 * under `/api/v2/…`); any other is relative to the resource (`/{id}` under `/contact`). A value
 * that is not a path (`tools.path`) is ignored.
 */
export function operationPath(resource: Obj, op: Obj): { path: string; own: boolean } {
  const base = String(resource.path ?? '');
  const own = strAt(op.path);
  if (own === undefined || !own.startsWith('/')) return { path: base, own: false };
  const first = (p: string) => p.split('/').find((x) => x !== '') ?? '';
  if (first(base) !== '' && first(own) === first(base)) return { path: own, own: true };
  return { path: base.replace(/\/+$/, '') + own, own: true };
}

/** Names the `value`s of parameters read from the caller (`value: '{{userId}}'`). */
export function valueTemplateNames(params: Obj[], scope: TemplateScope): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(...templateInputs(parseTemplate(v, { ...scope, inputs: true })));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) Object.values(v).forEach(walk);
  };
  for (const p of params) walk(p.value);
  return out;
}

/** Names a `body:` template reads as inputs or parameters (`{{x}}`, `{{tools.x}}`, …). */
export function bodyTemplateNames(raw: unknown, scope: TemplateScope): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(...templateInputs(parseTemplate(v, scope)));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) Object.values(v).forEach(walk);
  };
  walk(isObj(raw) ? raw.data : raw);
  return out;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function jsonTemplate(data: unknown, ctx: ConsumesContext): JsonTemplate {
  if (typeof data === 'string')
    return hasPlaceholders(data)
      ? { kind: 'template', template: parseTemplate(data, ctx.bodyScope) }
      : { kind: 'literal', value: data };
  if (Array.isArray(data)) return { kind: 'array', items: data.map((d) => jsonTemplate(d, ctx)) };
  if (isObj(data))
    return {
      kind: 'object',
      entries: Object.entries(data).map(([key, v]) => ({ key, value: jsonTemplate(v, ctx) })),
    };
  return { kind: 'literal', value: (data ?? null) as string | number | boolean | null };
}

/** Inputs a body template reads; each becomes a parameter of the operation. */
/** Names a JSON body reads only as whole values (`'{{x}}'`), never inside a longer string. */
function wholeValueInputs(body: BodyTemplate | undefined): Set<string> {
  const whole = new Set<string>();
  const inText = new Set<string>();
  if (body?.kind !== 'json') return whole;
  const walk = (t: JsonTemplate): void => {
    if (t.kind === 'template') {
      const [only, ...rest] = t.template.parts;
      if (only?.kind === 'input' && rest.length === 0) whole.add(only.name);
      else templateInputs(t.template).forEach((n) => inText.add(n));
    }
    if (t.kind === 'array') t.items.forEach(walk);
    if (t.kind === 'object') t.entries.forEach((e) => walk(e.value));
  };
  if (body) walk(body.data);
  for (const n of inText) whole.delete(n);
  return whole;
}

function bodyInputs(body: BodyTemplate | undefined): string[] {
  if (!body) return [];
  if (body.kind === 'text') return templateInputs(body.text);
  if (body.kind === 'form' || body.kind === 'multipart')
    return bodyFieldTemplates(body).flatMap(templateInputs);
  const out: string[] = [];
  const walk = (t: JsonTemplate): void => {
    if (t.kind === 'template') out.push(...templateInputs(t.template));
    if (t.kind === 'array') t.items.forEach(walk);
    if (t.kind === 'object') t.entries.forEach((e) => walk(e.value));
  };
  walk(body.data);
  return out;
}

/** Every template of a form or multipart body: values, file names and part media types. */
export function bodyFieldTemplates(body: Extract<BodyTemplate, { kind: 'form' | 'multipart' }>): Template[] {
  const fields = body.kind === 'form' ? body.fields : body.parts;
  return fields.flatMap((f) => [
    f.value,
    ...(f.filename ? [f.filename] : []),
    ...(f.contentType ? [f.contentType] : []),
  ]);
}

/** What an input that is a whole form field or multipart part carries, for its schema. */
function fieldDescriptions(body: BodyTemplate | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (body?.kind !== 'form' && body?.kind !== 'multipart') return out;
  for (const f of body.kind === 'form' ? body.fields : body.parts) {
    const [only, ...rest] = f.value.parts;
    if (only?.kind !== 'input' || rest.length > 0 || out.has(only.name)) continue;
    const file = [f.filename, f.contentType].filter((t) => t !== undefined).map(templateText);
    out.set(
      only.name,
      body.kind === 'form'
        ? `The \`${f.name}\` form field.`
        : file.length > 0
          ? `The content of the \`${f.name}\` file part (${file.join(', ')}).`
          : `The \`${f.name}\` part.`,
    );
  }
  return out;
}
