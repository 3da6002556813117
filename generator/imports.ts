// Stage 1b: consumes imports. A consumes entry `{import: ns, location: ./file.yaml, as?: name}`
// stands for the root `consumes[]` entry of `file.yaml` whose namespace is `ns` (renamed to `as`).
// The file is read relative to the importing spec's folder, as the reference engine does. The
// entry is replaced in the document by a copy of the imported one, and every position inside it
// points into the imported file, with the import line as `via`, so later stages report problems
// where they are. An import that cannot be resolved leaves the entry as written and records why;
// validation skips that consumes unit with a located warning.
import { dirname, isAbsolute, join } from 'node:path';
import { SpecError } from './diagnostics.js';
import { type LoadedSpec, loadSpec, type PathKey, type Site } from './load.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

interface Resolved {
  index: number;
  spec: LoadedSpec;
  /** Index of the entry in the imported file's root `consumes`. */
  at: number;
}

export async function resolveImports(spec: LoadedSpec): Promise<LoadedSpec> {
  const capability = spec.data.capability;
  if (!isObj(capability) || !Array.isArray(capability.consumes)) return spec;
  const entries = capability.consumes as unknown[];
  if (!entries.some((e) => isObj(e) && (e.import !== undefined || e.location !== undefined))) return spec;

  const failures = new Map<number, string>();
  const resolved: Resolved[] = [];
  const sources = new Map(spec.sources ?? [[spec.file, spec.text]]);
  const consumes = [...entries];
  for (const [index, entry] of entries.entries()) {
    if (!isObj(entry) || (entry.import === undefined && entry.location === undefined)) continue;
    const { import: name, location, as } = entry;
    if (typeof name !== 'string' || typeof location !== 'string') {
      failures.set(index, 'a consumes import needs both `import` (a namespace) and `location` (a file)');
      continue;
    }
    if (as !== undefined && typeof as !== 'string') {
      failures.set(index, '`as` must be a namespace name');
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(location)) {
      failures.set(index, `location ${JSON.stringify(location)} is a URL; only file paths are imported`);
      continue;
    }
    const file = isAbsolute(location) ? location : join(dirname(spec.file), location);
    let imported: LoadedSpec;
    try {
      imported = await loadSpec(file);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      const first = err.diagnostics[0]!;
      const why = first.code === 'file' ? first.message.replace(/^spec file /, '') : first.message;
      failures.set(
        index,
        first.code === 'file'
          ? `imported file ${file} ${why}`
          : `imported file ${file}:${first.line}:${first.col}: ${why}`,
      );
      continue;
    }
    const list = Array.isArray(imported.data.consumes) ? (imported.data.consumes as unknown[]) : [];
    const at = list.findIndex((e) => isObj(e) && e.namespace === name);
    if (at < 0) {
      const found = list.filter(isObj).map((e) => JSON.stringify(e.namespace));
      failures.set(
        index,
        `${file} has no root consumes entry with namespace ${JSON.stringify(name)}${found.length > 0 ? ` (it has ${found.join(', ')})` : ''}`,
      );
      continue;
    }
    const copy = structuredClone(list[at]) as Obj;
    if (typeof as === 'string') copy.namespace = as;
    consumes[index] = copy;
    resolved.push({ index, spec: imported, at });
    sources.set(imported.file, imported.text);
  }

  const data: Obj = { ...spec.data, capability: { ...capability, consumes } };
  const locate = (path: readonly PathKey[], at: 'key' | 'value' = 'key'): Site => {
    if (path[0] === 'capability' && path[1] === 'consumes' && typeof path[2] === 'number') {
      const r = resolved.find((x) => x.index === path[2]);
      if (r) {
        const importLine = spec.locate(['capability', 'consumes', r.index], 'key');
        const pos = r.spec.locate(['consumes', r.at, ...path.slice(3)], at);
        return { line: pos.line, col: pos.col, file: r.spec.file, via: { file: spec.file, ...importLine } };
      }
    }
    return spec.locate(path, at);
  };
  return { ...spec, data, locate, sources, importFailures: failures };
}
