// Typed accessors over the parsed YAML. The spec is untrusted input, so every read checks its
// shape instead of casting.
import type { PathKey } from './load.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const objAt = (v: unknown): Obj => (isObj(v) ? v : {});
export const listAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strAt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const objects = (v: unknown): [Obj, number][] =>
  listAt(v).flatMap((item, i): [Obj, number][] => (isObj(item) ? [[item, i]] : []));

/** Where a consumed operation sits in the spec. */
export interface OperationRef {
  namespace: string;
  name: string;
  resourceName?: string;
  resourcePath: string;
  description?: string;
  path: PathKey[];
  unit: string;
}

/** Consumed namespace → operation name → every operation with that name, in spec order. */
export type CallIndex = Map<string, Map<string, OperationRef[]>>;

/**
 * Splits `call: <namespace>.<operation>` against the known namespaces. Namespaces may contain
 * dots (`openapi.yml` in real specs), so the longest matching namespace wins.
 */
export function resolveCall(index: CallIndex, call: string): { namespace?: string; candidates: OperationRef[] } {
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
}

/**
 * Real specs reuse operation names (`get`, `post`) across resources and call them by that name.
 * The reference engine takes the first; capgen picks the one the caller evidently means: same
 * description, then same resource name, then a path that ends the same way. `first` means
 * nothing told them apart.
 */
export function pickOperation(candidates: OperationRef[], hint: CallHint): { ref: OperationRef; by: 'name' | 'description' | 'resource' | 'path' | 'first' } {
  if (candidates.length === 1) return { ref: candidates[0]!, by: 'name' };
  const unique = (list: OperationRef[]) => (list.length === 1 ? list[0] : undefined);
  const norm = (p: string) => p.replace(/\{\{?[^}]*\}?\}/g, '{}').toLowerCase().replace(/\/+$/, '');
  const byDescription = hint.description ? unique(candidates.filter((c) => c.description === hint.description)) : undefined;
  if (byDescription) return { ref: byDescription, by: 'description' };
  const byResource = hint.resourceName ? unique(candidates.filter((c) => c.resourceName !== undefined && c.resourceName.toLowerCase() === hint.resourceName!.toLowerCase())) : undefined;
  if (byResource) return { ref: byResource, by: 'resource' };
  const byPath = hint.path ? unique(candidates.filter((c) => norm(hint.path!).endsWith(norm(c.resourcePath)))) : undefined;
  if (byPath) return { ref: byPath, by: 'path' };
  return { ref: candidates[0]!, by: 'first' };
}
