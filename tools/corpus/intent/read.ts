// The intent oracle, part 1: what an exposed REST operation or MCP tool means on the wire, read
// straight from the spec (the YAML loader's plain data), never from capgen's model or validator.
// It is written from docs/dialect.md and the reference engine's semantics
// (../shared/research/naftiko.md §3-§4); where capgen departs from the engine on purpose (the
// table at the end of docs/dialect.md) it follows capgen's documented rule.
//
// Given the values a caller sent (REST: the path variables, query, headers and JSON body of the
// request; MCP: the tool arguments), `predict` returns the upstream request(s) the spec asks for.
import { Buffer } from 'node:buffer';
import type { LoadedSpec, PathKey } from '../../../generator/load.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const items = (v: unknown): [Obj, number][] =>
  list(v).flatMap((x, i): [Obj, number][] => (isObj(x) ? [[x, i]] : []));

/** Names match with `-` and `_` alike and case ignored (dialect.md, "Binding"). */
/** Names match ignoring `-`, `_` and case (dialect.md): `{invoiceId}` feeds `invoice_id`. */
const same = (a: string, b: string) =>
  a.replace(/[-_]/g, '').toLowerCase() === b.replace(/[-_]/g, '').toLowerCase();

/** One exposed unit: a REST operation or an MCP tool, with where it sits in the spec. */
export interface Unit {
  kind: 'rest' | 'mcp';
  at: PathKey[];
  adapter: Obj;
  /** REST: the resource holding the operation. */
  resource?: Obj;
  /** The unit's fields, with those of the aggregate function its `ref` names (see `withRef`). */
  node: Obj;
  /** The namespace of that function's aggregate: `<it>.x` in the function's `with` reads input x. */
  aggregate?: string;
}

/**
 * A unit with `ref: <aggregate>.<function>` and no `call` or `steps` of its own runs the
 * function (dialect.md, "Aggregates and ref"): the unit's own fields win, and the function gives
 * `call`, `steps`, `outputParameters` and `inputParameters` the unit leaves out, and its `with`
 * entries under the unit's own.
 */
function withRef(node: Obj, capability: Obj): { node: Obj; aggregate?: string } {
  if (typeof node.ref !== 'string' || node.call !== undefined || node.steps !== undefined) return { node };
  for (const [aggregate] of items(capability.aggregates)) {
    for (const [fn] of items(aggregate.functions)) {
      if (`${String(aggregate.namespace)}.${String(fn.name)}` !== node.ref) continue;
      const merged: Obj = { ...node, call: fn.call, steps: fn.steps };
      if (merged.outputParameters === undefined) merged.outputParameters = fn.outputParameters;
      if (list(node.inputParameters).length === 0) merged.inputParameters = fn.inputParameters;
      merged.with = { ...(isObj(fn.with) ? fn.with : {}), ...(isObj(node.with) ? node.with : {}) };
      return { node: merged, aggregate: String(aggregate.namespace) };
    }
  }
  return { node };
}

/** Every REST operation and MCP tool of the spec, in spec order. */
function units(spec: LoadedSpec): Unit[] {
  const out: Unit[] = [];
  const capability = isObj(spec.data.capability) ? spec.data.capability : {};
  for (const [adapter, i] of items(capability.exposes)) {
    const type = String(adapter.type ?? '').toLowerCase();
    if (type === 'mcp')
      for (const [tool, t] of items(adapter.tools))
        out.push({
          kind: 'mcp',
          at: ['capability', 'exposes', i, 'tools', t],
          adapter,
          ...withRef(tool, capability),
        });
    if (type === 'rest')
      for (const [resource, r] of items(adapter.resources))
        for (const [op, o] of items(resource.operations))
          out.push({
            kind: 'rest',
            at: ['capability', 'exposes', i, 'resources', r, 'operations', o],
            adapter,
            resource,
            ...withRef(op, capability),
          });
  }
  return out;
}

/** The unit whose spec position is `line:col` (the model's origin of an operation or tool). */
export function unitAt(spec: LoadedSpec, line: number, col: number): Unit | undefined {
  return units(spec).find((u) => {
    const p = spec.locate(u.at);
    return p.line === line && p.col === col;
  });
}

