// Stage 6: type-check the emitted TypeScript before anything is written. A type error here is
// a generator bug, reported with the emitted file and line.
//
// Two checks:
//  - the surface check (every run), with the pinned typescript package's compiler API: the
//    files the spec shaped, against the runtime's own declarations (runtime/*.ts has explicit
//    types on every export, so each module's declarations come from `transpileDeclaration`
//    without a checker) and the small hand-kept declarations in generator/surface/ of the few
//    library and Node names they use. It loads the lib.*.d.ts files and these, instead of 410
//    files (2.25 MB of @types/node, the MCP SDK, zod and Fastify).
//  - the full check, with ts-morph: the same files with the runtime sources and the real
//    declarations of every package. It runs when the surface check finds anything at all, so a
//    problem is reported in the real compiler's words, and a name the surface lacks (a new
//    runtime import, a Node API it does not declare) costs time, never a false report.
//    test/verify.test.ts checks that the seed and every golden case pass the surface check
//    without falling back.
// The surface is written to be stricter than the real declarations, never looser: no `any`,
// opaque library types, and for functions a subset of their overloads (test/surface.test.ts
// checks each one against the real declaration).
//
// Start-up is most of a small spec's check, so what does not depend on the spec is kept: the
// compiler's bytecode (typescript.ts) and the runtime copies' declarations, on disk under
// node_modules/.cache/capgen-v8/ keyed by the compiler's version and each copy's text; the lib,
// surface and declaration files, parsed once per process.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Morph from 'ts-morph';
import type * as TS from 'typescript';
import { COMPILER_OPTIONS_JSON } from './emit/package.js';
import { isRuntimeCopy } from './emit/runtime.js';
import { saveCodeCache, typescript } from './typescript.js';

const ts = typescript();

/** Where the emitted files pretend to live, so imports resolve against capgen's node_modules. */
const VIRTUAL_ROOT = fileURLToPath(new URL('../.verify/', import.meta.url));
const SURFACE_DIR = new URL('./surface/', import.meta.url);
const CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/capgen-v8/', import.meta.url));

/** The generated tsconfig.json's options, as the compiler API takes them. */
export const COMPILER_OPTIONS: TS.CompilerOptions = ts.convertCompilerOptionsFromJson(
  COMPILER_OPTIONS_JSON,
  VIRTUAL_ROOT,
).options;

/** The surface check: no package is looked up; every module is a file given or a surface one. */
const SURFACE_OPTIONS: TS.CompilerOptions = { ...COMPILER_OPTIONS, types: [], noResolve: true };

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

/** Runtime copy declarations by hash of the compiler's version, file name and text; '' = none. */
let declarations: Map<string, string> | undefined;
let declarationsAdded = false;
const DECLARATIONS_FILE = `${CACHE_DIR}declarations-${ts.version}.json`;

function declarationCache(): Map<string, string> {
  if (declarations) return declarations;
  try {
    declarations = new Map(
      Object.entries(JSON.parse(readFileSync(DECLARATIONS_FILE, 'utf8')) as Record<string, string>),
    );
  } catch {
    declarations = new Map();
  }
  return declarations;
}

function saveDeclarations(): void {
  if (!declarationsAdded || !declarations) return;
  declarationsAdded = false;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const staged = `${DECLARATIONS_FILE}.${process.pid}.tmp`;
    writeFileSync(staged, JSON.stringify(Object.fromEntries(declarations)));
    renameSync(staged, DECLARATIONS_FILE);
  } catch {
    // Only costs the next run the transpiling.
  }
}

/** A runtime copy's declarations (`export declare …`), or undefined when an export lacks its type. */
export function runtimeDeclarations(file: string, text: string): string | undefined {
  const key = createHash('sha256').update(`${ts.version}\0${file}\0${text}`).digest('hex');
  const cache = declarationCache();
  const known = cache.get(key);
  if (known !== undefined) return known === '' ? undefined : known;
  const result = ts.transpileDeclaration(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: SURFACE_OPTIONS,
  });
  // Written as a .ts file of `declare`s, so its own imports are checked like the emitted files'.
  const out = result.diagnostics?.length ? undefined : result.outputText;
  cache.set(key, out ?? '');
  declarationsAdded = true;
  return out;
}

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** Parsed lib, surface and runtime declaration files by path and text: the same for every spec. */
const parsed = new Map<string, TS.SourceFile>();

function sourceFile(path: string, text: string, keep: boolean): TS.SourceFile {
  const key = `${path}\0${text}`;
  const known = parsed.get(key);
  if (known) return known;
  // The emitted package.json says "type": "module": these are ES modules.
  const sf = ts.createSourceFile(path, text, {
    languageVersion: ts.ScriptTarget.ES2022,
    impliedNodeFormat: ts.ModuleKind.ESNext,
    // JSDoc types only matter in JavaScript files, as tsc itself parses them.
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
  });
  if (keep) parsed.set(key, sf);
  return sf;
}

let surfaceFiles: [string, string][] | undefined;

function surface(): [string, string][] {
  surfaceFiles ??= readdirSync(SURFACE_DIR)
    .filter((f) => f.endsWith('.d.ts'))
    .sort()
    .map((f) => [`${VIRTUAL_ROOT}surface/${f}`, readFileSync(new URL(f, SURFACE_DIR), 'utf8')]);
  return surfaceFiles;
}

