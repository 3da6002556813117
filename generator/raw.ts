// Typed accessors over the parsed YAML. The spec is untrusted input, so every read checks its
// shape instead of casting.
import type { PathKey } from './load.js';
import { unitKey } from './validate/units.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const objAt = (v: unknown): Obj => (isObj(v) ? v : {});
export const listAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strAt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const objects = (v: unknown): [Obj, number][] =>
  listAt(v).flatMap((item, i): [Obj, number][] => (isObj(item) ? [[item, i]] : []));
/**
 * The entries of an `inputParameters` list, without those named `''`: the engine has no value
 * for such a parameter and sends nothing (the validator warns, `param-name`).
 */
export const namedParams = (v: unknown): [Obj, number][] => objects(v).filter(([p]) => p.name !== '');

/** Where a consumed operation sits in the spec. */
export interface OperationRef {
  namespace: string;
  name: string;
  resourceName?: string;
  resourcePath: string;
  description?: string;
  /** Names the operation declares: parameters and path placeholders. */
  params: Set<string>;
  path: PathKey[];
  unit: string;
  /** An `outputRawFormat` capgen does not convert to JSON: the answer can only be relayed. */
  rawFormat?: string;
}

/**
 * Whether exposed outputParameters pass the upstream answer through: none, or a first entry that
 * maps the root (`mapping: $.`) with no `properties` or `items` (docs/dialect.md, Outputs).
 */
export function isPassThrough(raw: unknown): boolean {
  const first = listAt(raw).find(isObj);
  if (!first) return true;
  const path = strAt(first.mapping) ?? strAt(first.value);
  const hasTree = first.properties !== undefined || first.items !== undefined;
  return !hasTree && (path === undefined || /^\$\.?$/.test(path));
}

/** Consumed namespace → operation name → every operation with that name, in spec order. */
export type CallIndex = Map<string, Map<string, OperationRef[]>>;

/**
 * Splits `call: <namespace>.<operation>` against the known namespaces. Namespaces may contain
 * dots (`openapi.yml` in real specs), so the longest matching namespace wins.
 */
export function resolveCall(
  index: CallIndex,
  call: string,
): { namespace?: string; candidates: OperationRef[] } {
  let best: string | undefined;
  for (const ns of index.keys()) {
    if (call.startsWith(`${ns}.`) && (best === undefined || ns.length > best.length)) best = ns;
  }
  if (best === undefined) return { candidates: [] };
  return { namespace: best, candidates: index.get(best)!.get(call.slice(best.length + 1)) ?? [] };
}

export interface CallHint {
  description?: string;
  resourceName?: string;
  /** The exposed REST path, when the caller is a REST operation. */
  path?: string;
  /** The caller's `with` keys: the operation meant should declare them. */
  withKeys?: string[];
}

/**
 * Real specs reuse operation names (`get`, `post`) across resources and call them by that name.
 * The reference engine takes the first; capgen narrows the candidates by each clue in turn (same
 * description, declares every `with` key, same resource name, a path that ends the same way),
 * ignoring a clue that would leave none. `first` means the clues could not single one out.
 */
export function pickOperation(
  candidates: OperationRef[],
  hint: CallHint,
): { ref: OperationRef; by: 'name' | 'clues' | 'first'; left: OperationRef[] } {
  if (candidates.length === 1) return { ref: candidates[0]!, by: 'name', left: candidates };
  const norm = (p: string) =>
    p
      .replace(/\{\{?[^}]*\}?\}/g, '{}')
      .toLowerCase()
      .replace(/\/+$/, '');
  const clues: ((c: OperationRef) => boolean)[] = [];
  if (hint.description) clues.push((c) => c.description === hint.description);
  if (hint.withKeys && hint.withKeys.length > 0)
    clues.push((c) => hint.withKeys!.every((k) => c.params.has(k)));
  if (hint.resourceName)
    clues.push((c) => c.resourceName?.toLowerCase() === hint.resourceName!.toLowerCase());
  if (hint.path) clues.push((c) => norm(hint.path!).endsWith(norm(c.resourcePath)));
  let left = candidates;
  for (const clue of clues) {
    const narrowed = left.filter(clue);
    if (narrowed.length > 0) left = narrowed;
    if (left.length === 1) return { ref: left[0]!, by: 'clues', left };
  }
  return { ref: left[0]!, by: 'first', left };
}

/** True when some outputParameter, at any depth, carries a static `value` (the engine's test). */
export function hasMockValue(raw: unknown): boolean {
  const visit = (node: unknown): boolean => {
    if (!isObj(node)) return false;
    const value = node.value;
    if (value !== undefined && value !== null && !(typeof value === 'string' && value.startsWith('$')))
      return true;
    const children = isObj(node.properties) ? Object.values(node.properties) : listAt(node.properties);
    return children.some(visit) || visit(node.items);
  };
  return listAt(raw).some(visit);
}

/** A function of `capability.aggregates[]`, which exposed units run with `ref: <namespace>.<name>`. */
export interface AggregateFunction {
  /** `crew-resolver.resolve-crew-for-ship`: what a `ref` says. */
  ref: string;
  /** The aggregate's namespace: `<namespace>.x` in the function's `with` values reads input x. */
  namespace: string;
  name: string;
  node: Obj;
  path: PathKey[];
  /** Its unit key, `aggregates/<a>/functions/<f>`: validation skips it and resolves its calls there. */
  unit: string;
}

/** Every aggregate function with a namespace and a name, in spec order (duplicates included). */
export function aggregateFunctions(capability: Obj): AggregateFunction[] {
  return objects(capability.aggregates).flatMap(([aggregate, a]) => {
    const namespace = strAt(aggregate.namespace);
    if (namespace === undefined) return [];
    return objects(aggregate.functions).flatMap(([node, f]) => {
      const name = strAt(node.name);
      if (name === undefined) return [];
      const path: PathKey[] = ['capability', 'aggregates', a, 'functions', f];
      return [{ ref: `${namespace}.${name}`, namespace, name, node, path, unit: unitKey(path) }];
    });
  });
}