// ---------------------------------------------------------------------------------------------
// What the caller sent.

export type Inbound =
  | {
      kind: 'rest';
      /** Exposed path placeholder (as spelled in the spec) → decoded value. */
      pathVars: Record<string, string>;
      query: [string, string][];
      headers: Record<string, string>;
      body: unknown;
    }
  | { kind: 'mcp'; args: Record<string, unknown> };

/** The value of exposed input `name`: a REST path variable, query, header or body property; an MCP argument. */
function inputValue(inbound: Inbound, name: string): unknown {
  if (inbound.kind === 'mcp') {
    if (name in inbound.args) return inbound.args[name];
    const k = Object.keys(inbound.args).find((a) => same(a, name));
    return k === undefined ? undefined : inbound.args[k];
  }
  const pv = Object.keys(inbound.pathVars).find((p) => same(p, name));
  if (pv !== undefined) return inbound.pathVars[pv];
  const q = inbound.query.filter(([k]) => same(k, name)).map(([, v]) => v);
  if (q.length === 1) return q[0];
  if (q.length > 1) return q;
  const h = Object.keys(inbound.headers).find((k) => same(k, name));
  if (h !== undefined) return inbound.headers[h];
  if (name === 'body' && inbound.body !== undefined) return inbound.body;
  if (isObj(inbound.body)) {
    const b = Object.keys(inbound.body).find((k) => same(k, name));
    if (b !== undefined) return inbound.body[b];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Bind variables (secrets).

export interface Binds {
  namespaces: Set<string>;
  /** Bind variable → the environment variable that holds it. */
  env: Map<string, string>;
}

export function readBinds(spec: LoadedSpec): Binds {
  const namespaces = new Set<string>();
  const env = new Map<string, string>();
  const capability = isObj(spec.data.capability) ? spec.data.capability : {};
  for (const source of [spec.data.binds, capability.binds]) {
    for (const [b] of items(source)) {
      if (typeof b.namespace === 'string') namespaces.add(b.namespace);
      const keys = isObj(b.keys) ? b.keys : {};
      // A file bind's values are read from environment variables named after the keys.
      for (const [k, v] of Object.entries(keys)) env.set(k, b.location !== undefined ? k : String(v));
    }
  }
  return { namespaces, env };
}

/** The environment variable a `{{ref}}` reads, when it is a bind reference. */
function bindRef(ref: string, binds: Binds): string | undefined {
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const head = ref.slice(0, dot);
    const tail = ref.slice(dot + 1);
    if (head === 'env' || binds.namespaces.has(head)) return binds.env.get(tail) ?? tail;
  }
  if (binds.env.has(ref)) return binds.env.get(ref);
  // An undeclared `{{X}}` (bind-variable form) is read from the environment (bind-undeclared); any
  // other undeclared name is sent as written (template-unresolved), inputs or not.
  if (/^[A-Z][A-Z0-9_]*$/.test(ref)) return ref;
  return undefined;
}

export interface Context {
  spec: LoadedSpec;
  binds: Binds;
  /** Environment variable → value, as the run set them. */
  env: (name: string) => string;
  /** Consumes namespace → the path prefix the run put before its paths (its base URL's path). */
  prefix: (namespace: string) => string;
}

// ---------------------------------------------------------------------------------------------
// Templates.

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** Text of a value inside a URL, header or string template: objects and arrays as JSON. */
const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Input prefixes an exposed unit may use: `rest.x`, `tools.x`, `<adapter namespace>.x`. */
function prefixes(unit: Unit): Set<string> {
  const s = new Set(['rest', 'tools']);
  if (typeof unit.adapter.namespace === 'string') s.add(unit.adapter.namespace);
  if (unit.aggregate !== undefined) s.add(unit.aggregate);
  return s;
}

/** A reference `x` / `tools.x` / `<ns>.x` to an input or parameter: its name, or undefined. */
function inputRef(ref: string, unit: Unit): string | undefined {
  const dot = ref.indexOf('.');
  if (dot > 0 && prefixes(unit).has(ref.slice(0, dot))) return ref.slice(dot + 1);
  if (dot < 0) return ref;
  return undefined;
}

interface Scope {
  ctx: Context;
  unit: Unit;
  /** A named value (an input, or a parameter in a body template); undefined when there is none. */
  lookup: (name: string) => unknown;
}

/** One `{{ref}}`: a secret's value, an input's value, or undefined when it names neither. */
function resolveRef(ref: string, scope: Scope): { found: boolean; value?: unknown } {
  const envName = bindRef(ref, scope.ctx.binds);
  const name = inputRef(ref, scope.unit);
  if (name !== undefined && !/^[A-Z][A-Z0-9_]*$/.test(name)) {
    const v = scope.lookup(name);
    if (v !== undefined || envName === undefined) return { found: true, value: v };
  }
  if (envName !== undefined) return { found: true, value: scope.ctx.env(envName) };
  return { found: false };
}

/** A string template over inputs and secrets; a reference to nothing stays as written. */
function render(template: string, scope: Scope): string {
  return template.replace(PLACEHOLDER, (whole, ref: string) => {
    const r = resolveRef(ref, scope);
    return r.found ? text(r.value) : whole;
  });
}

/** A secret-only template (base URIs, credentials). */
function renderSecret(template: string, ctx: Context): string {
  return template.replace(PLACEHOLDER, (whole, ref: string) => {
    const envName = bindRef(ref, ctx.binds);
    return envName === undefined ? whole : ctx.env(envName);
  });
}

/** JSON data with templated strings: a string that is exactly one `{{x}}` keeps x's JSON type. */
function renderJson(data: unknown, scope: Scope): unknown {
  if (typeof data === 'string') {
    const whole = /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(data);
    if (whole) {
      const r = resolveRef(whole[1]!, scope);
      if (r.found) return r.value === undefined ? null : r.value;
    }
    return render(data, scope);
  }
  if (Array.isArray(data)) return data.map((d) => renderJson(d, scope));
  if (isObj(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, renderJson(v, scope)]));
  return data;
}

