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

/**
 * Global declarations of the ES2023 lib that neither the emitted code nor the runtime's
 * declarations name, left out of the surface check's lib: the typed arrays but Uint8Array,
 * Atomics, Proxy, Reflect, WeakRef, FinalizationRegistry and the decorator types are a third
 * of its 0.5 MB, and parsing the lib was most of a small spec's check. Only whole declarations
 * go, and only when nothing kept names them (checked when the lib is made, see surfaceLib), so
 * the lib is stricter, never looser: code that names one of them fails the surface check and
 * falls back to the full check with the whole lib.
 */
const UNUSED_LIB = new Set([
  ...[
    'Int8',
    'Uint8Clamped',
    'Int16',
    'Uint16',
    'Int32',
    'Uint32',
    'Float32',
    'Float64',
    'BigInt64',
    'BigUint64',
  ].flatMap((t) => [`${t}Array`, `${t}ArrayConstructor`]),
  'Atomics',
  'Proxy',
  'ProxyHandler',
  'ProxyConstructor',
  'Reflect',
  'WeakRef',
  'WeakRefConstructor',
  'FinalizationRegistry',
  'FinalizationRegistryConstructor',
  'ClassDecorator',
  'PropertyDecorator',
  'MethodDecorator',
  'ParameterDecorator',
  'DecoratorContext',
  'DecoratorMetadata',
  'DecoratorMetadataObject',
  'ClassDecoratorContext',
  'ClassMethodDecoratorContext',
  'ClassGetterDecoratorContext',
  'ClassSetterDecoratorContext',
  'ClassAccessorDecoratorContext',
  'ClassAccessorDecoratorTarget',
  'ClassAccessorDecoratorResult',
  'ClassFieldDecoratorContext',
  'ClassMemberDecoratorContext',
]);

/** The names a top-level lib statement declares. */
function declaredNames(statement: TS.Statement): string[] {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : ''));
  const name = (statement as TS.Statement & { name?: TS.Node }).name;
  return name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? [name.text] : [''];
}

/** Every lib file the options' `lib` reaches through `/// <reference lib>`, with its real text. */
function realLib(): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (name: string) => {
    const path = `${LIB_DIR}/${name}`;
    if (files.has(path)) return;
    const text = ts.sys.readFile(path);
    if (text === undefined) throw new Error(`the TypeScript lib file ${path} is missing`);
    files.set(path, text);
    for (const ref of ts.preProcessFile(text, true, true).libReferenceDirectives)
      visit(`lib.${ref.fileName.toLowerCase()}.d.ts`);
  };
  for (const name of SURFACE_OPTIONS.lib ?? []) visit(name);
  return files;
}

/** The lib without the UNUSED_LIB declarations; undefined when something kept names one of them. */
function filteredLib(): Map<string, string> | undefined {
  const files = new Map<string, string>();
  for (const [path, text] of realLib()) {
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022);
    // The `/// <reference lib>` lines before the first statement, then the statements kept.
    const head = text
      .slice(0, sf.statements[0]?.getStart(sf) ?? text.length)
      .split('\n')
      .filter((line) => line.startsWith('///'));
    const kept = sf.statements.filter((st) => !declaredNames(st).every((n) => UNUSED_LIB.has(n)));
    files.set(path, [...head, ...kept.map((st) => text.slice(st.pos, st.end))].join('\n') + '\n');
  }
  // Nothing kept may name what went: a name that resolves to nothing would be an error type,
  // which is as loose as any. The lib is checked on its own once, when it is made.
  const probe = `${VIRTUAL_ROOT}lib-probe.ts`;
  const program = libProgram(new Map([...files, [probe, 'export {};\n']]), {
    ...SURFACE_OPTIONS,
    skipLibCheck: false,
  });
  const clean =
    program.getGlobalDiagnostics().length === 0 &&
    [...files.keys()].every(
      (path) => program.getSemanticDiagnostics(program.getSourceFile(path)).length === 0,
    );
  return clean ? files : undefined;
}

let libFiles: { files: Map<string, string>; filtered: boolean } | undefined;

/**
 * The surface check's lib files by path: the filtered lib, made once per compiler version and
 * kept in node_modules/.cache/capgen-v8/, or the real lib when the filtered one fails its check.
 */
export function surfaceLib(): { files: Map<string, string>; filtered: boolean } {
  if (libFiles) return libFiles;
  const key = createHash('sha256')
    .update(`${ts.version}\0${JSON.stringify(SURFACE_OPTIONS.lib)}\0${[...UNUSED_LIB].join(',')}`)
    .digest('hex')
    .slice(0, 16);
  const file = `${CACHE_DIR}lib-${key}.json`;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string> | null;
    libFiles = saved
      ? { files: new Map(Object.entries(saved)), filtered: true }
      : { files: realLib(), filtered: false };
    return libFiles;
  } catch {
    // Not made yet (or unreadable): make it.
  }
  const filtered = filteredLib();
  libFiles = filtered ? { files: filtered, filtered: true } : { files: realLib(), filtered: false };
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const staged = `${file}.${process.pid}.tmp`;
    writeFileSync(staged, JSON.stringify(filtered ? Object.fromEntries(filtered) : null));
    renameSync(staged, file);
  } catch {
    // The next run makes it again.
  }
  return libFiles;
}

/** One program over `files` (absolute path → text), which hold its lib too: nothing is read from disk. */
function libProgram(
  files: Map<string, string>,
  options: TS.CompilerOptions,
  kept?: ReadonlySet<string>,
): TS.Program {
  const host: TS.CompilerHost = {
    getSourceFile: (path) => {
      const text = files.get(path);
      return text === undefined ? undefined : sourceFile(path, text, kept?.has(path) ?? false);
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    getDefaultLibLocation: () => LIB_DIR,
    writeFile: () => undefined,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    getCanonicalFileName: (path) => path,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (path) => files.has(path),
    readFile: (path) => files.get(path),
    directoryExists: () => true,
  };
  return ts.createProgram({
    rootNames: [...files.keys()].filter((p) => !p.startsWith(LIB_DIR)),
    options,
    host,
  });
}

/** The surface check's program: the files given, the surface lib; parses of what every spec shares are kept. */
function surfaceProgram(files: Map<string, string>, kept: Set<string>): TS.Program {
  const lib = surfaceLib().files;
  for (const path of lib.keys()) kept.add(path);
  return libProgram(new Map([...lib, ...files]), SURFACE_OPTIONS, kept);
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
