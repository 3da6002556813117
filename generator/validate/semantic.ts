// Semantic checks that a schema cannot express. Each defect is confined to the smallest unit it
// affects, which is skipped with a located warning (a refusal under --strict).
import type { Reporter } from '../diagnostics.js';
import { readFormatSchema } from '../format-schema.js';
import type { LoadedSpec, PathKey } from '../load.js';
import {
  type AggregateFunction,
  aggregateFunctions,
  type CallHint,
  type CallIndex,
  hasMockValue,
  isObj,
  isPassThrough,
  type Obj,
  objAt,
  objects,
  type OperationRef,
  pickOperation,
  resolveCall,
  strAt,
} from '../raw.js';
import { type KeyedObject, knownKeys } from './keys.js';
import { checkSkillAdapter, type Sibling } from './skill.js';
import { closest, didYouMean } from './suggest.js';
import { isSkipped, unitKey } from './units.js';

/** The `outputRawFormat`s the generated client converts to JSON before mapping. */
const CONVERTED_FORMATS = new Set([
  'json',
  'xml',
  'yaml',
  'csv',
  'tsv',
  'psv',
  'html',
  'markdown',
  'text',
  'avro',
  'protobuf',
]);

/** Exposes types capgen does not generate yet; the report counts them apart. */
const UNSUPPORTED_EXPOSES: Record<string, string> = {};

/** Exposes types that are generated. */
const GENERATED_EXPOSES = ['rest', 'mcp', 'skill', 'control'];

/** Control-port endpoint groups capgen does not serve: a warning names each one the spec turns on. */
const UNSERVED_MANAGEMENT = ['reload', 'validate', 'logs', 'scripting'];

const AUTH_TYPES = new Set(['apikey', 'bearer', 'basic']);
const KNOWN_CAPABILITY_KEYS = new Set(['consumes', 'exposes', 'binds', 'aggregates']);
const INBOUND_AUTH_TYPES = AUTH_TYPES;
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Each exposed unit's resolved call target, by unit key. */
export type CallTargets = Map<string, OperationRef>;

interface Resolution {
  calls: CallTargets;
  /** How many callers with identical clues each ambiguous call has seen (see checkCallable). */
  order: Map<string, number>;
  /** Namespaces of consumes entries that were skipped → their unit, so calls to them say why. */
  dropped: Map<string, string>;
  /** Aggregate functions by `ref` (the first of duplicates), skipped ones included. */
  functions: Map<string, AggregateFunction>;
}

const quoteKey = (k: string) => `\`${k}\``;

/**
 * A key that is not part of this kind of object but is a likely misspelling of one that is (and
 * that the object lacks) is ignored with a warning: `authentification:` would otherwise send no
 * credentials without a word. Unknown keys that resemble nothing are real-world extensions and
 * are left alone. Returns the misspellings found, by the key they were probably meant to be.
 */
function checkKeys(
  node: Obj,
  kind: KeyedObject,
  what: string,
  at: PathKey[],
  report: Reporter,
): Map<string, string> {
  const known = knownKeys(kind);
  const absent = [...known].filter((k) => !(k in node));
  const found = new Map<string, string>();
  for (const key of Object.keys(node)) {
    if (known.has(key)) continue;
    const meant = closest(key, absent);
    if (meant === undefined || found.has(meant)) continue;
    found.set(meant, key);
    report.warn(
      'unknown-key',
      `unknown key \`${key}\` in this ${what} is ignored; did you mean \`${meant}\`?`,
      [...at, key],
      'key',
    );
  }
  return found;
}

export function checkSemantics(
  spec: LoadedSpec,
  report: Reporter,
  skipped: Set<string>,
): { index: CallIndex; calls: CallTargets } {
  const data = spec.data;
  const info = objAt(data.info);
  if (info.label === undefined && typeof info.title === 'string') {
    report.warn('info-title', '`info.title` is not part of alpha2; it is read as `info.label`', [
      'info',
      'title',
    ]);
  }
  const capability = objAt(data.capability);
  for (const key of Object.keys(capability)) {
    if (!KNOWN_CAPABILITY_KEYS.has(key))
      report.warn(
        'unsupported',
        `unsupported: capability.${key} (not part of alpha2; ignored)${didYouMean(
          key,
          [...KNOWN_CAPABILITY_KEYS].filter((k) => !(k in capability)),
          quoteKey,
        )}`,
        ['capability', key],
      );
  }
  checkParamNames(capability, report);
  const { index, dropped } = checkConsumes(capability, report, skipped, spec.importFailures, spec.file);
  const resolution: Resolution = { calls: new Map(), order: new Map(), dropped, functions: new Map() };
  checkAggregates(capability, report, skipped, index, resolution);
  checkExposes(capability, report, skipped, index, resolution);
  return { index, calls: resolution.calls };
}

/**
 * A parameter named `''` (axway/identity-and-access.yaml: 206 operations) has no value in the
 * engine, which sends nothing for it and still serves the operation: it is left out, with a warning.
 */
