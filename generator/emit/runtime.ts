// The runtime the generated code imports: the modules of capgen's own runtime/ folder, copied
// into out/<name>/runtime/ verbatim behind one banner line. A capability gets only the modules
// its files import, and the modules those import in turn; the emitted package.json lists only
// the packages the copied modules import.
import { readdirSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { Code, code, ident, join, lit } from './escape.js';

const SOURCE_DIR = new URL('../../runtime/', import.meta.url);

/** Where the copies go inside the output folder. */
const RUNTIME_DIR = 'runtime/';

export const isRuntimeCopy = (file: string): boolean => file.startsWith(RUNTIME_DIR);

/** The capgen version, from the root package.json, named in every copy's banner. */
export const CAPGEN_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function banner(module: string): string {
  return `// Copied from capgen ${CAPGEN_VERSION} runtime/${module}.ts. Do not edit: regenerate instead.\n`;
}

export interface RuntimeModule {
  /** Path inside runtime/ without `.ts`: `http`, `rest`, `formats/xml`… */
  name: string;
  source: string;
  /** Other runtime modules it imports. */
  imports: string[];
  /** npm packages it imports (not `node:` built-ins): `csv-parse/sync` is `csv-parse`. */
  packages: string[];
  /** Names it exports, values and types alike. */
  exports: string[];
}

let modules: Map<string, RuntimeModule> | undefined;

/** `./x.js` or `../x.js` imported from `formats/yaml` → `formats/x` or `x`. */
function resolveModule(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const step of specifier.replace(/\.js$/, '').split('/')) {
    if (step === '..') parts.pop();
    else if (step !== '.') parts.push(step);
  }
  return parts.join('/');
}

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** The runtime's modules, read once. The sources are formatted by the project's prettier config. */
export function runtimeModules(): Map<string, RuntimeModule> {
  if (modules) return modules;
  modules = new Map();
  const files = readdirSync(SOURCE_DIR, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(sep).join('/'))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  for (const file of files) {
    const name = file.slice(0, -3);
    const source = readFileSync(new URL(file, SOURCE_DIR), 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom '([^']+)';$/gms)].map(
      (m) => m[1]!,
    );
    // Packages whose files a module reads rather than imports (`createRequire(…).resolve('x/y')`).
    const read = [...source.matchAll(/\.resolve\('([^'.][^']*)'\)/g)].map((m) => m[1]!);
    modules.set(name, {
      name,
      source,
      imports: specifiers.filter((s) => s.startsWith('.')).map((s) => resolveModule(name, s)),
      packages: [...specifiers, ...read]
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
        .map(packageOf),
      exports: [
        ...source.matchAll(
          /^export (?:async )?(?:function|class|const|let|interface|type) ([A-Za-z_$][\w$]*)/gm,
        ),
      ].map((m) => m[1]!),
    });
  }
  return modules;
}

/** The runtime module that exports `symbol`; an unknown symbol is a generator bug. */
function moduleOf(symbol: string): string {
  const found = [...runtimeModules().values()].filter((m) => m.exports.includes(symbol));
  if (found.length !== 1)
    throw new Error(
      `generator bug: ${found.length === 0 ? 'no runtime module exports' : 'several runtime modules export'} ${JSON.stringify(symbol)}`,
    );
  return found[0]!.name;
}

/**
 * The runtime symbols one emitted file uses, as its import declarations (one per module, sorted).
 * Every module named here is recorded in `used`, so the copy step knows what to copy.
 */
export function runtimeImports(symbols: string[], used: Set<string>): Code {
  const byModule = new Map<string, string[]>();
  for (const entry of symbols) {
    const typeOnly = entry.startsWith('type ');
    const name = typeOnly ? entry.slice(5) : entry;
    const module = moduleOf(name);
    byModule.set(module, [...(byModule.get(module) ?? []), entry]);
  }
  const lines = [...byModule.keys()].sort().map((module) => {
    used.add(module);
    const names = byModule.get(module)!.sort((a, b) => {
      const x = a.replace(/^type /, '');
      const y = b.replace(/^type /, '');
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const allTypes = names.every((n) => n.startsWith('type '));
    const list = join(
      names.map((n) =>
        allTypes ? ident(n.slice(5)) : n.startsWith('type ') ? code`type ${ident(n.slice(5))}` : ident(n),
      ),
      ', ',
    );
    return code`import ${new Code(allTypes ? 'type ' : '')}{ ${list} } from ${lit(`./${RUNTIME_DIR}${module}.js`)};`;
  });
  return join(lines, '\n');
}

/** The modules in `roots` and every module they import, in name order. */
export function runtimeClosure(roots: Iterable<string>): string[] {
  const all = runtimeModules();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const module = all.get(name);
    if (!module) throw new Error(`generator bug: no runtime module ${JSON.stringify(name)}`);
    seen.add(name);
    module.imports.forEach(visit);
  };
  for (const r of roots) visit(r);
  return [...seen].sort();
}

/** The copies for out/<name>/runtime/: `[file, banner + source]`. */
export function runtimeFiles(names: string[]): [string, string][] {
  return names.map((name) => [`${RUNTIME_DIR}${name}.ts`, banner(name) + runtimeModules().get(name)!.source]);
}

/** The npm packages the copied modules import. */
export function runtimePackages(names: string[]): Set<string> {
  return new Set(names.flatMap((name) => runtimeModules().get(name)!.packages));
}
