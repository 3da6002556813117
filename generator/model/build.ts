// Stage 3: build the one normalised IR (types.ts) from a validated spec.
import { basename, extname } from 'node:path';
import type { Reporter } from '../diagnostics.js';
import type { LoadedSpec, PathKey } from '../load.js';
import type { DocumentSet } from '../openapi/document.js';
import { listAt, namedParams, type Obj, objAt, objects, strAt } from '../raw.js';
import type { Validation } from '../validate/index.js';
import { isSkipped, unitKey } from '../validate/units.js';
import { callsOf } from './actions.js';
import { functionsByRef } from './aggregates.js';
import { undeclaredWithKeys } from './bind.js';
import {
  bodyFieldTemplates,
  bodyTemplateNames,
  buildApis,
  type ConsumesContext,
  operationPath,
  parsePath,
  valueTemplateNames,
} from './consumes.js';
import { buildMcpAdapter, buildRestAdapter, type ExposeContext } from './expose.js';
import { planSchemas } from './schemas.js';
import { buildControlAdapter, buildSkillAdapter } from './skill.js';
import { argTemplates, jsonTemplates, type TemplateScope, templateSecrets } from './template.js';
import type {
  Auth,
  BindFile,
  Capability,
  ConsumedApi,
  EnvVar,
  JsonSchema,
  McpAdapter,
  RestAdapter,
  SkillAdapter,
  Template,
} from './types.js';

/** `specs/instance-images.yaml` → `instance-images`. */
export function capabilityName(file: string): string {
  return basename(file, extname(file)).replace(/[^A-Za-z0-9._-]/g, '-');
}

