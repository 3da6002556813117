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
  const [, section, i, child, j, grandchild, k] = path;
  if (section === 'consumes') {
    if (child === 'resources' && typeof j === 'number') {
      if (grandchild === 'operations' && typeof k === 'number')
        return { key: `consumes/${i}/resources/${j}/operations/${k}`, kind: 'consumed operation' };
      return { key: `consumes/${i}/resources/${j}`, kind: 'consumed resource' };
    }
    return { key: `consumes/${i}`, kind: 'consumes entry' };
  }
  if (section === 'exposes') {
    if (child === 'resources' && typeof j === 'number') {
      if (grandchild === 'operations' && typeof k === 'number')
        return { key: `exposes/${i}/resources/${j}/operations/${k}`, kind: 'REST operation' };
      return { key: `exposes/${i}/resources/${j}`, kind: 'REST resource' };
    }
    if (child === 'tools' && typeof j === 'number') return { key: `exposes/${i}/tools/${j}`, kind: 'tool' };
    return { key: `exposes/${i}`, kind: 'adapter' };
  }
  return undefined;
}

/** True when the unit at `key`, or any unit containing it, is skipped. */
export function isSkipped(skipped: ReadonlySet<string>, key: string): boolean {
  const parts = key.split('/');
  for (let n = 2; n <= parts.length; n += 2) {
    if (skipped.has(parts.slice(0, n).join('/'))) return true;
  }
  return false;
}