function checkParamNames(capability: Obj, report: Reporter): void {
  const visit = (list: unknown, at: PathKey[]) => {
    for (const [p, n] of objects(list))
      if (p.name === '')
        report.warn(
          'param-name',
          'this parameter has an empty name, so nothing is sent for it; it is left out',
          [...at, 'inputParameters', n, 'name'],
          'value',
        );
  };
  for (const [entry, i] of objects(capability.consumes)) {
    const at: PathKey[] = ['capability', 'consumes', i];
    visit(entry.inputParameters, at);
    for (const [resource, r] of objects(entry.resources)) {
      visit(resource.inputParameters, [...at, 'resources', r]);
      for (const [op, o] of objects(resource.operations))
        visit(op.inputParameters, [...at, 'resources', r, 'operations', o]);
    }
  }
  for (const [adapter, i] of objects(capability.exposes)) {
    const at: PathKey[] = ['capability', 'exposes', i];
    for (const [tool, t] of objects(adapter.tools)) visit(tool.inputParameters, [...at, 'tools', t]);
    for (const [resource, r] of objects(adapter.resources)) {
      visit(resource.inputParameters, [...at, 'resources', r]);
      for (const [op, o] of objects(resource.operations))
        visit(op.inputParameters, [...at, 'resources', r, 'operations', o]);
    }
  }
}

function skip(
  report: Reporter,
  skipped: Set<string>,
  unit: string,
  code: string,
  message: string,
  path: PathKey[],
  at?: 'key' | 'value',
  relation: { after?: string; unit?: string } = {},
): void {
  report.warn(code, message, path, at, { explains: unit, ...relation });
  skipped.add(unit);
}

function checkConsumes(
  capability: Obj,
  report: Reporter,
  skipped: Set<string>,
  failures: ReadonlyMap<number, string> | undefined,
  specFile: string,
): { index: CallIndex; dropped: Map<string, string> } {
  const index: CallIndex = new Map();
  const dropped = new Map<string, string>();
  for (const [entry, i] of objects(capability.consumes)) {
    const at: PathKey[] = ['capability', 'consumes', i];
    const unit = unitKey(at);
    const entryNamespace = strAt(entry.namespace);
    const drop = () => {
      if (entryNamespace !== undefined && !index.has(entryNamespace) && !dropped.has(entryNamespace))
        dropped.set(entryNamespace, unit);
    };
    if (isSkipped(skipped, unit)) {
      drop();
      continue;
    }
    const misspelt = checkKeys(entry, 'consumes', 'consumes entry', at, report);
    if (entry.import !== undefined || entry.location !== undefined) {
      // Resolved imports were replaced by the imported entry (imports.ts); this one failed.
      const why = failures?.get(i) ?? 'the import could not be resolved';
      const where = entry.location !== undefined ? 'location' : 'import';
      skip(
        report,
        skipped,
        unit,
        'import',
        `${why}; this consumes entry is skipped`,
        [...at, where],
        'value',
      );
      // Calls to the namespace it would have brought in follow from this warning.
      const name = strAt(entry.as) ?? strAt(entry.import);
      if (name !== undefined && !index.has(name) && !dropped.has(name)) dropped.set(name, unit);
      continue;
    }
    const namespace = strAt(entry.namespace);
    if (entry.type !== undefined && entry.type !== 'http') {
      skip(
        report,
        skipped,
        unit,
        'unsupported',
        `unsupported: consumes type ${JSON.stringify(entry.type)}; only http is generated`,
        [...at, 'type'],
        'value',
      );
      drop();
      continue;
    }
    if (namespace === undefined || strAt(entry.baseUri) === undefined) {
      const missing = namespace === undefined ? 'namespace' : 'baseUri';
      const typo = misspelt.get(missing);
      const hint = typo === undefined ? '' : ` (\`${typo}\` looks like a misspelling of it)`;
      skip(
        report,
        skipped,
        unit,
        'schema',
        `this consumes entry has no \`${missing}\`${hint}; it is skipped`,
        at,
      );
      drop();
      continue;
    }
    if (index.has(namespace)) {
      skip(
        report,
        skipped,
        unit,
        'duplicate-name',
        `duplicate consumes namespace "${namespace}"; calls resolve to the first one and this one is skipped`,
        [...at, 'namespace'],
        'value',
      );
      continue;
    }
    checkAuth(entry, report, at);
    const ops = new Map<string, OperationRef[]>();
    index.set(namespace, ops);
    dropped.delete(namespace);
    for (const [resource, r] of objects(entry.resources)) {
      checkKeys(resource, 'resource', 'consumed resource', [...at, 'resources', r], report);
      // The engine finds operations by name across the namespace and never reads a resource's
      // name, so a `name: null` resource (amazon-dynamodb/dynamodb-management.yaml) still serves.
      if (resource.name === null)
        report.warn(
          'resource-name',
          'this consumed resource has a null `name` (alpha2 wants a kebab-case name); operations are called by their own names, so it is generated',
          [...at, 'resources', r, 'name'],
          'value',
        );
      for (const [op, o] of objects(resource.operations)) {
        const opPath: PathKey[] = [...at, 'resources', r, 'operations', o];
        const opUnit = unitKey(opPath);
        checkKeys(op, 'operation', 'consumed operation', opPath, report);
        const name = String(op.name);
        const params = new Set<string>();
        for (const [p] of [...objects(resource.inputParameters), ...objects(op.inputParameters)])
          params.add(String(p.name));
        for (const m of String(resource.path).matchAll(/\{\{?\s*([^{}]+?)\s*\}?\}/g)) params.add(m[1]!);
        const ref: OperationRef = {
          namespace,
          name,
          resourceName: strAt(resource.name),
          resourcePath: String(resource.path),
          description: strAt(op.description),
          params,
          path: opPath,
          unit: opUnit,
        };
        // Skipped operations stay in the index so that calls to them say why they fail.
        ops.set(name, [...(ops.get(name) ?? []), ref]);
        if (isSkipped(skipped, opUnit)) continue;
        if (ops.get(name)!.length > 1) {
          report.warn(
            'duplicate-name',
            `operation name "${name}" is used more than once in namespace "${namespace}"; calls to it are matched by description, resource name or path`,
            [...opPath, 'name'],
            'value',
          );
        }
        // Another format (binary, …) is relayed as it comes: only the callers
        // that map the answer need it as JSON, and they are skipped (checkCallable).
        const format = (strAt(op.outputRawFormat) ?? 'json').toLowerCase();
        if (!CONVERTED_FORMATS.has(format)) ref.rawFormat = format;
        if (format === 'avro' || format === 'protobuf') {
          try {
            readFormatSchema(format, op.outputSchema, specFile);
          } catch (err) {
            skip(
              report,
              skipped,
              opUnit,
              'format-schema',
              `${(err as Error).message}; the operation is skipped`,
              [...opPath, op.outputSchema === undefined ? 'outputRawFormat' : 'outputSchema'],
              'value',
            );
            continue;
          }
        }
      }
    }
  }
  return { index, dropped };
}