export function buildModel(
  spec: LoadedSpec,
  validation: Validation,
  report: Reporter,
  name = capabilityName(spec.file),
  openapi?: ReadonlyMap<string, DocumentSet>,
): Capability {
  const data = spec.data;
  const capability = objAt(data.capability);
  const binds = readBinds(data, capability, report);
  const secretScope: TemplateScope = {
    bindNamespaces: new Set(binds.map((b) => b.namespace)),
    bindVariables: new Set(binds.flatMap((b) => Object.keys(b.keys))),
    inputPrefixes: new Set(),
    inputs: false,
  };
  const exposeNamespaces = objects(capability.exposes).map(([a]) => String(a.namespace));
  const bodyScope: TemplateScope = {
    ...secretScope,
    inputs: true,
    inputPrefixes: new Set(['tools', 'rest', ...exposeNamespaces]),
  };
  const extraParams = undeclaredWithKeys(
    capability,
    (unit) => {
      const ref = isSkipped(validation.skipped, unit) ? undefined : validation.calls.get(unit);
      if (!ref) return undefined;
      return {
        unit: ref.unit,
        label: `${ref.namespace}.${ref.name}`,
        params: declaredParams(capability, ref.path, bodyScope),
      };
    },
    report,
  );
  const byUnit: ConsumesContext['byUnit'] = new Map();
  const schemas = new Map<string, JsonSchema>();
  const apis = buildApis(capability, {
    report,
    skipped: validation.skipped,
    secretScope,
    bodyScope,
    extraParams,
    byUnit,
    openapi,
    schemas,
    specFile: spec.file,
  });
  const ctx: ExposeContext = {
    report,
    skipped: validation.skipped,
    apis,
    secretScope,
    functions: functionsByRef(capability),
    target: (unit) => {
      const ref = validation.calls.get(unit);
      return ref ? byUnit.get(ref.unit) : undefined;
    },
  };
  const rest: RestAdapter[] = [];
  const mcp: McpAdapter[] = [];
  const exposes = objects(capability.exposes).filter(
    ([, i]) => !isSkipped(validation.skipped, unitKey(['capability', 'exposes', i])),
  );
  const restCount = exposes.filter(([a]) => a.type === 'rest').length;
  for (const [adapter, i] of exposes) {
    if (adapter.type === 'rest') rest.push(buildRestAdapter(adapter, i, ctx, restCount));
    if (adapter.type === 'mcp') mcp.push(buildMcpAdapter(adapter, i, ctx));
  }
  const modes = Object.fromEntries(
    exposes
      .filter(([a]) => a.type === 'rest' || a.type === 'mcp')
      .map(([a]) => [String(a.namespace), String(a.type)]),
  );
  const control = exposes
    .filter(([a]) => a.type === 'control')
    .map(([adapter, i]) => buildControlAdapter(adapter, i, ctx))[0];
  const skill: SkillAdapter[] = exposes
    .filter(([a]) => a.type === 'skill')
    .map(([adapter, i]) => buildSkillAdapter(adapter, i, ctx, modes));
  const operations = apis.reduce((n, a) => n + a.operations.length, 0);
  const exposed =
    rest.reduce((n, a) => n + a.paths.length + a.forwards.length, 0) +
    mcp.reduce((n, a) => n + a.tools.length, 0);
  if (operations === 0 && exposed === 0 && skill.length === 0 && !control) {
    const cause = nothingCause(capability, validation.skipped, report);
    report.error('nothing-to-generate', `nothing to generate: ${cause.message}`, cause.path, 'key', {
      last: true,
    });
  } else if (operations > 0 && exposed === 0 && (rest.length > 0 || mcp.length > 0 || exposes.length === 0)) {
    report.warn(
      'nothing-exposed',
      'no REST operation or MCP tool is left to expose; only the client is generated',
      ['capability', 'exposes'],
      undefined,
      { last: true },
    );
  }
  report.throwIfFailed();

  const info = objAt(data.info);
  const secrets = collectSecrets(
    apis,
    [...rest, ...mcp, ...skill, ...(control ? [control] : [])],
    binds,
    rest,
    mcp,
  );
  for (const s of secrets) {
    if (!binds.some((b) => s.variable in b.keys)) {
      report.warn(
        'bind-undeclared',
        `{{${s.variable}}} is not declared in \`binds\`; it is read from the environment variable ${s.env}`,
        ['binds'],
      );
    }
  }
  const model: Capability = {
    name,
    title: strAt(info.label) ?? strAt(info.title) ?? name,
    description: strAt(info.description),
    specFile: spec.file,
    apis,
    rest: rest.filter((a) => a.paths.length > 0 || a.forwards.length > 0),
    mcp: mcp.filter((a) => a.tools.length > 0),
    skill,
    ...(control ? { control } : {}),
    env: [
      ...environment(apis, rest, mcp, skill, secrets),
      ...(control
        ? [
            {
              name: control.portEnv,
              purpose: `port of the control adapter (default ${control.port})`,
              secret: false,
            },
          ]
        : []),
    ],
    secrets,
    bindFiles: usedBindFiles(binds, secrets),
    schemas,
    openapiFiles: apis.flatMap((a) => {
      const docs = openapi?.get(a.namespace);
      return docs ? [docs.root.file] : [];
    }),
    schemaModule: { values: [], objects: [] },
  };
  model.schemaModule = planSchemas(model);
  return model;
}

/**
 * Why a capability has nothing to serve, in its own words: what it consumes and exposes, and the
 * first reason each was skipped (the warnings above say the rest), located at `consumes` or,
 * without one, at `capability`.
 */
function nothingCause(
  capability: Obj,
  skipped: ReadonlySet<string>,
  report: Reporter,
): { message: string; path: PathKey[] } {
  // The first reason a unit of `section` was skipped, other than a call to a skipped operation.
  const firstSkip = (section: 'consumes' | 'exposes') =>
    [...skipped]
      .filter((k) => k.startsWith(`${section}/`))
      .flatMap((k) => report.explanation(k) ?? [])
      .filter((d) => d.code !== 'call-unresolved')
      .sort((a, b) => a.line - b.line || a.col - b.col)[0];
  const why = (d: { line: number; message: string } | undefined) =>
    d ? ` (the first at line ${d.line}: ${d.message})` : '';
  const consumes = objects(capability.consumes).length;
  const exposes = objects(capability.exposes).length;
  const consumed =
    consumes === 0
      ? 'it consumes no API'
      : `every consumed operation was skipped${why(firstSkip('consumes'))}`;
  // With consumes skipped, every call fails with them: the first reason is theirs.
  const served =
    exposes === 0
      ? 'and it exposes nothing'
      : consumes > 0
        ? 'so no REST operation or MCP tool is left to serve'
        : `and no adapter capgen serves (rest, mcp, skill, control) is left${why(firstSkip('exposes'))}`;
  return {
    message: `${consumed}, ${served}`,
    path: consumes > 0 ? ['capability', 'consumes'] : ['capability'],
  };
}

