// Stage 6: type-check the emitted TypeScript before anything is written. A type error here is
// a generator bug, reported with the emitted file and line.
//
// Two programs, both ts-morph's:
//  - the surface check (every run): the files the spec shaped, against the runtime's own
//    declarations (runtime/*.ts has explicit types on every export, so each module's
//    declarations come from `transpileDeclaration` without a checker) and the small hand-kept
//    declarations in generator/surface/ of the few library and Node names they use. It loads
//    about 90 files of lib.*.d.ts and these, instead of 410 files (2.25 MB of @types/node, the
//    MCP SDK, zod and Fastify), which made the type-check two thirds of a cold run.
//  - the full check: the same files with the runtime sources and the real declarations of
//    every package. It runs when the surface check finds anything at all, so a problem is
//    reported in the real compiler's words, and a name the surface lacks (a new runtime import,
//    a Node API it does not declare) costs time, never a false report. test/verify.test.ts
//    checks that the seed and every golden case pass the surface check without falling back.
// The surface is written to be stricter than the real declarations, never looser: no `any`,
// opaque library types, and for functions a subset of their overloads (test/surface.test.ts
// checks each one against the real declaration).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Project, type SourceFile, ts } from 'ts-morph';
import { isRuntimeCopy } from './emit/runtime.js';

/** Where the emitted files pretend to live, so imports resolve against capgen's node_modules. */
const VIRTUAL_ROOT = fileURLToPath(new URL('../.verify/', import.meta.url));
const SURFACE_DIR = new URL('./surface/', import.meta.url);

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  lib: ['lib.es2023.d.ts'],
};

/** The surface check: no package is looked up; every module is a file given or a surface one. */
const SURFACE_OPTIONS: ts.CompilerOptions = { ...COMPILER_OPTIONS, types: [], noResolve: true };

/** The same options as written into the generated tsconfig.json. */
export const COMPILER_OPTIONS_JSON = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  lib: ['ES2023'],
};

export class GeneratorBug extends Error {
  override name = 'GeneratorBug';
}

/**
 * The runtime copies (runtime/*.ts) are the same for every spec: they are capgen's own source,
 * type-checked with the project (tsc) and, as emitted, by test/verify.test.ts. So a run checks
 * only the files the spec shaped, against them.
 */
export const isStaticFile = isRuntimeCopy;

export type VerifyMode = 'surface' | 'full';

export interface VerifyOptions {
  /** Check the runtime copies too (always the full check). */
  all?: boolean;
  /** Called with the check that decided: 'surface', or 'full' after a fallback (tests). */
  onChecked?: (mode: VerifyMode) => void;
}

// One project per kind for the whole process: declarations are parsed once and reused by every
// spec checked after the first.
let fullProject: Project | undefined;
let surfaceProject: Project | undefined;

/** The declarations of one runtime copy, or undefined when they cannot be had without a checker. */
const declarations = new Map<string, string | undefined>();

/** A runtime copy's declarations (`export declare …`), or undefined when an export lacks its type. */
export function runtimeDeclarations(file: string, text: string): string | undefined {
  const key = `${file}\0${text}`;
  if (declarations.has(key)) return declarations.get(key);
  const result = ts.transpileDeclaration(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: SURFACE_OPTIONS,
  });
  // Written as a .ts file of `declare`s, so its own imports are checked like the emitted files'.
  const out = result.diagnostics?.length ? undefined : result.outputText;
  declarations.set(key, out);
  return out;
}

function surface(): Project {
  if (surfaceProject) return surfaceProject;
  surfaceProject = new Project({ compilerOptions: SURFACE_OPTIONS, skipAddingFilesFromTsConfig: true });
  for (const file of readdirSync(SURFACE_DIR)
    .filter((f) => f.endsWith('.d.ts'))
    .sort())
    surfaceProject.createSourceFile(
      `${VIRTUAL_ROOT}surface/${file}`,
      readFileSync(new URL(file, SURFACE_DIR), 'utf8'),
    );
  return surfaceProject;
}

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** Adds the files, returns the problems in `checked` (names relative to `dir`), removes them again. */
function check(
  project: Project,
  dir: string,
  files: [string, string][],
  checked: (file: string) => boolean,
): Problem[] {
  const added: SourceFile[] = [];
  try {
    const targets: SourceFile[] = [];
    for (const [file, text] of files) {
      const sf = project.createSourceFile(dir + file, text, { overwrite: true });
      // The emitted package.json says "type": "module"; ts-morph's in-memory files do not see
      // it, so mark them as ES modules the way the compiler would.
      sf.compilerNode.impliedNodeFormat = ts.ModuleKind.ESNext;
      added.push(sf);
      if (checked(file)) targets.push(sf);
    }
    const program = project.getProgram();
    return targets.flatMap((sf) =>
      [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
        const where = d.getSourceFile();
        return {
          file: where ? where.getFilePath().slice(dir.length) : '(global)',
          line: where ? where.getLineAndColumnAtPos(d.getStart() ?? 0).line : 0,
          message: ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n'),
        };
      }),
    );
  } finally {
    for (const sf of added) project.removeSourceFile(sf);
  }
}

/** The surface check; undefined when it cannot be made (a runtime copy without explicit types). */
function surfaceCheck(dir: string, ts: [string, string][]): Problem[] | undefined {
  const files: [string, string][] = [];
  for (const [file, text] of ts) {
    if (!isStaticFile(file)) {
      files.push([file, text]);
      continue;
    }
    const declared = runtimeDeclarations(file, text);
    if (declared === undefined) return undefined;
    files.push([file, declared]);
  }
  // The runtime's declarations are checked too: an import the surface lacks shows up there.
  return check(surface(), dir, files, () => true);
}

/**
 * What the surface check alone finds in these files (tests: it must be nothing for correct
 * output, or a run falls back to the full check); undefined when it cannot be made.
 */
export function surfaceProblems(name: string, files: Map<string, string>): Problem[] | undefined {
  const sources = [...files.entries()].filter(([file]) => file.endsWith('.ts'));
  return surfaceCheck(`${VIRTUAL_ROOT}${name}/`, sources);
}

export function verify(name: string, files: Map<string, string>, options: VerifyOptions = {}): void {
  const dir = `${VIRTUAL_ROOT}${name}/`;
  const sources = [...files.entries()].filter(([file]) => file.endsWith('.ts'));
  if (!options.all && surfaceCheck(dir, sources)?.length === 0) {
    options.onChecked?.('surface');
    return;
  }
  fullProject ??= new Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true });
  // Syntactic and semantic diagnostics of the emitted files only: library declarations are
  // trusted (skipLibCheck), and program-wide checks would redo work on every spec.
  const problems = check(fullProject, dir, sources, (file) => options.all || !isStaticFile(file));
  options.onChecked?.('full');
  if (problems.length > 0) {
    const lines = problems.slice(0, 20).map((p) => `  ${p.file}:${p.line}: ${p.message}`);
    throw new GeneratorBug(
      `generator bug: the code emitted for ${name} does not type-check:\n${lines.join('\n')}`,
    );
  }
}
