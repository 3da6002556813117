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
  consumesIndex: number;
  resourceIndex: number;
  operationIndex: number;
  path: PathKey[];
  unit: string;
}

/** Consumed namespace → operation name → the first operation with that name. */
export type CallIndex = Map<string, Map<string, OperationRef>>;

/**
 * Splits `call: <namespace>.<operation>` against the known namespaces. Namespaces may contain
 * dots (`openapi.yml` in real specs), so the longest matching namespace wins.
 */
export function resolveCall(index: CallIndex, call: string): { namespace?: string; operation?: OperationRef } {
  let best: string | undefined;
  for (const ns of index.keys()) {
    if (call.startsWith(`${ns}.`) && (best === undefined || ns.length > best.length)) best = ns;
  }
  if (best === undefined) return {};
  return { namespace: best, operation: index.get(best)!.get(call.slice(best.length + 1)) };
}