interface Bind {
  namespace: string;
  keys: Record<string, string>;
  /** A file bind: the file the server reads at start-up (see BindFile). */
  file?: BindFile;
}

/**
 * `file:///./shared/secrets.yaml` → `./shared/secrets.yaml` (relative to the server's working
 * directory, as the engine resolves it); `file:///etc/x.yaml` → `/etc/x.yaml`. Other schemes:
 * undefined.
 */
function bindFilePath(location: string): string | undefined {
  const m = /^file:\/\/(\/.*)$/.exec(location);
  if (!m) return undefined;
  const path = decodeURIComponent(m[1]!);
  return /^\/\.\.?\//.test(path) ? path.slice(1) : path;
}

function readBinds(data: Obj, capability: Obj, report: Reporter): Bind[] {
  const binds: Bind[] = [];
  for (const [source, prefix] of [
    [data.binds, ['binds']],
    [capability.binds, ['capability', 'binds']],
  ] as [unknown, PathKey[]][]) {
    for (const [bind, i] of objects(source)) {
      const keys: Record<string, string> = {};
      for (const [k, v] of Object.entries(objAt(bind.keys))) keys[k] = String(v);
      const namespace = String(bind.namespace);
      if (bind.location !== undefined) {
        const path = bindFilePath(String(bind.location));
        const fileKeys = Object.entries(keys).map(([variable, key]) => ({ variable, key }));
        // A file bind's provider keys name entries in the file; each variable is also read from
        // the environment variable of the same name, which overrides the file.
        for (const k of Object.keys(keys)) keys[k] = k;
        if (path !== undefined) {
          binds.push({ namespace, keys, file: { namespace, path, keys: fileKeys } });
          continue;
        }
        report.warn(
          'bind-location',
          `bind location ${JSON.stringify(bind.location)} is not read (only file:/// is); the keys of "${namespace}" are read from the environment instead`,
          [...prefix, i, 'location'],
          'value',
        );
      }
      binds.push({ namespace, keys });
    }
  }
  return binds;
}

/** Names a consumed operation declares: parameters and path placeholders. */
function declaredParams(capability: Obj, opPath: PathKey[], bodyScope: TemplateScope): Set<string> {
  const [, , i, , r, , o] = opPath as [string, string, number, string, number, string, number];
  const entry = objects(capability.consumes).find(([, n]) => n === i)?.[0] ?? {};
  const resource = objAt(listAt(entry.resources)[r]);
  const op = objAt(listAt(resource.operations)[o]);
  const names = new Set<string>();
  for (const [p] of [...namedParams(resource.inputParameters), ...namedParams(op.inputParameters)])
    names.add(String(p.name));
  for (const part of parsePath(operationPath(resource, op).path))
    if (part.kind === 'param') names.add(part.name);
  for (const name of bodyTemplateNames(op.body, bodyScope)) names.add(name);
  // A `with` key that a parameter's `value` template reads feeds that template, not the query.
  const params = [...namedParams(resource.inputParameters), ...namedParams(op.inputParameters)].map(
    ([p]) => p,
  );
  for (const name of valueTemplateNames(params, bodyScope)) names.add(name);
  return names;
}

/** The file binds that supply a variable the server reads, with only those variables. */
function usedBindFiles(binds: Bind[], secrets: { variable: string }[]): BindFile[] {
  const used = new Set(secrets.map((s) => s.variable));
  const files: BindFile[] = [];
  for (const b of binds) {
    if (!b.file) continue;
    const keys = b.file.keys.filter((k) => used.has(k.variable));
    if (keys.length > 0) files.push({ ...b.file, keys });
  }
  return files;
}

/** The templates of one consumed API that read bind values: base URI, credentials, parameters, bodies. */
function apiTemplates(api: ConsumedApi): Template[] {
  const templates: Template[] = [api.baseUri];
  if (api.auth?.kind === 'apikey') templates.push(api.auth.value);
  if (api.auth?.kind === 'bearer') templates.push(api.auth.token);
  if (api.auth?.kind === 'basic') templates.push(api.auth.username, api.auth.password);
  for (const p of api.fixedParams) if (p.value) templates.push(p.value);
  for (const op of api.operations) {
    for (const p of op.params) if (p.value) templates.push(p.value);
    // Body templates read bind values too (an apikey placed in the body, `{{TOKEN}}` in data).
    if (op.body?.kind === 'text') templates.push(op.body.text);
    if (op.body?.kind === 'form' || op.body?.kind === 'multipart')
      templates.push(...bodyFieldTemplates(op.body));
    if (op.body?.kind === 'json') templates.push(...jsonTemplates(op.body.data));
  }
  return templates;
}