function checkAuth(entry: Obj, report: Reporter, at: PathKey[]): void {
  let key = 'authentication';
  if (entry.authentication === undefined && entry.auth !== undefined) {
    key = 'auth';
    report.warn('auth-key', '`auth:` is not part of alpha2; it is read as `authentication:`', [
      ...at,
      'auth',
    ]);
  }
  const auth = entry[key];
  if (!isObj(auth)) return;
  const type = String(auth.type ?? '');
  if (!AUTH_TYPES.has(type.toLowerCase())) {
    report.warn(
      'auth-type',
      `authentication type ${JSON.stringify(auth.type ?? null)} is not generated; calls are sent without credentials${didYouMean(type, AUTH_TYPES)}`,
      [...at, key, 'type'],
      'value',
    );
  }
}

function checkExposes(
  capability: Obj,
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  calls: Resolution,
): void {
  const namespaces = new Map<string, number>();
  // Skill adapters list what their siblings serve, so they are checked after every sibling.
  const skills: [Obj, PathKey[], string][] = [];
  let controls = 0;
  for (const [adapter, i] of objects(capability.exposes)) {
    const at: PathKey[] = ['capability', 'exposes', i];
    const unit = unitKey(at);
    if (isSkipped(skipped, unit)) continue;
    checkKeys(adapter, 'exposes', 'adapter', at, report);
    const type = String(adapter.type);
    if (!GENERATED_EXPOSES.includes(type)) {
      const feature =
        UNSUPPORTED_EXPOSES[type] ??
        `exposes type ${JSON.stringify(adapter.type)}${didYouMean(type, [...GENERATED_EXPOSES, ...Object.keys(UNSUPPORTED_EXPOSES)])}`;
      skip(report, skipped, unit, 'unsupported', `unsupported: ${feature}`, [...at, 'type'], 'value');
      continue;
    }
    if (type === 'control') {
      checkControl(adapter, at, unit, report, skipped, controls++);
      continue;
    }
    const namespace = String(adapter.namespace);
    if (namespaces.has(namespace)) {
      skip(
        report,
        skipped,
        unit,
        'duplicate-name',
        `duplicate exposes namespace "${namespace}"; this adapter is skipped`,
        [...at, 'namespace'],
        'value',
      );
      continue;
    }
    namespaces.set(namespace, i);
    const auth = adapter.authentication ?? adapter.auth;
    if (isObj(auth) && !INBOUND_AUTH_TYPES.has(String(auth.type).toLowerCase())) {
      // Serving an adapter open when its spec asks for credentials would be a security hole.
      skip(
        report,
        skipped,
        unit,
        'unsupported',
        `unsupported: ${String(auth.type)} authentication on an exposed adapter; the adapter is skipped rather than served without it${didYouMean(String(auth.type), INBOUND_AUTH_TYPES)}`,
        [...at, adapter.authentication !== undefined ? 'authentication' : 'auth', 'type'],
        'value',
      );
      continue;
    }
    if (type === 'mcp') checkTools(adapter, at, report, skipped, index, calls);
    else if (type === 'rest') checkRestOperations(adapter, at, report, skipped, index, calls);
    else skills.push([adapter, at, unit]);
  }
  if (skills.length === 0) return;
  const siblings = new Map<string, Sibling>();
  for (const [adapter, i] of objects(capability.exposes)) {
    const at: PathKey[] = ['capability', 'exposes', i];
    if (isSkipped(skipped, unitKey(at)) || (adapter.type !== 'rest' && adapter.type !== 'mcp')) continue;
    const actions = new Map<string, string>();
    if (adapter.type === 'mcp')
      for (const [tool, t] of objects(adapter.tools)) {
        const name = toolName(tool, calls.functions);
        if (name !== undefined && !actions.has(name)) actions.set(name, unitKey([...at, 'tools', t]));
      }
    else
      for (const [resource, r] of objects(adapter.resources))
        for (const [op, o] of objects(resource.operations)) {
          const name = strAt(op.name);
          if (name !== undefined && !actions.has(name))
            actions.set(name, unitKey([...at, 'resources', r, 'operations', o]));
        }
    siblings.set(String(adapter.namespace), { type: adapter.type, actions });
  }
  for (const [adapter, at, unit] of skills) checkSkillAdapter(adapter, at, unit, report, skipped, siblings);
}

/** A tool's name: its own, or the name of the function its `ref` names (as the engine inherits it). */
function toolName(tool: Obj, functions: ReadonlyMap<string, AggregateFunction>): string | undefined {
  if (tool.name !== undefined) return String(tool.name);
  return tool.ref === undefined ? undefined : functions.get(String(tool.ref))?.name;
}