/** Every `{{ref}}` name a template (string or JSON) reads as an input or parameter. */
function templateNames(data: unknown, unit: Unit, binds: Binds, out: Set<string>): void {
  if (typeof data === 'string') {
    for (const m of data.matchAll(PLACEHOLDER)) {
      const name = inputRef(m[1]!, unit);
      if (name !== undefined && !/^[A-Z][A-Z0-9_]*$/.test(name) && !binds.env.has(name)) out.add(name);
    }
  } else if (Array.isArray(data)) data.forEach((d) => templateNames(d, unit, binds, out));
  else if (isObj(data)) Object.values(data).forEach((d) => templateNames(d, unit, binds, out));
}

// ---------------------------------------------------------------------------------------------
// The consumed operation a unit calls.

interface Target {
  entry: Obj;
  entryAt: PathKey[];
  resource: Obj;
  resourceAt: PathKey[];
  op: Obj;
  opAt: PathKey[];
}

/** Every consumed operation `call: <namespace>.<name>` can mean (real specs repeat names). */
function targets(spec: LoadedSpec, call: string): Target[] {
  const capability = isObj(spec.data.capability) ? spec.data.capability : {};
  const out: Target[] = [];
  let best = -1;
  for (const [entry, i] of items(capability.consumes)) {
    const ns = str(entry.namespace);
    if (ns === undefined || !call.startsWith(`${ns}.`) || ns.length < best) continue;
    if (ns.length > best) {
      out.length = 0;
      best = ns.length;
    }
    const name = call.slice(ns.length + 1);
    for (const [resource, r] of items(entry.resources))
      for (const [op, o] of items(resource.operations))
        if (String(op.name) === name)
          out.push({
            entry,
            entryAt: ['capability', 'consumes', i],
            resource,
            resourceAt: ['capability', 'consumes', i, 'resources', r],
            op,
            opAt: ['capability', 'consumes', i, 'resources', r, 'operations', o],
          });
  }
  return out;
}

/**
 * The consumed path of an operation: the resource's, or the operation's own `path` (not alpha2,
 * but used by real specs; the engine honours it since issue #688). An operation path that starts
 * with the resource path's first segment is a whole path; any other is relative to the resource.
 */