/**
 * Every bind variable the server reads, with its environment variable, in first-use order; and
 * each API's own share of them (`ConsumedApi.secrets`): what its templates read, plus what the
 * `with` templates of its callers read through its client.
 */
function collectSecrets(
  apis: ConsumedApi[],
  adapters: { auth?: Auth }[],
  binds: Bind[],
  rest: RestAdapter[],
  mcp: McpAdapter[],
): { variable: string; env: string }[] {
  const templates: Template[] = [];
  const byApi = new Map<ConsumedApi, Template[]>(apis.map((api) => [api, apiTemplates(api)]));
  for (const api of apis) templates.push(...byApi.get(api)!);
  for (const adapter of adapters) {
    const auth = adapter.auth;
    if (auth?.kind === 'apikey') templates.push(auth.value);
    if (auth?.kind === 'bearer') templates.push(auth.token);
    if (auth?.kind === 'basic') templates.push(auth.username, auth.password);
  }
  const calls = [
    ...rest.flatMap((a) => a.paths.flatMap((p) => p.operations.flatMap(callsOf))),
    ...mcp.flatMap((a) => a.tools.flatMap(callsOf)),
    ...mcp.flatMap((a) => a.resources.flatMap((r) => (r.kind === 'dynamic' ? [r.call] : []))),
  ];
  for (const call of calls)
    for (const arg of call.args)
      for (const template of argTemplates(arg.value)) {
        templates.push(template);
        byApi.get(call.api)?.push(template);
      }
  const seen = new Map<string, string>();
  for (const t of templates) {
    for (const variable of templateSecrets(t)) {
      if (seen.has(variable)) continue;
      const bind = binds.find((b) => variable in b.keys);
      seen.set(variable, bind ? bind.keys[variable]! : variable);
    }
  }
  const secrets = [...seen.entries()].map(([variable, env]) => ({ variable, env }));
  for (const [api, own] of byApi) {
    const names = new Set(own.flatMap(templateSecrets));
    api.secrets = secrets.filter((s) => names.has(s.variable));
  }
  return secrets;
}

function environment(
  apis: ConsumedApi[],
  rest: RestAdapter[],
  mcp: McpAdapter[],
  skill: SkillAdapter[],
  secrets: { variable: string; env: string }[],
): EnvVar[] {
  const env: EnvVar[] = [];
  for (const s of secrets)
    env.push({ name: s.env, purpose: `credential the spec reads as \`{{${s.variable}}}\``, secret: true });
  for (const api of apis) {
    env.push({
      name: api.baseUrlEnv,
      purpose: `overrides the base URL of "${api.namespace}"`,
      secret: false,
    });
    env.push({
      name: api.timeoutEnv,
      purpose: `time limit of one whole call to "${api.namespace}" (connect, headers and body), in ms (default 30000)`,
      secret: false,
    });
    env.push({
      name: api.maxResponseEnv,
      purpose: `largest answer read from "${api.namespace}", in bytes (default 10485760); a longer one is a 502 / tool error`,
      secret: false,
    });
    env.push({
      name: api.retryAfterEnv,
      purpose: `a GET to "${api.namespace}" answered 429/503 is retried once when Retry-After is at most this, in ms (default 2000; 0 never)`,
      secret: false,
    });
  }
  for (const a of rest)
    env.push({
      name: a.portEnv,
      purpose: `port of the REST adapter "${a.namespace}" (default ${a.port})`,
      secret: false,
    });
  for (const a of mcp) {
    if (a.transport === 'http')
      env.push({
        name: a.portEnv,
        purpose: `port of the MCP adapter "${a.namespace}" (default ${a.port})`,
        secret: false,
      });
  }
  for (const a of skill)
    env.push({
      name: a.portEnv,
      purpose: `port of the skill catalog "${a.namespace}" (default ${a.port})`,
      secret: false,
    });
  return env;
}