function checkTools(
  adapter: Obj,
  at: PathKey[],
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  calls: Resolution,
): void {
  checkMcpResources(adapter, at, report, skipped, index, calls);
  checkMcpPrompts(adapter, at, report, skipped);
  const names = new Set<string>();
  for (const [tool, t] of objects(adapter.tools)) {
    const toolPath: PathKey[] = [...at, 'tools', t];
    const toolUnit = unitKey(toolPath);
    if (isSkipped(skipped, toolUnit)) continue;
    checkKeys(tool, 'tool', 'tool', toolPath, report);
    const name = toolName(tool, calls.functions);
    if (name === undefined) {
      skip(
        report,
        skipped,
        toolUnit,
        'schema',
        `\`${toolPath.join('.')}\` is missing the required \`name\` (a tool without one needs a \`ref\` whose function gives it); this tool is skipped`,
        toolPath,
      );
      continue;
    }
    if (!TOOL_NAME.test(name)) {
      skip(
        report,
        skipped,
        toolUnit,
        'tool-name',
        `tool name "${name}" must be 1-128 characters of letters, digits, '_', '-' and '.'; this tool is skipped`,
        [...toolPath, 'name'],
        'value',
      );
      continue;
    }
    if (names.has(name)) {
      skip(
        report,
        skipped,
        toolUnit,
        'duplicate-name',
        `duplicate tool name "${name}"; the first tool keeps the name and this one is skipped`,
        [...toolPath, 'name'],
        'value',
      );
      continue;
    }
    names.add(name);
    checkCallable(tool, toolPath, toolUnit, 'tool', report, skipped, index, calls, {
      description: strAt(tool.description),
      withKeys: Object.keys(objAt(tool.with)),
    });
  }
}

/** The control adapter: one per capability, on a port of its own. */
function checkControl(
  adapter: Obj,
  at: PathKey[],
  unit: string,
  report: Reporter,
  skipped: Set<string>,
  earlier: number,
): void {
  if (earlier > 0) {
    skip(
      report,
      skipped,
      unit,
      'duplicate-name',
      'a capability has one control adapter; this second one is skipped',
      [...at, 'type'],
      'value',
    );
    return;
  }
  const port = adapter.port;
  if (port === undefined || !Number.isInteger(Number(port)) || Number(port) < 1 || Number(port) > 65535) {
    skip(
      report,
      skipped,
      unit,
      'schema',
      port === undefined
        ? 'a control adapter needs a `port` (1-65535); this adapter is skipped'
        : `port ${JSON.stringify(port)} is not a TCP port (1-65535); this adapter is skipped`,
      port === undefined ? at : [...at, 'port'],
      port === undefined ? undefined : 'value',
    );
    return;
  }
  const auth = adapter.authentication ?? adapter.auth;
  if (isObj(auth) && !INBOUND_AUTH_TYPES.has(String(auth.type).toLowerCase())) {
    skip(
      report,
      skipped,
      unit,
      'unsupported',
      `unsupported: ${String(auth.type)} authentication on an exposed adapter; the adapter is skipped rather than served without it`,
      [...at, adapter.authentication !== undefined ? 'authentication' : 'auth', 'type'],
      'value',
    );
    return;
  }
  const management = objAt(adapter.management);
  for (const key of UNSERVED_MANAGEMENT) {
    const value = management[key];
    if (value !== undefined && value !== false)
      report.warn(
        'unsupported',
        `unsupported: control management.${key} (the control adapter serves health, status, metrics and traces only)`,
        ['capability', ...at.slice(1), 'management', key],
        'key',
      );
  }
  if (isObj(objAt(adapter.observability).exporters))
    report.warn(
      'unsupported',
      'unsupported: observability exporters (metrics and traces are served on the control port only, not exported)',
      [...at, 'observability', 'exporters'],
      'key',
    );
}

const MCP_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** A static resource or prompt file must be a `file:///` URI. */
const isFileUri = (v: unknown) => typeof v === 'string' && v.startsWith('file:///');

function checkMcpResources(
  adapter: Obj,
  at: PathKey[],
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  calls: Resolution,
): void {
  const names = new Set<string>();
  for (const [resource, r] of objects(adapter.resources)) {
    const rAt: PathKey[] = [...at, 'resources', r];
    const rUnit = unitKey(rAt);
    if (isSkipped(skipped, rUnit)) continue;
    const name = strAt(resource.name);
    const uri = strAt(resource.uri);
    if (name === undefined || !MCP_NAME.test(name) || uri === undefined || uri === '') {
      skip(
        report,
        skipped,
        rUnit,
        'schema',
        name === undefined || !MCP_NAME.test(name)
          ? `an MCP resource needs a \`name\` of 1-128 letters, digits, '_', '-' and '.'; this resource is skipped`
          : 'an MCP resource needs a `uri`; this resource is skipped',
        name === undefined || !MCP_NAME.test(name) ? rAt : [...rAt, 'uri'],
      );
      continue;
    }
    if (names.has(name)) {
      skip(
        report,
        skipped,
        rUnit,
        'duplicate-name',
        `duplicate resource name "${name}"; the first one keeps the name and this one is skipped`,
        [...rAt, 'name'],
        'value',
      );
      continue;
    }
    const sources = ['call', 'steps', 'location'].filter((k) => resource[k] !== undefined);
    if (sources.length !== 1) {
      skip(
        report,
        skipped,
        rUnit,
        'schema',
        `an MCP resource needs exactly one of \`call\`, \`steps\` or \`location\`${sources.length > 1 ? ` (it has ${sources.map((k) => `\`${k}\``).join(' and ')})` : ''}; this resource is skipped`,
        rAt,
      );
      continue;
    }
    names.add(name);
    if (resource.location !== undefined) {
      if (!isFileUri(resource.location))
        skip(
          report,
          skipped,
          rUnit,
          'schema',
          `resource location ${JSON.stringify(resource.location)} must be a file:/// folder; this resource is skipped`,
          [...rAt, 'location'],
          'value',
        );
      continue;
    }
    checkCallable(resource, rAt, rUnit, 'resource', report, skipped, index, calls, {
      description: strAt(resource.description),
      withKeys: Object.keys(objAt(resource.with)),
    });
  }
}