function consumedPath(target: Target): string {
  const rpath = String(target.resource.path ?? '');
  const own = str(target.op.path);
  if (own === undefined || !own.startsWith('/')) return rpath;
  const first = (p: string) => p.split('/').filter(Boolean)[0] ?? '';
  if (first(rpath) !== '' && first(own) === first(rpath)) return own;
  return rpath.replace(/\/+$/, '') + own;
}

// ---------------------------------------------------------------------------------------------
// The request.

export interface Expected {
  method: string;
  /** Raw path (percent-encoded segments), prefix included. */
  path: string;
  pathAt: PathKey[];
  /** Query pairs, decoded; compared as a multiset. */
  query: { key: string; value: string; at: PathKey[] }[];
  /** Header name (lower case) → value, besides the ones the HTTP client sets itself. */
  headers: Map<string, { value: string; at: PathKey[] }>;
  cookies: { key: string; value: string; at: PathKey[] }[];
  body?: {
    json?: unknown;
    text?: string;
    /** Form fields or multipart parts in order, decoded; a file part is {filename, type, text}. */
    fields?: [string, unknown][];
    contentType?: string;
    at: PathKey[];
  };
  /** Parts of the request the oracle cannot predict (compared loosely or not at all). */
  unknown: Set<'query' | 'headers' | 'body' | 'path' | 'cookies'>;
  /** Why the oracle thinks this unit cannot be served at all (e.g. nothing to call). */
  problem?: string;
  target: Target;
  /** The exposed unit, and its `with` block. */
  unitAt: PathKey[];
  withMap: Obj;
}

