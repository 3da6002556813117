// Type errors in full, for the report: the pipeline's GeneratorBug names the emitted file and
// line, but a chained compiler message can reach it as "undefined". This re-checks the emitted
// files (from a generation without the type-check) with the same compiler options and keeps
// every message whole, with the offending line.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project, ts } from 'ts-morph';
import { COMPILER_OPTIONS } from '../../generator/verify.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TypeErrorFinding {
  /** The emitted file and line, e.g. `mcp.ts:120`. */
  where: string;
  message: string;
  /** The emitted line. */
  source?: string;
}

let project: Project | undefined;

export function typeCheck(name: string, files: Map<string, string>, max = 20): TypeErrorFinding[] {
  project ??= new Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true });
  // Virtual files inside the repository, so that imports resolve capgen's node_modules.
  const dir = join(ROOT, '.tmp', 'corpus', '.typecheck', name) + '/';
  const all = [...files]
    .filter(([f]) => f.endsWith('.ts'))
    .map(([f, text]) => {
      const sf = project!.createSourceFile(dir + f, text, { overwrite: true });
      sf.compilerNode.impliedNodeFormat = ts.ModuleKind.ESNext;
      return sf;
    });
  try {
    const program = project.getProgram().compilerObject;
    const found: TypeErrorFinding[] = [];
    for (const sf of all) {
      const node = program.getSourceFile(sf.getFilePath());
      if (!node) continue;
      for (const d of [...program.getSyntacticDiagnostics(node), ...program.getSemanticDiagnostics(node)]) {
        const { line } = node.getLineAndCharacterOfPosition(d.start ?? 0);
        found.push({
          where: `${sf.getBaseName()}:${line + 1}`,
          message: ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 600),
          source: sf.getFullText().split('\n')[line]?.trim().slice(0, 400),
        });
        if (found.length >= max) return found;
      }
    }
    return found;
  } finally {
    for (const sf of all) project.removeSourceFile(sf);
  }
}
