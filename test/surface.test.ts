// generator/surface/ declares, for the verify stage's surface check, the few Node and package
// names the emitted code uses. Its promise: never looser than the real declarations, so that
// what passes the surface check passes the full one. This suite holds it to that, with the real
// compiler and the real declarations (@types/node, fastify, the MCP SDK, pino, prom-client):
//  - every name it declares is one the real module or global scope has;
//  - a real value or function can be used wherever the surface's can: the real one is assignable
//    to the surface's (so the surface's parameters are narrower, its results wider);
//  - for the object types the emitted code writes as literals, the surface's is assignable to the
//    real one as well (so no literal passes that the real type refuses).
// Opaque types carry a brand no emitted code can forge; it is removed here, so their members
// are compared like any other.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Project, SyntaxKind, ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { COMPILER_OPTIONS } from '../generator/verify.js';

const SURFACE = new URL('../generator/surface/', import.meta.url);
const DIR = fileURLToPath(new URL('../.verify/surface-test/', import.meta.url));

/** Written by the emitted code as object literals: checked in both directions. */
const LITERALS = new Set([
  'fastify FastifySchema',
  'fastify FastifyListenOptions',
  '@modelcontextprotocol/server ToolAnnotations',
]);

const unbranded = (text: string) => text.replace(/^\s*readonly \[surfaceBrand\]: '\w+';\n/gm, '');

interface Stub {
  /** A module specifier, or '' for the global scope. */
  module: string;
  file: string;
  text: string;
}

function stubs(): Stub[] {
  const modules = readFileSync(new URL('modules.d.ts', SURFACE), 'utf8');
  const out: Stub[] = [];
  for (const m of modules.matchAll(/^declare module '([^']+)' \{\n([\s\S]*?)^\}\n/gm)) {
    out.push({ module: m[1]!, file: `module-${out.length}.d.ts`, text: `${unbranded(m[2]!)}export {};\n` });
  }
  // The globals, as a namespace of their own beside the real ones.
  const globals = unbranded(readFileSync(new URL('globals.d.ts', SURFACE), 'utf8'))
    .replace(/^declare const surfaceBrand: unique symbol;\n/m, '')
    .replace(/^declare (var|function) /gm, '$1 ');
  out.push({ module: '', file: 'globals.d.ts', text: `export declare namespace G {\n${globals}\n}\n` });
  return out;
}

describe('generator/surface/', () => {
  it('is no looser than the real declarations', () => {
    const project = new Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true });
    const checks: string[] = [];
    let n = 0;
    const all = stubs();
    expect(all.map((s) => s.module)).toEqual(
      expect.arrayContaining(['node:fs', 'fastify', '@modelcontextprotocol/server', '']),
    );
    for (const stub of all) {
      const sf = project.createSourceFile(DIR + stub.file, stub.text, { overwrite: true });
      const scope = stub.module === '' ? sf.getModuleOrThrow('G') : sf;
      const stubRef = stub.module === '' ? `G` : `S${n}`;
      const realRef = stub.module === '' ? 'globalThis' : `R${n}`;
      if (stub.module !== '') {
        checks.push(`import type * as S${n} from './${stub.file.replace(/\.d\.ts$/, '.js')}';`);
        checks.push(`import * as R${n} from '${stub.module}';`);
      } else checks.push(`import type { G } from './globals.js';`);
      for (const fn of scope.getFunctions()) {
        const name = fn.getNameOrThrow();
        if (checks.some((c) => c.includes(`${stubRef}_${name}:`))) continue;
        checks.push(`export const ${stubRef}_${name}: typeof ${stubRef}.${name} = ${realRef}.${name};`);
      }
      for (const v of scope.getVariableDeclarations())
        checks.push(
          `export const ${stubRef}_${v.getName()}: typeof ${stubRef}.${v.getName()} = ${realRef}.${v.getName()};`,
        );
      const types = [
        ...scope.getInterfaces().map((i) => i.getName()),
        ...scope.getTypeAliases().map((t) => t.getName()),
      ];
      for (const name of new Set(types)) {
        // Names the surface makes up for itself (Surface*) have no real twin; their uses are checked.
        if (name.startsWith('Surface') || (stub.module === '' && name === 'BufferConstructor')) continue;
        // A real global type is named bare; a real module's through its namespace import.
        const real = stub.module === '' ? name : `${realRef}.${name}`;
        checks.push(`export const t${checks.length}: ${stubRef}.${name} = null! as ${real};`);
        if (LITERALS.has(`${stub.module} ${name}`)) {
          checks.push(`export const t${checks.length}: ${real} = null! as ${stubRef}.${name};`);
          // A key the real type lacks would let a literal through that it refuses.
          checks.push(`export const t${checks.length}: keyof ${real} = null! as keyof ${stubRef}.${name};`);
        }
      }
      n++;
    }
    const file = project.createSourceFile(`${DIR}check.ts`, `${checks.join('\n')}\n`, { overwrite: true });
    for (const sf of project.getSourceFiles()) sf.compilerNode.impliedNodeFormat = ts.ModuleKind.ESNext;
    const problems = project
      .getProgram()
      .getSemanticDiagnostics(file)
      .map((d) => {
        const line = d.getLineNumber() ?? 0;
        return `${checks[line - 1]}\n  ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n  ')}`;
      });
    expect(problems).toEqual([]);
    // Every check line was written: a declaration kind the loop above skips would go unchecked.
    const declared = all.flatMap((s) =>
      project
        .getSourceFileOrThrow(DIR + s.file)
        .getDescendantsOfKind(SyntaxKind.FunctionDeclaration)
        .map((f) => f.getName()),
    );
    expect(declared.length).toBeGreaterThan(3);
    expect(checks.length).toBeGreaterThan(30);
  });
});