const FRAMING = new Set([
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

interface Param {
  name: string;
  in: string;
  type: string;
  value?: unknown;
  at: PathKey[];
}

/** The unit's `call`. */
const callOf = (unit: Unit): string | undefined => str(unit.node.call);

export function predict(ctx: Context, unit: Unit, inbound: Inbound): Expected[] {
  const call = callOf(unit);
  if (call === undefined) return [];
  return targets(ctx.spec, call).map((t) => predictFor(ctx, unit, inbound, t));
}

function predictFor(ctx: Context, unit: Unit, inbound: Inbound, t: Target): Expected {
  const withAt: PathKey[] = [...unit.at, 'with'];
  const withMap = isObj(unit.node.with) ? unit.node.with : {};
  // REST inputs arrive as text; capgen's schemas coerce them to the type the unit declares
  // (dialect.md: "Schemas validate and coerce"), an array from a single value too.
  const declaredType = (name: string): string | undefined => {
    const p = items(unit.node.inputParameters).find(
      ([d]) => typeof d.name === 'string' && same(d.name, name),
    );
    return p === undefined ? undefined : String(p[0].type ?? 'string').toLowerCase();
  };
  const input = (name: string) => {
    const v = inputValue(inbound, name);
    if (inbound.kind !== 'rest' || typeof v !== 'string') return v;
    return coerceText(v, declaredType(name));
  };
  const inputScope: Scope = { ctx, unit, lookup: input };
  const ex: Expected = {
    method: String(t.op.method ?? 'GET').toUpperCase(),
    path: '',
    pathAt: [...t.resourceAt, 'path'],
    query: [],
    headers: new Map(),
    cookies: [],
    unknown: new Set(),
    target: t,
    unitAt: unit.at,
    withMap,
  };

  // `with` values: `rest.x` / `tools.x` / `<ns>.x` read input x, `{{…}}` is a string template,
  // an object or array is JSON whose strings are read the same way (dialect.md, "Binding"),
  // anything else a literal.
  const withValue = (raw: unknown): unknown => {
    if (Array.isArray(raw)) return raw.map(withValue);
    if (isObj(raw)) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, withValue(v)]));
    if (typeof raw !== 'string') return raw;
    if (/\{\{[^{}]+\}\}/.test(raw)) {
      const whole = /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(raw);
      if (whole) {
        const r = resolveRef(whole[1]!, inputScope);
        if (r.found) return r.value;
      }
      return render(raw, inputScope);
    }
    const dot = raw.indexOf('.');
    if (dot > 0 && prefixes(unit).has(raw.slice(0, dot)) && /^[^\s{}]+$/.test(raw))
      return input(raw.slice(dot + 1));
    return raw;
  };

  // The operation's parameters: resource-level, then operation-level (which win), then the
  // placeholders of its path.
  // A resource path is relative to the base URI's path (`api/users` is `/api/users` there): the
  // engine's own tests (naftiko-framework/test/formats/csv-capability.yaml:54) rely on it. A path
  // that is only a query (`?action=GetClients`, whmcs/hosting-automation.yaml:34) adds no segment:
  // the engine appends the resource path to the base URI as text.
  const written = consumedPath(t).replace(/#.*$/, '');
  if (str(t.op.path)?.startsWith('/')) ex.pathAt = [...t.opAt, 'path'];
  const q = written.indexOf('?');
  const writtenPath = q < 0 ? written : written.slice(0, q);
  const pathOnly = writtenPath !== '' && !writtenPath.startsWith('/') ? `/${writtenPath}` : writtenPath;
  const literalQuery = q < 0 ? '' : written.slice(q + 1);
  const placeholders = [...pathOnly.matchAll(/\{\{\s*([^{}]+?)\s*\}\}|\{([^{}]+)\}/g)].map((m) =>
    (m[1] ?? m[2])!.trim(),
  );
  const params = new Map<string, Param>();
  for (const [p, n] of items(t.resource.inputParameters))
    addParam(params, p, [...t.resourceAt, 'inputParameters', n], placeholders);
  for (const [p, n] of items(t.op.inputParameters))
    addParam(params, p, [...t.opAt, 'inputParameters', n], placeholders);

  // Names the body template reads.
  const readNames = new Set<string>();
  const body = t.op.body;
  if (typeof body === 'string') templateNames(body, unit, ctx.binds, readNames);
  else if (isObj(body)) templateNames(body.data, unit, ctx.binds, readNames);
  // So are the names a parameter's own `value` reads (`q: {value: '{{userId}}'}`): a `with` key
  // that feeds one is not sent as well.
  for (const p of params.values()) templateNames(p.value, unit, ctx.binds, readNames);

  // A parameter's value: its fixed `value`, else its `with` entry, else the input of the same name.
  const valueOf = (name: string, p?: Param): unknown => {
    if (p?.value !== undefined && p.value !== null) {
      const scope: Scope = { ctx, unit, lookup: (n) => (n in withMap ? withValue(withMap[n]) : input(n)) };
      // A structured value is JSON whose strings are templates; a whole `{{x}}` keeps x's value.
      if (Array.isArray(p.value) || isObj(p.value)) return renderJson(p.value, scope);
      if (typeof p.value !== 'string') return p.value;
      return render(p.value, scope);
    }
    if (name in withMap) return withValue(withMap[name]);
    return input(name);
  };

  // Path.
  let path = ctx.prefix(String(t.entry.namespace));
  let last = 0;
  for (const m of pathOnly.matchAll(/\{\{\s*([^{}]+?)\s*\}\}|\{([^{}]+)\}/g)) {
    path += pathOnly.slice(last, m.index);
    const name = (m[1] ?? m[2])!.trim();
    const v = valueOf(name, params.get(name));
    const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
    path += encodeURIComponent(text(one));
    last = m.index + m[0].length;
  }
  path += pathOnly.slice(last);
  ex.path = path;
  for (const kv of literalQuery.split('&').filter(Boolean)) {
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? '' : kv.slice(eq + 1);
    if (!params.has(key)) ex.query.push({ key: decode(key), value: decode(value), at: ex.pathAt });
  }

  // Parameters by location.
  const bodyParams: [Param, unknown][] = [];
  for (const p of params.values()) {
    if (placeholders.includes(p.name)) continue;
    const v = valueOf(p.name, p);
    if (v === undefined || v === null) continue;
    addAt(ex, p.in, p.name, v, p.at, bodyParams, p);
  }
  // `with` keys the operation does not declare: sent as query parameters (dialect.md,
  // with-unknown-param), unless a body template or a parameter's value reads them.
  for (const key of Object.keys(withMap)) {
    if (params.has(key) || placeholders.includes(key) || readNames.has(key)) continue;
    const v = withValue(withMap[key]);
    if (v === undefined || v === null) continue;
    addAt(ex, 'query', key, v, [...withAt, key], bodyParams);
  }
  // Consumes-level parameters: sent on every call.
  for (const [p, n] of items(t.entry.inputParameters)) {
    const at: PathKey[] = [...t.entryAt, 'inputParameters', n];
    const name = String(p.name ?? '');
    const where = String(p.in ?? 'header').toLowerCase();
    if (name === '') continue;
    // The HTTP client sets Content-Type (from the body) and its kin itself (dialect.md, param-location).
    if (where === 'header' && FRAMING.has(name.toLowerCase())) continue;
    const v =
      p.value !== undefined && p.value !== null
        ? typeof p.value === 'string'
          ? renderSecret(p.value, ctx)
          : p.value
        : input(name);
    if (v === undefined || v === null) continue;
    addAt(ex, where === 'query' ? 'query' : where === 'cookie' ? 'cookie' : 'header', name, v, at, []);
  }

  // Body.
  const bodyAt: PathKey[] = [...t.opAt, 'body'];
  const bodyScope: Scope = {
    ctx,
    unit,
    lookup: (n) => {
      const p = params.get(n);
      if (n in withMap)
        return inbound.kind === 'rest' ? coerceText(withValue(withMap[n]), p?.type) : withValue(withMap[n]);
      // A REST text value that feeds a typed parameter arrives as that type (capgen's schemas).
      if (p) return inbound.kind === 'rest' ? coerceText(valueOf(n, p), p.type) : valueOf(n, p);
      return input(n);
    },
  };
  if (typeof body === 'string') {
    const rendered = renderMustacheText(body, bodyScope);
    ex.body = { ...jsonOrText(rendered), contentType: 'application/json', at: bodyAt };
  } else if (isObj(body)) {
    const type = String(body.type ?? 'json').toLowerCase();
    const data = body.data;
    if (type === 'json' && data === undefined) {
      // No data: the caller's body is the request body (or the body parameters, if any).
      const whole = input('body');
      if (bodyParams.length > 0)
        ex.body = { json: bodyOf(bodyParams), contentType: 'application/json', at: bodyAt };
      else if (whole !== undefined) ex.body = { json: whole, contentType: 'application/json', at: bodyAt };
    } else if (type === 'json') {
      // `data` is one JSON value, also when written as a string that is not JSON text: the engine
      // serialises it as JSON and then renders it, so `'{{x}}'` keeps x's JSON type and any other
      // string is a JSON string.
      const parsed = typeof data === 'string' ? parseOr(data) : data;
      ex.body = { json: renderJson(parsed, bodyScope), contentType: 'application/json', at: bodyAt };
    } else {
      ex.body = { ...typedBody(body.type, data, bodyScope), at: [...bodyAt, 'type'] };
    }
  } else if (bodyParams.length > 0) {
    ex.body = { json: bodyOf(bodyParams), contentType: 'application/json', at: bodyParams[0]![0].at };
  }

  credentials(ctx, t, ex);
  return ex;
}

