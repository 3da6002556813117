// The whole pipeline for one spec, in memory:
//   load → validate → model → emit → format → verify
// Writing is left to the caller (cli.ts), so `--check` and tests can use the same path.
import { type Diagnostic, Reporter } from './diagnostics.js';
import { emitAll } from './emit/index.js';
import { isRuntimeCopy } from './emit/runtime.js';
import { formatFiles } from './format.js';
import { resolveImports } from './imports.js';
import { type LoadedSpec, loadSpec, parseSpec } from './load.js';
import { buildModel, capabilityName } from './model/build.js';
import type { Capability } from './model/types.js';
import { DocumentSet } from './openapi/document.js';
import { objects } from './raw.js';
import { validate } from './validate/index.js';
import { verify } from './verify.js';

/** Reads the OpenAPI documents of the namespaces the spec consumes; nothing when none is given. */
function loadOpenApi(
  spec: LoadedSpec,
  openapi: ReadonlyMap<string, string> | undefined,
): Map<string, DocumentSet> | undefined {
  if (!openapi || openapi.size === 0) return undefined;
  const capability = spec.data.capability as Record<string, unknown> | undefined;
  const docs = new Map<string, DocumentSet>();
  for (const [entry] of objects(capability?.consumes)) {
    const file = openapi.get(String(entry.namespace));
    if (file !== undefined) docs.set(String(entry.namespace), DocumentSet.load(file));
  }
  return docs;
}

/** The consumes namespaces of a spec, for checking `--openapi NS=…` against them. */
export function consumedNamespaces(spec: LoadedSpec): string[] {
  const capability = spec.data.capability as Record<string, unknown> | undefined;
  return objects(capability?.consumes).map(([entry]) => String(entry.namespace));
}

export interface GenerateOptions {
  /** Refuse anything the official alpha2 schema refuses, and every tolerated defect. */
  strict?: boolean;
  /** Output folder name; defaults to the spec file's name. */
  name?: string;
  /** Skip the type-check (used by tests that only look at the model). */
  skipVerify?: boolean;
  /**
   * Consumes namespace → OpenAPI document that types its operations (`--openapi NS=FILE`).
   * Only the namespaces this spec consumes are read; the others are left to other specs.
   */
  openapi?: ReadonlyMap<string, string>;
  /** Stop after the model (`capgen validate`): every diagnostic, no files. */
  validateOnly?: boolean;
  /** Called with the warnings once they are all known, before the (slow) emit stages; may throw. */
  beforeEmit?: (diagnostics: Diagnostic[]) => void;
  /** Skip formatting and the type-check: the files are as emitted (the mutation test runs many specs). */
  skipFormat?: boolean;
}

export interface Generated {
  name: string;
  model: Capability;
  /** Emitted file name → formatted content, in a stable order. */
  files: Map<string, string>;
  /** Warnings (refusals are thrown as SpecError). */
  diagnostics: Diagnostic[];
  spec: LoadedSpec;
  /** Every file this spec was generated from (the spec itself first): what `--watch` watches. */
  inputs: string[];
}

export async function generateFile(file: string, options: GenerateOptions = {}): Promise<Generated> {
  return generateSpec(await loadSpec(file), options);
}

export async function generateText(
  file: string,
  text: string,
  options: GenerateOptions = {},
): Promise<Generated> {
  return generateSpec(parseSpec(file, text), options);
}

async function generateSpec(written: LoadedSpec, options: GenerateOptions): Promise<Generated> {
  const spec = await resolveImports(written);
  const report = new Reporter(spec.file, spec.locate, options.strict ?? false);
  const validation = validate(spec, report);
  const name = options.name ?? capabilityName(spec.file);
  const docs = loadOpenApi(spec, options.openapi);
  const model = buildModel(spec, validation, report, name, docs);
  // The spec and every file it imports: --watch rereads when any of them changes.
  const inputs = [
    ...new Set([
      spec.file,
      ...(spec.sources?.keys() ?? []),
      ...[...(docs?.values() ?? [])].flatMap((d) => d.all.map((f) => f.file)),
      // Avro and Protobuf schema files, embedded in client.ts.
      ...model.apis.flatMap((a) =>
        a.operations.flatMap((op) =>
          op.format?.kind === 'avro' || op.format?.kind === 'protobuf' ? [op.format.file] : [],
        ),
      ),
    ]),
  ];
  if (options.validateOnly)
    return { name, model, files: new Map(), diagnostics: report.sorted(), spec, inputs };
  options.beforeEmit?.(report.sorted());
  const emitted = emitAll(model);
  if (options.skipFormat)
    return { name, model, files: new Map(emitted), diagnostics: report.sorted(), spec, inputs };
  // Formatting (in a worker) and type-checking (here) run side by side: types do not depend on
  // layout. A type error names the line of the unformatted file, which is enough for a bug report.
  // The runtime copies are already formatted (runtime/ is formatted with the same prettier
  // configuration) and must stay verbatim, so only the files the spec shaped are formatted.
  const formatted = formatFiles(emitted.filter(([file]) => !isRuntimeCopy(file)));
  if (!options.skipVerify) {
    try {
      verify(name, new Map(emitted));
    } catch (err) {
      await formatted.catch(() => undefined);
      throw err;
    }
  }
  const byName = new Map(await formatted);
  const files = new Map(emitted.map(([file, text]) => [file, byName.get(file) ?? text]));
  return { name, model, files, diagnostics: report.sorted(), spec, inputs };
}