const LIB_DIR = dirname(ts.getDefaultLibFilePath(SURFACE_OPTIONS));

const libTexts = new Map<string, string | undefined>();

function libText(path: string): string | undefined {
  if (!path.startsWith(LIB_DIR)) return undefined;
  if (!libTexts.has(path)) libTexts.set(path, ts.sys.readFile(path));
  return libTexts.get(path);
}

/**
 * One program over `files` (absolute path → text) and the lib, nothing else from disk. The files
 * in `kept` are the same for every spec, so their parse is kept for the next program.
 */
function surfaceProgram(files: Map<string, string>, kept: ReadonlySet<string>): TS.Program {
  const host: TS.CompilerHost = {
    getSourceFile: (path) => {
      const own = files.get(path);
      if (own !== undefined) return sourceFile(path, own, kept.has(path));
      const lib = libText(path);
      return lib === undefined ? undefined : sourceFile(path, lib, true);
    },
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    getDefaultLibLocation: () => LIB_DIR,
    writeFile: () => undefined,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    getCanonicalFileName: (path) => path,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (path) => files.has(path) || libText(path) !== undefined,
    readFile: (path) => files.get(path) ?? libText(path),
    directoryExists: () => true,
  };
  return ts.createProgram({ rootNames: [...files.keys()], options: SURFACE_OPTIONS, host });
}

/** The surface check; undefined when it cannot be made (a runtime copy without explicit types). */
function surfaceCheck(dir: string, sources: [string, string][]): Problem[] | undefined {
  const files = new Map(surface());
  const kept = new Set(files.keys());
  for (const [file, text] of sources) {
    if (!isStaticFile(file)) {
      files.set(dir + file, text);
      continue;
    }
    const declared = runtimeDeclarations(file, text);
    if (declared === undefined) return undefined;
    files.set(dir + file, declared);
    kept.add(dir + file);
  }
  saveDeclarations();
  const program = surfaceProgram(files, kept);
  // The runtime's declarations are checked too: an import the surface lacks shows up there.
  const problems = sources.flatMap(([file]) => {
    const sf = program.getSourceFile(dir + file)!;
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
      file,
      line: d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
  });
  saveCodeCache();
  return problems;
}

/**
 * What the surface check alone finds in these files (tests: it must be nothing for correct
 * output, or a run falls back to the full check); undefined when it cannot be made.
 */
export function surfaceProblems(name: string, files: Map<string, string>): Problem[] | undefined {
  const sources = [...files.entries()].filter(([file]) => file.endsWith('.ts'));
  return surfaceCheck(`${VIRTUAL_ROOT}${name}/`, sources);
}

// The full check's project, for the whole process: declarations are parsed once and reused by
// every spec checked after the first. ts-morph is loaded only when a run needs it.
let fullProject: Morph.Project | undefined;

/** Adds the files, returns the problems in `checked` (names relative to `dir`), removes them again. */
function fullCheck(dir: string, files: [string, string][], checked: (file: string) => boolean): Problem[] {
  const morph = createRequire(import.meta.url)('ts-morph') as typeof Morph;
  fullProject ??= new morph.Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true });
  const project = fullProject;
  const added: Morph.SourceFile[] = [];
  try {
    const targets: Morph.SourceFile[] = [];
    for (const [file, text] of files) {
      const sf = project.createSourceFile(dir + file, text, { overwrite: true });
      // The emitted package.json says "type": "module"; ts-morph's in-memory files do not see
      // it, so mark them as ES modules the way the compiler would.
      sf.compilerNode.impliedNodeFormat = morph.ts.ModuleKind.ESNext;
      added.push(sf);
      if (checked(file)) targets.push(sf);
    }
    const program = project.getProgram();
    // Syntactic and semantic diagnostics of the emitted files only: library declarations are
    // trusted (skipLibCheck), and program-wide checks would redo work on every spec.
    return targets.flatMap((sf) =>
      [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
        const where = d.getSourceFile();
        return {
          file: where ? where.getFilePath().slice(dir.length) : '(global)',
          line: where ? where.getLineAndColumnAtPos(d.getStart() ?? 0).line : 0,
          message: morph.ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n'),
        };
      }),
    );
  } finally {
    for (const sf of added) project.removeSourceFile(sf);
  }
}

export function verify(name: string, files: Map<string, string>, options: VerifyOptions = {}): void {
  const dir = `${VIRTUAL_ROOT}${name}/`;
  const sources = [...files.entries()].filter(([file]) => file.endsWith('.ts'));
  if (!options.all && surfaceCheck(dir, sources)?.length === 0) {
    options.onChecked?.('surface');
    return;
  }
  const problems = fullCheck(dir, sources, (file) => options.all || !isStaticFile(file));
  options.onChecked?.('full');
  if (problems.length > 0) {
    const lines = problems.slice(0, 20).map((p) => `  ${p.file}:${p.line}: ${p.message}`);
    throw new GeneratorBug(
      `generator bug: the code emitted for ${name} does not type-check:\n${lines.join('\n')}`,
    );
  }
}