/**
 * A body of a type other than JSON, as docs/dialect.md (Request bodies) says it is sent: text
 * kinds rendered (XML values escaped), forms and multipart as the fields a decoder reads back.
 */
function typedBody(written: unknown, data: unknown, scope: Scope): Omit<NonNullable<Expected['body']>, 'at'> {
  const type = String(written);
  const kind = { form: 'formUrlEncoded', multipart: 'multipartForm' }[type.toLowerCase()] ?? type;
  const raw = typeof data === 'string' ? data : JSON.stringify(data ?? '');
  switch (kind) {
    case 'text':
      return { text: render(raw, scope), contentType: 'text/plain' };
    case 'sparql':
      return { text: render(raw, scope), contentType: 'application/sparql-query' };
    case 'xml':
      return { text: renderWith(raw, scope, xmlEscape), contentType: 'application/xml' };
    case 'formUrlEncoded':
      return {
        fields: isObj(data)
          ? Object.entries(data).flatMap(([name, v]) =>
              fieldValues(v, scope).map((x): [string, unknown] => [name, x]),
            )
          : typeof data === 'string'
            ? [...new URLSearchParams(renderWith(data, scope, encodeURIComponent))]
            : [],
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'multipartForm': {
      const parts = Array.isArray(data)
        ? data.filter((p): p is Obj => isObj(p) && typeof p.name === 'string' && p.name !== '')
        : isObj(data)
          ? Object.entries(data).map(([name, value]): Obj => ({ name, value }))
          : [];
      return {
        fields: parts.flatMap((p) =>
          fieldValues(p.value, scope).map((v): [string, unknown] =>
            p.filename === undefined && p.contentType === undefined
              ? [String(p.name), v]
              : [
                  String(p.name),
                  {
                    filename: p.filename === undefined ? String(p.name) : render(text(p.filename), scope),
                    type:
                      p.contentType === undefined
                        ? 'application/octet-stream'
                        : render(text(p.contentType), scope),
                    text: v,
                  },
                ],
          ),
        ),
        contentType: 'multipart/form-data',
      };
    }
    default:
      // Not alpha2: the data as JSON text, with the type as media type when it is one.
      return { text: render(raw, scope), contentType: type.includes('/') ? type : 'application/json' };
  }
}

/**
 * The values one form field or part is sent with: a value that is one placeholder is its input
 * (absent: no field; an array: one field per item); any other is its rendered text.
 */
function fieldValues(value: unknown, scope: Scope): string[] {
  const whole = typeof value === 'string' ? /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(value) : null;
  if (whole) {
    const r = resolveRef(whole[1]!, scope);
    if (r.found) {
      if (r.value === undefined || r.value === null) return [];
      return Array.isArray(r.value) ? r.value.map(text) : [text(r.value)];
    }
  }
  return [render(typeof value === 'string' ? value : JSON.stringify(value ?? ''), scope)];
}

/** Mustache with each value passed through `escape`. */
function renderWith(template: string, scope: Scope, escape: (s: string) => string): string {
  return template.replace(PLACEHOLDER, (whole, ref: string) => {
    const r = resolveRef(ref, scope);
    return r.found ? escape(text(r.value)) : whole;
  });
}

const xmlEscape = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** Mustache over a whole body text: arrays and objects are written as JSON. */
function renderMustacheText(template: string, scope: Scope): string {
  return render(template, scope);
}

function jsonOrText(s: string): { json?: unknown; text?: string } {
  try {
    return { json: JSON.parse(s) as unknown };
  } catch {
    return { text: s };
  }
}

function parseOr(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function addParam(params: Map<string, Param>, p: Obj, at: PathKey[], placeholders: string[]): void {
  const name = p.name;
  if (typeof name !== 'string' || name === '') return; // the engine has no value for it: skipped
  const declared = str(p.in)?.toLowerCase();
  let where = declared ?? (placeholders.includes(name) ? 'path' : 'query');
  if (where === 'path' && !placeholders.includes(name)) where = 'query';
  if (!['path', 'query', 'header', 'cookie', 'body'].includes(where)) where = 'query';
  if (where === 'header' && (!HEADER_NAME.test(name) || FRAMING.has(name.toLowerCase()))) {
    if (FRAMING.has(name.toLowerCase())) return;
    where = 'query';
  }
  params.set(name, { name, in: where, type: String(p.type ?? 'string').toLowerCase(), value: p.value, at });
}

function addAt(
  ex: Expected,
  where: string,
  name: string,
  v: unknown,
  at: PathKey[],
  bodyParams: [Param, unknown][],
  p?: Param,
): void {
  switch (where) {
    case 'header':
      ex.headers.set(name.toLowerCase(), {
        value: Array.isArray(v) ? v.map(text).join(', ') : text(v),
        at,
      });
      return;
    case 'cookie':
      ex.cookies.push({ key: name, value: text(v), at });
      return;
    case 'body':
      // capgen validates and coerces inputs: a REST query value that feeds a typed body
      // parameter arrives as that type.
      bodyParams.push([p ?? { name, in: 'body', type: 'string', at }, coerce(v, p?.type)]);
      return;
    default:
      for (const one of Array.isArray(v) ? v : [v]) ex.query.push({ key: name, value: text(one), at });
  }
}

/** A text value as the declared type makes it: numbers, booleans, and an array of one. */
function coerceText(v: unknown, type: string | undefined): unknown {
  if (typeof v !== 'string') return v;
  return type === 'array' ? [v] : coerce(v, type);
}

function coerce(v: unknown, type: string | undefined): unknown {
  if (typeof v !== 'string') return v;
  if ((type === 'integer' || type === 'number') && v.trim() !== '' && !Number.isNaN(Number(v)))
    return Number(v);
  if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

/** Body parameters: one object or array parameter is the whole body; otherwise an object of them. */
function bodyOf(bodyParams: [Param, unknown][]): unknown {
  if (bodyParams.length === 1) {
    const [p, v] = bodyParams[0]!;
    if (p.name === 'body' || p.type === 'object' || p.type === 'array') return v;
  }
  return Object.fromEntries(bodyParams.map(([p, v]) => [p.name, v]));
}

/** Consumed credentials and where they go. */
function credentials(ctx: Context, t: Target, ex: Expected): void {
  const key = t.entry.authentication !== undefined ? 'authentication' : 'auth';
  const auth = t.entry[key];
  if (!isObj(auth)) return;
  const at: PathKey[] = [...t.entryAt, key];
  const secret = (v: unknown) => renderSecret(String(v ?? ''), ctx);
  switch (String(auth.type ?? '').toLowerCase()) {
    case 'apikey': {
      if (isObj(auth.headers)) {
        for (const [h, v] of Object.entries(auth.headers))
          ex.headers.set(h.toLowerCase(), { value: secret(v), at: [...at, 'headers', h] });
        return;
      }
      const byHeader = typeof auth.header === 'string';
      const name = byHeader ? String(auth.header) : (str(auth.key) ?? str(auth.name));
      if (name === undefined) return;
      const value = secret(byHeader ? (auth.value ?? auth.key) : auth.value);
      const placement = byHeader ? 'header' : String(auth.placement ?? auth.in ?? 'header').toLowerCase();
      if (placement === 'query') ex.query.push({ key: name, value, at });
      else if (placement === 'cookie') ex.cookies.push({ key: name, value, at });
      else if (placement === 'body') {
        if (ex.body?.json !== undefined && isObj(ex.body.json))
          ex.body.json = { ...ex.body.json, [name]: value };
        else if (ex.body === undefined)
          ex.body = { json: { [name]: value }, contentType: 'application/json', at };
        else ex.unknown.add('body');
      } else if (placement === 'path') {
        // Filled into a `{name}` of the base URI or path; the run replaces the base URI.
        if (ex.path.includes(`${encodeURIComponent(`{${name}}`)}`)) ex.unknown.add('path');
      } else ex.headers.set(name.toLowerCase(), { value, at });
      return;
    }
    case 'bearer':
      ex.headers.set('authorization', { value: `Bearer ${secret(auth.token ?? auth.value)}`, at });
      return;
    case 'basic':
      ex.headers.set('authorization', {
        value: `Basic ${Buffer.from(`${secret(auth.username)}:${secret(auth.password)}`).toString('base64')}`,
        at,
      });
      return;
    default:
      return; // other types: sent without credentials (dialect.md, auth-type)
  }
}
/** The base URI of a consumes entry as the spec means it: `{{X}}`, `${X}`, `{x}`, `[x]` read bind variables. */
export function baseUri(ctx: Context, entry: Obj): string {
  let uri = String(entry.baseUri ?? '').trim();
  uri = renderSecret(uri, ctx);
  const bind = (name: string, whole: string) => {
    const envName = ctx.binds.env.get(name);
    if (envName !== undefined) return ctx.env(envName);
    const auth = isObj(entry.authentication) ? entry.authentication : undefined;
    if (auth && String(auth.placement).toLowerCase() === 'path' && auth.key === name)
      return renderSecret(String(auth.value ?? ''), ctx);
    return whole;
  };
  uri = uri.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (w, n: string) => bind(n, w));
  uri = uri.replace(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (w, n: string) => bind(n, w));
  uri = uri.replace(/\[([A-Za-z_][A-Za-z0-9_.-]*)\]/g, (w, n: string) => bind(n, w));
  return uri.replace(/\/+$/, '');
}
