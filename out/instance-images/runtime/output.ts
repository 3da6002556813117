// Copied from capgen 0.1.0 runtime/output.ts. Do not edit: regenerate instead.
// Output mapping (Naftiko outputParameters with JSONPath): the shape is data computed by the
// generator, so nothing is parsed per request.

/** A JSONPath as segments: a key, an index, or null for `[*]`. */
export type PathSegments = (string | number | null)[];

export type OutputShape =
  | { kind: 'value'; path: PathSegments }
  | { kind: 'const'; value: string }
  | { kind: 'object'; path?: PathSegments; properties: [name: string, shape: OutputShape][] }
  | { kind: 'array'; path: PathSegments; items?: OutputShape };

export function select(root: unknown, path: PathSegments): unknown {
  let current: unknown[] = [root];
  let spread = false;
  for (const seg of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (seg === null) {
        // `[*]` takes an array's items, or an object's values (as Jayway JsonPath in the engine).
        if (Array.isArray(value)) next.push(...value);
        else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
        spread = true;
      } else if (value !== null && typeof value === 'object') {
        const child = (value as Record<string | number, unknown>)[seg];
        if (child !== undefined) next.push(child);
      }
    }
    current = next;
  }
  return spread ? current : (current[0] ?? null);
}

export function mapOutput(shape: OutputShape, root: unknown): unknown {
  switch (shape.kind) {
    case 'const':
      return shape.value;
    case 'value':
      return select(root, shape.path);
    case 'object': {
      const base = shape.path ? select(root, shape.path) : root;
      const out: Record<string, unknown> = {};
      for (const [name, child] of shape.properties) out[name] = mapOutput(child, base);
      return out;
    }
    case 'array': {
      const list = select(root, shape.path);
      if (!Array.isArray(list)) return null;
      return shape.items ? list.map((item) => mapOutput(shape.items!, item)) : list;
    }
  }
}
