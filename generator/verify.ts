// Stage 6: type-check the emitted TypeScript before anything is written. A type error here is
// a generator bug, reported with the emitted file and line.
import { fileURLToPath } from 'node:url';
import { Project, ts } from 'ts-morph';
import { isRuntimeCopy } from './emit/runtime.js';

/** Where the emitted files pretend to live, so imports resolve against capgen's node_modules. */
const VIRTUAL_ROOT = fileURLToPath(new URL('../.verify/', import.meta.url));

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

// One project for the whole process: library declarations are parsed once and reused by every
// spec checked after the first.
let project: Project | undefined;

/**
 * The runtime copies (runtime/*.ts) are the same for every spec: they are capgen's own source,
 * type-checked with the project (tsc) and, as emitted, by test/verify.test.ts. So a run checks
 * only the files the spec shaped, against them. That halves the time of a typical run.
 */
export const isStaticFile = isRuntimeCopy;

export function verify(name: string, files: Map<string, string>, options: { all?: boolean } = {}): void {
  project ??= new Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true });
  const dir = `${VIRTUAL_ROOT}${name}/`;
  const all = [...files.entries()]
    .filter(([file]) => file.endsWith('.ts'))
    .map(([file, text]) => {
      const sf = project!.createSourceFile(dir + file, text, { overwrite: true });
      // The emitted package.json says "type": "module"; ts-morph's in-memory files do not see
      // it, so mark them as ES modules the way the compiler would.
      sf.compilerNode.impliedNodeFormat = ts.ModuleKind.ESNext;
      return sf;
    });
  const sources = all.filter((sf) => options.all || !isStaticFile(sf.getFilePath().slice(dir.length)));
  try {
    // Syntactic and semantic diagnostics of the emitted files only: library declarations are
    // trusted (skipLibCheck), and program-wide checks would redo work on every spec.
    const program = project.getProgram();
    const problems = sources.flatMap((sf) => [
      ...program.getSyntacticDiagnostics(sf),
      ...program.getSemanticDiagnostics(sf),
    ]);
    if (problems.length > 0) {
      const lines = problems.slice(0, 20).map((d) => {
        const sf = d.getSourceFile();
        const where = sf
          ? `${sf.getFilePath().slice(dir.length)}:${sf.getLineAndColumnAtPos(d.getStart() ?? 0).line}`
          : '(global)';
        return `  ${where}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n')}`;
      });
      throw new GeneratorBug(
        `generator bug: the code emitted for ${name} does not type-check:\n${lines.join('\n')}`,
      );
    }
  } finally {
    for (const sf of all) project.removeSourceFile(sf);
  }
}