function checkMcpPrompts(adapter: Obj, at: PathKey[], report: Reporter, skipped: Set<string>): void {
  const names = new Set<string>();
  for (const [prompt, p] of objects(adapter.prompts)) {
    const pAt: PathKey[] = [...at, 'prompts', p];
    const pUnit = unitKey(pAt);
    if (isSkipped(skipped, pUnit)) continue;
    const fail = (message: string, path: PathKey[], where?: 'key' | 'value') =>
      skip(report, skipped, pUnit, 'schema', `${message}; this prompt is skipped`, path, where);
    const name = strAt(prompt.name);
    if (name === undefined || !MCP_NAME.test(name)) {
      fail("an MCP prompt needs a `name` of 1-128 letters, digits, '_', '-' and '.'", pAt);
      continue;
    }
    if (names.has(name)) {
      skip(
        report,
        skipped,
        pUnit,
        'duplicate-name',
        `duplicate prompt name "${name}"; the first one keeps the name and this one is skipped`,
        [...pAt, 'name'],
        'value',
      );
      continue;
    }
    if ((prompt.template === undefined) === (prompt.location === undefined)) {
      fail('an MCP prompt needs exactly one of `template` (messages) or `location` (a file:/// file)', pAt);
      continue;
    }
    if (prompt.location !== undefined && !isFileUri(prompt.location)) {
      fail(
        `prompt location ${JSON.stringify(prompt.location)} must be a file:/// file`,
        [...pAt, 'location'],
        'value',
      );
      continue;
    }
    const bad = objects(prompt.template).find(
      ([m]) => (m.role !== 'user' && m.role !== 'assistant') || typeof m.content !== 'string',
    );
    if (prompt.template !== undefined && (!Array.isArray(prompt.template) || bad !== undefined)) {
      fail(
        'each prompt message needs a `role` (user or assistant) and a text `content`',
        bad === undefined ? [...pAt, 'template'] : [...pAt, 'template', bad[1]],
      );
      continue;
    }
    const argNames = objects(prompt.arguments).map(([a]) => strAt(a.name));
    if (argNames.some((a) => a === undefined) || new Set(argNames).size !== argNames.length) {
      fail('each prompt argument needs a `name`, and names must differ', [...pAt, 'arguments']);
      continue;
    }
    names.add(name);
  }
}

/**
 * A forward resource's path: a literal prefix ending in `/`, then one placeholder that takes the
 * rest of the path (`/notion/{{path}}` → `/notion/`, `path`); undefined for any other shape.
 */
