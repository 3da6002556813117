// Aggregates and `ref` (naftiko.md §3, §4.5, §4.6): a REST operation or MCP tool with
// `ref: <aggregate>.<function>` runs that aggregate function. The unit's own fields win; the ones
// it leaves out come from the function, and its MCP hints start from the function's `semantics`.
// The merged unit is then built like any other, so the IR has no notion of aggregates beyond the
// `ref` a unit records for its docs.
import type { PathKey } from '../load.js';
import { type AggregateFunction, aggregateFunctions, listAt, type Obj, objAt } from '../raw.js';
import type { TemplateScope } from './template.js';

/** A unit as it runs, and where each of its fields is written in the spec. */
export interface UnitSource {
  /** The unit's own fields, then the function's for those it leaves out. */
  node: Obj;
  /** The path of the object that gave `field`: the unit, or the function. */
  at(field: string): PathKey[];
  /** The function its `ref` names, if any. */
  fn?: AggregateFunction;
}

/** Functions by `ref`; of two with the same `ref` the first wins, as validation says. */
export function functionsByRef(capability: Obj): Map<string, AggregateFunction> {
  const functions = new Map<string, AggregateFunction>();
  for (const fn of aggregateFunctions(capability)) if (!functions.has(fn.ref)) functions.set(fn.ref, fn);
  return functions;
}

/**
 * Merges the function a unit's `ref` names into the unit, field by field, the unit winning:
 *  - `name`, `description` and `inputParameters` (when the unit declares none) are inherited;
 *  - the action (`call`, `steps`, `mappings`) is the function's unless the unit has a `call` or
 *    `steps` of its own; with the function's action come its `outputParameters` (unless the unit
 *    has some) and its `with`, under the unit's own `with` keys;
 *  - `hints` are derived from `semantics` (safe: read-only and not destructive; idempotent as
 *    said), and each hint the unit sets overrides its derived value.
 */
export function unitSource(
  node: Obj,
  at: PathKey[],
  functions: ReadonlyMap<string, AggregateFunction>,
): UnitSource {
  const fn = node.ref === undefined ? undefined : functions.get(String(node.ref));
  if (!fn) return { node, at: () => at };
  const merged: Obj = { ...node };
  const inherited = new Set<string>();
  const inherit = (field: string) => {
    if (fn.node[field] === undefined) return;
    merged[field] = fn.node[field];
    inherited.add(field);
  };
  if (node.name === undefined) inherit('name');
  if (node.description === undefined) inherit('description');
  if (listAt(node.inputParameters).length === 0) inherit('inputParameters');
  if (node.call === undefined && node.steps === undefined) {
    inherit('call');
    inherit('steps');
    inherit('mappings');
    if (node.outputParameters === undefined) inherit('outputParameters');
    if (fn.node.with !== undefined) merged.with = { ...objAt(fn.node.with), ...objAt(node.with) };
  }
  merged.hints = { ...derivedHints(objAt(fn.node.semantics)), ...booleans(objAt(node.hints)) };
  return { node: merged, at: (field) => (inherited.has(field) ? fn.path : at), fn };
}

/** The function's `with` values read inputs as `<aggregate-namespace>.x`, as the engine reads them. */
export function scopeOf(source: UnitSource, scope: TemplateScope): TemplateScope {
  if (!source.fn) return scope;
  return { ...scope, inputPrefixes: new Set([...scope.inputPrefixes, source.fn.namespace]) };
}

function derivedHints(semantics: Obj): Obj {
  const hints: Obj = {};
  if (semantics.safe === true) {
    hints.readOnly = true;
    hints.destructive = false;
  } else if (semantics.safe === false) hints.readOnly = false;
  if (typeof semantics.idempotent === 'boolean') hints.idempotent = semantics.idempotent;
  return hints;
}

const booleans = (hints: Obj): Obj =>
  Object.fromEntries(Object.entries(hints).filter(([, v]) => typeof v === 'boolean'));
