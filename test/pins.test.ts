// The generated package.json pins the same versions capgen itself installs, type-checks the
// emitted code against and tests with (the root package.json), so the two cannot drift apart;
// and it declares every package the emitted code imports.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';

const ROOT = new URL('../', import.meta.url);
const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as PackageJson;
const rootPins: Record<string, string> = { ...root.dependencies, ...root.devDependencies };

/** Specs of different shapes (see test/golden.test.ts): the seed, bearer auth, no auth. */
const SPECS: Record<string, string> = {
  'instance-images': new URL('specs/instance-images.yaml', ROOT).pathname,
  'pixelixe-graphic': `${CORPUS}pixelixe/pixelixe-graphic.yaml`,
  'cat-capability': `${CORPUS}cat/cat-capability.yaml`,
};

/** `fastify` for 'fastify/x', `@scope/name` for '@scope/name/x'; undefined for relative and node: imports. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function importedPackages(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)) {
    const name = packageOf((m[1] ?? m[2] ?? m[3])!);
    if (name !== undefined) found.add(name);
  }
  return [...found];
}

describe('emitted dependency pins', () => {
  it('the root package.json pins every package the generated servers depend on', () => {
    // The oracle is the root package.json itself; these are the packages issue 8 names.
    for (const name of [
      'fastify',
      '@modelcontextprotocol/server',
      'undici',
      'tsx',
      'typescript',
      '@types/node',
    ]) {
      expect(rootPins[name], name).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  for (const [name, spec] of Object.entries(SPECS)) {
    it(`${name}: every pin equals the root pin, and every imported package is pinned`, async () => {
      const { files } = await generateFile(spec, { name });
      const emitted = JSON.parse(files.get('package.json')!) as PackageJson;
      const pins = { ...emitted.dependencies, ...emitted.devDependencies };
      expect(Object.keys(pins).length).toBeGreaterThan(0);
      for (const [pkg, version] of Object.entries(pins)) {
        expect(version, `${pkg} in the generated package.json`).toBe(rootPins[pkg]);
      }
      const imported = [...files]
        .filter(([file]) => file.endsWith('.ts'))
        .flatMap(([file, text]) => importedPackages(text).map((pkg) => ({ file, pkg })));
      expect(imported.length).toBeGreaterThan(0);
      for (const { file, pkg } of imported) {
        expect(pins[pkg], `${file} imports ${pkg}`).toBeDefined();
      }
      // What the generated scripts run must be installed too.
      expect(pins.tsx).toBeDefined();
      expect(pins.typescript).toBeDefined();
    });
  }
});