export function forwardShape(path: string): { prefix: string; placeholder: string } | undefined {
  const m = /^(\/(?:[^{}?#]*\/)?)\{\{?\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}?\}$/.exec(path);
  return m ? { prefix: m[1]!, placeholder: m[2]! } : undefined;
}

/** Header names as RFC 9110 tokens. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `forward {targetNamespace, trustedHeaders}`: the target is a consumes namespace, the path ends
 * in the placeholder that carries the forwarded path, and trusted headers are header names. A
 * defect is reported at its key and leaves the forward out.
 */
function checkForward(
  resource: Obj,
  at: PathKey[],
  report: Reporter,
  index: CallIndex,
  unit: string,
): boolean {
  const explains = { explains: unit };
  const forward = resource.forward;
  if (!isObj(forward)) {
    report.warn(
      'forward',
      'forward must be an object {targetNamespace, trustedHeaders}; it is ignored',
      [...at, 'forward'],
      undefined,
      explains,
    );
    return false;
  }
  const target = strAt(forward.targetNamespace);
  if (target === undefined || !index.has(target)) {
    report.warn(
      'forward',
      `forward.targetNamespace ${JSON.stringify(forward.targetNamespace ?? null)} names no consumed API; the forward is left out${didYouMean(target ?? '', [...index.keys()])}`,
      [...at, 'forward', ...(target === undefined ? [] : ['targetNamespace'])],
      target === undefined ? 'key' : 'value',
      explains,
    );
    return false;
  }
  if (!forwardShape(String(resource.path))) {
    report.warn(
      'forward',
      `a forward resource's path must end in one placeholder that takes the rest of the path (\`/proxy/{path}\`), not ${JSON.stringify(resource.path)}; the forward is left out`,
      [...at, 'path'],
      'value',
      explains,
    );
    return false;
  }
  const trusted = forward.trustedHeaders;
  if (trusted !== undefined) {
    const list = Array.isArray(trusted) ? trusted : [];
    const bad = Array.isArray(trusted)
      ? list.findIndex((h) => typeof h !== 'string' || !HEADER_NAME.test(h))
      : 0;
    if (bad >= 0) {
      report.warn(
        'forward',
        'forward.trustedHeaders must be a list of header names; the forward is left out',
        [...at, 'forward', 'trustedHeaders', ...(Array.isArray(trusted) ? [bad] : [])],
        'value',
        explains,
      );
      return false;
    }
  }
  return true;
}

function checkRestOperations(
  adapter: Obj,
  at: PathKey[],
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  calls: Resolution,
): void {
  const routes = new Set<string>();
  for (const [resource, r] of objects(adapter.resources)) {
    const resourceUnit = unitKey([...at, 'resources', r]);
    if (isSkipped(skipped, resourceUnit)) continue;
    checkKeys(resource, 'restResource', 'REST resource', [...at, 'resources', r], report);
    // Paths that differ only in placeholder names are the same route.
    const shape = String(resource.path)
      .replace(/[?#].*$/, '')
      .replace(/\{\{?[^}]*\}?\}/g, '{}');
    if (resource.forward !== undefined) {
      // Without its forward, a resource that has operations still serves them.
      const forwardUnit = resource.operations === undefined ? resourceUnit : `${resourceUnit}/forward`;
      if (!checkForward(resource, [...at, 'resources', r], report, index, forwardUnit)) {
        skipped.add(forwardUnit);
        if (resource.operations === undefined) continue;
      }
    }
    for (const [op, o] of objects(resource.operations)) {
      const opUnit = `${resourceUnit}/operations/${o}`;
      const opPath: PathKey[] = [...at, 'resources', r, 'operations', o];
      if (isSkipped(skipped, opUnit)) continue;
      checkKeys(op, 'restOperation', 'REST operation', opPath, report);
      const route = `${String(op.method).toUpperCase()} ${shape}`;
      if (routes.has(route)) {
        skip(
          report,
          skipped,
          opUnit,
          'duplicate-name',
          `duplicate route ${String(op.method).toUpperCase()} ${String(resource.path)}; the first one is kept and this one is skipped`,
          [...opPath, 'method'],
          'value',
        );
        continue;
      }
      routes.add(route);
      checkCallable(op, opPath, opUnit, 'REST operation', report, skipped, index, calls, {
        description: strAt(op.description),
        withKeys: Object.keys(objAt(op.with)),
        resourceName: strAt(resource.name),
        path: strAt(resource.path),
      });
    }
  }
}

function checkCallable(
  node: Obj,
  at: PathKey[],
  unit: string,
  kind: string,
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  resolution: Resolution,
  hint: CallHint,
): void {
  if (node.ref !== undefined) {
    const fn = resolveRef(node, at, unit, kind, report, skipped, resolution);
    if (!fn) return;
    if (node.call === undefined && node.steps === undefined) {
      // The unit runs the function: its calls are the function's, under the unit's own keys.
      const inherited = [...resolution.calls].filter(
        ([key]) => key === fn.unit || key.startsWith(`${fn.unit}/steps/`),
      );
      for (const [key, ref] of inherited) resolution.calls.set(`${unit}${key.slice(fn.unit.length)}`, ref);
      return;
    }
    // A `call` or `steps` of the unit's own wins over the function's (model/aggregates.ts).
  }
  if (node.steps !== undefined) {
    checkSteps(node, at, unit, kind, report, skipped, index, resolution, hint);
    return;
  }
  const call = strAt(node.call);
  if (call !== undefined) {
    const ref = resolveUnitCall(call, [...at, 'call'], unit, kind, report, skipped, index, resolution, hint);
    if (ref?.rawFormat !== undefined && !isPassThrough(node.outputParameters)) {
      skip(
        report,
        skipped,
        unit,
        'unsupported',
        `unsupported: outputRawFormat ${ref.rawFormat} with a mapped output (capgen converts ${[...CONVERTED_FORMATS].join(', ')}; another format is only relayed as it comes)`,
        [...at, 'outputParameters'],
      );
      return;
    }
    if (ref) resolution.calls.set(unit, ref);
    return;
  }
  {
    // Mock mode: the unit answers with its outputParameters' values (model/mock.ts).
    if (node.call === undefined && hasMockValue(node.outputParameters)) return;
    skip(
      report,
      skipped,
      unit,
      'no-action',
      `this ${kind} has no \`call\`, \`steps\` or \`ref\`, and no outputParameters \`value\` to answer with as a mock; it is skipped`,
      at,
    );
    return;
  }
}

/**
 * The aggregate functions, each checked like an exposed unit of its own (`aggregates/<a>/functions/<f>`),
 * so that a unit with `ref` finds its calls already resolved. The first of two functions with the
 * same `ref` wins.
 */
function checkAggregates(
  capability: Obj,
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  resolution: Resolution,
): void {
  for (const [aggregate, a] of objects(capability.aggregates)) {
    const at: PathKey[] = ['capability', 'aggregates', a];
    if (strAt(aggregate.namespace) === undefined) {
      report.warn('schema', 'this aggregate has no `namespace`; no `ref` can name its functions', at);
      continue;
    }
    for (const [fn, f] of objects(aggregate.functions))
      if (strAt(fn.name) === undefined)
        report.warn('schema', 'this aggregate function has no `name`; no `ref` can name it', [
          ...at,
          'functions',
          f,
        ]);
  }
  for (const fn of aggregateFunctions(capability)) {
    if (resolution.functions.has(fn.ref)) {
      skip(
        report,
        skipped,
        fn.unit,
        'duplicate-name',
        `duplicate aggregate function "${fn.ref}"; \`ref\` runs the first one and this aggregate function is skipped`,
        [...fn.path, 'name'],
        'value',
      );
      continue;
    }
    resolution.functions.set(fn.ref, fn);
    checkCallable(fn.node, fn.path, fn.unit, 'aggregate function', report, skipped, index, resolution, {
      description: strAt(fn.node.description),
      withKeys: Object.keys(objAt(fn.node.with)),
    });
  }
}

/** The function a unit's `ref` names; an unknown or skipped one skips the unit. */
function resolveRef(
  node: Obj,
  at: PathKey[],
  unit: string,
  kind: string,
  report: Reporter,
  skipped: Set<string>,
  resolution: Resolution,
): AggregateFunction | undefined {
  const ref = String(node.ref);
  const fn = resolution.functions.get(ref);
  if (!fn) {
    skip(
      report,
      skipped,
      unit,
      'ref-unresolved',
      `ref "${ref}" names no aggregate function of this capability${didYouMean(ref, resolution.functions.keys())}; this ${kind} is skipped`,
      [...at, 'ref'],
      'value',
    );
    return undefined;
  }
  if (isSkipped(skipped, fn.unit)) {
    const line = report.explanation(fn.unit)?.line;
    skip(
      report,
      skipped,
      unit,
      'ref-unresolved',
      `ref "${ref}": that aggregate function was skipped${line === undefined ? '' : ` (line ${line})`}; this ${kind} is skipped`,
      [...at, 'ref'],
      'value',
      { after: fn.unit, unit: kind },
    );
    return undefined;
  }
  checkRefSemantics(node, at, kind, fn, report);
  return fn;
}

/**
 * Hints or a REST method that contradict the function's `semantics` are kept (they win) but
 * reported, as the alpha2 Spectral rule `aggregate-semantics-consistency` does.
 */
function checkRefSemantics(
  node: Obj,
  at: PathKey[],
  kind: string,
  fn: AggregateFunction,
  report: Reporter,
): void {
  const semantics = objAt(fn.node.semantics);
  const said = (key: string, value: boolean) => `\`semantics.${key}: ${value}\``;
  const warn = (message: string, path: PathKey[]) =>
    report.warn('ref-semantics', `${message} (function "${fn.ref}")`, path, 'value');
  if (kind === 'tool') {
    const hints = objAt(node.hints);
    const clash: [string, boolean, string, unknown][] = [
      ['safe', true, 'readOnly', false],
      ['safe', false, 'readOnly', true],
      ['safe', true, 'destructive', true],
      ['idempotent', true, 'idempotent', false],
      ['idempotent', false, 'idempotent', true],
    ];
    for (const [key, value, hint, bad] of clash)
      if (semantics[key] === value && hints[hint] === bad)
        warn(`hint \`${hint}: ${String(bad)}\` contradicts ${said(key, value)}`, [...at, 'hints', hint]);
    return;
  }
  const method = String(node.method ?? 'GET').toUpperCase();
  if (semantics.safe === true && method !== 'GET')
    warn(`${method} contradicts ${said('safe', true)}: a safe function is a GET`, [...at, 'method']);
  if (semantics.safe === false && method === 'GET')
    warn(`GET contradicts ${said('safe', false)}: GET is for safe functions`, [...at, 'method']);
  if (semantics.idempotent === true && method === 'POST')
    warn(`POST contradicts ${said('idempotent', true)}: POST is not idempotent`, [...at, 'method']);
}

const STEP_TYPES = new Set(['call', 'lookup']);

/**
 * An orchestration: every step is a `call` (resolved like a simple call, under the key
 * `<unit>/steps/<n>`) or a `lookup` of an earlier step; `script` and unknown types refuse the unit.
 */
function checkSteps(
  node: Obj,
  at: PathKey[],
  unit: string,
  kind: string,
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  resolution: Resolution,
  hint: CallHint,
): void {
  const steps = objects(node.steps);
  if (!Array.isArray(node.steps) || steps.length === 0) {
    skip(report, skipped, unit, 'schema', `\`steps\` must be a list of steps; this ${kind} is skipped`, [
      ...at,
      'steps',
    ]);
    return;
  }
  const names = new Set<string>();
  const refs: [string, OperationRef][] = [];
  for (const [step, n] of steps) {
    const stepAt: PathKey[] = [...at, 'steps', n];
    const type = String(step.type ?? 'call');
    const name = strAt(step.name);
    if (!STEP_TYPES.has(type)) {
      const why =
        type === 'script'
          ? 'unsupported: script steps (capgen generates no script runtime)'
          : `unsupported: step type ${JSON.stringify(step.type)}${didYouMean(type, STEP_TYPES)}`;
      skip(
        report,
        skipped,
        unit,
        'unsupported',
        `${why}; this ${kind} is skipped`,
        [...stepAt, 'type'],
        'value',
      );
      return;
    }
    if (name === undefined || names.has(name)) {
      const why = name === undefined ? 'has no `name`' : `reuses the name "${name}"`;
      skip(
        report,
        skipped,
        unit,
        'schema',
        `this step ${why}; later steps refer to steps by name, so this ${kind} is skipped`,
        name === undefined ? stepAt : [...stepAt, 'name'],
        name === undefined ? undefined : 'value',
      );
      return;
    }
    if (type === 'lookup') {
      const from = strAt(step.index);
      if (from === undefined || !names.has(from)) {
        skip(
          report,
          skipped,
          unit,
          'step-unresolved',
          `lookup "${name}": \`index\` ${from === undefined ? 'is missing' : `"${from}" names no earlier step`}; this ${kind} is skipped`,
          from === undefined ? stepAt : [...stepAt, 'index'],
          from === undefined ? undefined : 'value',
        );
        return;
      }
      if (strAt(step.match) === undefined) {
        skip(
          report,
          skipped,
          unit,
          'schema',
          `lookup "${name}" has no \`match\` field; this ${kind} is skipped`,
          stepAt,
        );
        return;
      }
    } else {
      const call = strAt(step.call);
      if (call === undefined) {
        skip(
          report,
          skipped,
          unit,
          'schema',
          `call step "${name}" has no \`call\`; this ${kind} is skipped`,
          stepAt,
        );
        return;
      }
      const key = unitKey(stepAt);
      const ref = resolveUnitCall(call, [...stepAt, 'call'], unit, kind, report, skipped, index, resolution, {
        ...hint,
        withKeys: Object.keys(objAt(step.with)),
      });
      if (!ref) return;
      refs.push([key, ref]);
    }
    names.add(name);
  }
  for (const [key, ref] of refs) resolution.calls.set(key, ref);
}

/** Resolves a `call` of a unit (or of one of its steps); on failure the unit is skipped. */
function resolveUnitCall(
  call: string,
  callAt: PathKey[],
  unit: string,
  kind: string,
  report: Reporter,
  skipped: Set<string>,
  index: CallIndex,
  resolution: Resolution,
  hint: CallHint,
): OperationRef | undefined {
  const target = resolveCall(index, call);
  if (!target.namespace) {
    const gone = [...resolution.dropped.keys()]
      .filter((ns) => call.startsWith(`${ns}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (gone !== undefined) {
      // The namespace exists but its consumes entry was skipped: that is the defect to report.
      const cause = resolution.dropped.get(gone)!;
      const line = report.explanation(cause)?.line;
      skip(
        report,
        skipped,
        unit,
        'call-unresolved',
        `call "${call}": the consumes entry of namespace "${gone}" was skipped${line === undefined ? '' : ` (line ${line})`}; this ${kind} is skipped`,
        callAt,
        'value',
        { after: cause, unit: kind },
      );
      return undefined;
    }
    skip(
      report,
      skipped,
      unit,
      'call-unresolved',
      `call "${call}" names no consumes namespace of this capability${suggestCall(index, call)}; this ${kind} is skipped`,
      callAt,
      'value',
    );
    return undefined;
  }
  const live = target.candidates.filter((c) => !isSkipped(skipped, c.unit));
  if (live.length === 0) {
    const operation = call.slice(target.namespace.length + 1);
    const cause = target.candidates.find((c) => report.explanation(c.unit) !== undefined)?.unit;
    const line = cause === undefined ? undefined : report.explanation(cause)?.line;
    const why =
      target.candidates.length === 0
        ? `has no operation with that name${suggestOperation(index, target.namespace, operation)}`
        : `has that operation, but it was skipped${line === undefined ? '' : ` (line ${line})`}`;
    skip(
      report,
      skipped,
      unit,
      'call-unresolved',
      `call "${call}": namespace "${target.namespace}" ${why}; this ${kind} is skipped`,
      callAt,
      'value',
      cause === undefined ? {} : { after: cause, unit: kind },
    );
    return undefined;
  }
  const picked = pickOperation(live, hint);
  let ref = picked.ref;
  if (picked.by === 'first') {
    // Generated specs list one caller per operation, in order: the Nth caller whose clues are
    // identical takes the Nth remaining operation.
    const order = `${unit.split('/').slice(0, 2).join('/')}|${call}|${picked.left.map((c) => c.unit).join(',')}`;
    const n = resolution.order.get(order) ?? 0;
    resolution.order.set(order, n + 1);
    ref = picked.left[n % picked.left.length]!;
    report.warn(
      'call-ambiguous',
      `call "${call}" matches ${picked.left.length} operations with the same description and parameters; by order it calls the one at line ${report.position(ref.path).line}`,
      callAt,
      'value',
    );
  }
  return ref;
}

/** `call` names no known namespace: the closest `namespace.operation`, or the closest namespace. */
function suggestCall(index: CallIndex, call: string): string {
  const targets = [...index].flatMap(([ns, ops]) => [...ops.keys()].map((op) => `${ns}.${op}`));
  const full = closest(call, targets);
  if (full !== undefined) return `; did you mean "${full}"?`;
  // The operation part names an operation of some namespace exactly: the namespace is wrong.
  for (const [ns, ops] of index) {
    for (const op of ops.keys()) if (call.endsWith(`.${op}`)) return `; did you mean "${ns}.${op}"?`;
  }
  const dot = call.lastIndexOf('.');
  const namespace = closest(dot > 0 ? call.slice(0, dot) : call, index.keys());
  return namespace === undefined ? '' : `; did you mean namespace "${namespace}"?`;
}

/** `namespace` has no operation `operation`: a close name there, or the same name elsewhere. */
function suggestOperation(index: CallIndex, namespace: string, operation: string): string {
  const here = closest(operation, index.get(namespace)?.keys() ?? []);
  if (here !== undefined) return `; did you mean "${namespace}.${here}"?`;
  for (const [ns, ops] of index) {
    if (ns !== namespace && ops.has(operation)) return `; did you mean "${ns}.${operation}"?`;
  }
  for (const [ns, ops] of index) {
    const near = ns === namespace ? undefined : closest(operation, ops.keys());
    if (near !== undefined) return `; did you mean "${ns}.${near}"?`;
  }
  return '';
}
