// A "unit" is the smallest piece of a spec that can be skipped on its own: a consumes entry, a
// consumed operation, an adapter, a REST resource or operation, or an MCP tool.
import type { PathKey } from '../load.js';

export interface Unit {
  key: string;
  kind:
    | 'consumes entry'
    | 'consumed resource'
    | 'consumed operation'
    | 'adapter'
    | 'REST resource'
    | 'REST operation'
    | 'tool';
}

export function unitOf(path: readonly PathKey[]): Unit | undefined {
  if (path[0] !== 'capability' || typeof path[2] !== 'number') return undefined;
  const [, section, , child, j, grandchild, k] = path;
  const unit = (depth: number, kind: Unit['kind']): Unit => ({ key: unitKey(path.slice(0, depth)), kind });
  if (section === 'consumes') {
    if (child === 'resources' && typeof j === 'number') {
      if (grandchild === 'operations' && typeof k === 'number') return unit(7, 'consumed operation');
      return unit(5, 'consumed resource');
    }
    return unit(3, 'consumes entry');
  }
  if (section === 'exposes') {
    if (child === 'resources' && typeof j === 'number') {
      if (grandchild === 'operations' && typeof k === 'number') return unit(7, 'REST operation');
      return unit(5, 'REST resource');
    }
    if (child === 'tools' && typeof j === 'number') return unit(5, 'tool');
    return unit(3, 'adapter');
  }
  return undefined;
}

/**
 * The key of the unit at `path`: the path below `capability`, e.g. `exposes/0/tools/2`. Keys are
 * spelt here only; validation and the model both name units by the path they already hold.
 */
export function unitKey(path: readonly PathKey[]): string {
  return path.slice(1).join('/');
}

/** True when the unit at `key`, or any unit containing it, is skipped. */
export function isSkipped(skipped: ReadonlySet<string>, key: string): boolean {
  const parts = key.split('/');
  for (let n = 2; n <= parts.length; n += 2) {
    if (skipped.has(parts.slice(0, n).join('/'))) return true;
  }
  return false;
}
