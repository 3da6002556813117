// Goldens: one file snapshot per emitted file, for the seed and for corpus specs of different
// shapes, plus an orphan check. Refresh with `npm run test:update` and review the diff. The
// runtime copies (runtime/*.ts) have no snapshot: they must be runtime/ itself behind a banner,
// which is checked here against the files in runtime/.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';

const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;
const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const UPDATING = process.env.UPDATE_GOLDENS === '1';
const ROOT = new URL('../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string })
  .version;

/** Fails unless `text` is a banner line naming capgen's version and `runtime/<module>.ts`, then that file. */
export function expectVerbatimCopy(file: string, text: string): void {
  const module = /^runtime\/([a-z/-]+)\.ts$/.exec(file)?.[1];
  expect(module, file).toBeDefined();
  const newline = text.indexOf('\n');
  const banner = text.slice(0, newline);
  expect(banner, file).toMatch(/^\/\/ .*\bcapgen (\S+) runtime\/([a-z/-]+)\.ts\b/);
  const [, version, named] = /\bcapgen (\S+) runtime\/([a-z/-]+)\.ts\b/.exec(banner)!;
  expect([version, named], file).toEqual([VERSION, module]);
  expect(text.slice(newline + 1) === readFileSync(new URL(`runtime/${module}.ts`, ROOT), 'utf8'), file).toBe(
    true,
  );
}

/** Runtime modules each case needs (step-3 is MCP only; no case converts values). */
const RUNTIME: Record<string, string[]> = {
  'instance-images': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  'pixelixe-graphic': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  'security-security-config': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  'content-authors': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  'step-3-shipyard-auth': [
    'auth',
    'binds',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'log',
    'mcp',
    'output',
    'port',
    'schema',
    'scrub',
  ],
  'location-intelligence': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  'cat-capability': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
  skills: [
    'auth',
    'docs',
    'env',
    'files',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
    'skill',
  ],
  'step-1-shipyard-mock': [
    'auth',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'log',
    'mcp',
    'output',
    'port',
    'schema',
    'scrub',
    'steps',
  ],
  'fleet-compose': [
    'auth',
    'convert',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
    'steps',
  ],
  'fleet-aggregates': [
    'auth',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
    'steps',
  ],
  'mcp-catalog': [
    'auth',
    'env',
    'files',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'log',
    'mcp-catalog',
    'mcp',
    'output',
    'port',
    'schema',
    'scrub',
  ],
  control: [
    'auth',
    'control',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
    'telemetry',
  ],
  'body-types': [
    'auth',
    'body',
    'docs',
    'env',
    'formats/error',
    'guard',
    'health',
    'http',
    'lifecycle',
    'links',
    'log',
    'mcp',
    'output',
    'port',
    'rest',
    'schema',
    'scrub',
  ],
};

/** Case name → spec, chosen for their different shapes (research/corpus.md §6). */
export const CASES: Record<string, string> = {
  'instance-images': new URL('../specs/instance-images.yaml', import.meta.url).pathname, // the seed: apikey header, implicit bindings, merged paths
  'pixelixe-graphic': `${CORPUS}pixelixe/pixelixe-graphic.yaml`, // bearer
  'security-security-config': `${CORPUS}opensearch/security-security-config.yaml`, // basic
  'content-authors': `${CORPUS}ghost/content-authors.yaml`, // apikey in the query, undeclared path placeholders
  'step-3-shipyard-auth': `${CORPUS}naftiko-framework/main/tutorial/step-3-shipyard-auth.yml`, // explicit MCP inputParameters, mapped outputs, consumes-level header
  'location-intelligence': `${CORPUS}google-maps/location-intelligence.yaml`, // 3 consumes, query apikey + header params, JSON body templates
  'cat-capability': `${CORPUS}cat/cat-capability.yaml`, // duplicate names, undeclared `with` keys, no auth
  'mcp-catalog': new URL('./fixtures/exposes/mcp-catalog.yaml', import.meta.url).pathname, // MCP resources (dynamic, template, static) and prompts
  control: new URL('./fixtures/exposes/control.yaml', import.meta.url).pathname, // control adapter with telemetry on REST and MCP
  skills: new URL('./fixtures/exposes/skills.yaml', import.meta.url).pathname, // skill catalog over MCP and REST siblings
  'step-1-shipyard-mock': `${CORPUS}naftiko-framework/main/tutorial/step-1-shipyard-mock.yml`, // mocks only: no consumes, no client
  'fleet-compose': new URL('./fixtures/compose/fleet-compose.yaml', import.meta.url).pathname, // mock tool and route, steps with lookup and dotted mappings
  'fleet-aggregates': new URL('./fixtures/compose/fleet-aggregates.yaml', import.meta.url).pathname, // ref to a call, steps and a mock; inherited names and inputs, derived hints, own fields winning
  'body-types': new URL('./fixtures/bodies/dispatch-forms.yaml', import.meta.url).pathname, // every non-JSON request body type: form (fields and pre-encoded), multipart with a file, text, XML, SPARQL
};

describe('goldens', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    it(`${name}: every emitted file matches its golden`, async () => {
      const { files } = await generateFile(spec, { name });
      expect(files.size).toBeGreaterThanOrEqual(5);
      const copies = [...files.keys()].filter((f) => f.startsWith('runtime/'));
      expect(copies).toEqual(RUNTIME[name]!.map((m) => `runtime/${m}.ts`));
      for (const [file, text] of files) {
        if (copies.includes(file)) expectVerbatimCopy(file, text);
        else await expect(text).toMatchFileSnapshot(join(GOLDEN, name, `${file}.snap`));
      }
      const goldens = existsSync(join(GOLDEN, name)) ? readdirSync(join(GOLDEN, name)) : [];
      const orphans = goldens.filter((g) => !files.has(g.replace(/\.snap$/, '')));
      if (UPDATING) for (const o of orphans) rmSync(join(GOLDEN, name, o));
      else expect(orphans, `goldens with no emitted twin in ${name}`).toEqual([]);
    });
  }

  it('the committed out/instance-images/runtime/ is runtime/ behind a banner', () => {
    const dir = new URL('out/instance-images/runtime/', ROOT);
    const names = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((n) => n.split(sep).join('/'))
      .filter((n) => n.endsWith('.ts'))
      .sort();
    expect(names).toEqual(RUNTIME['instance-images']!.map((m) => `${m}.ts`));
    for (const n of names) expectVerbatimCopy(`runtime/${n}`, readFileSync(new URL(n, dir), 'utf8'));
  });

  it('has no golden folder without a case', () => {
    const folders = readdirSync(GOLDEN).filter((f) => statSync(join(GOLDEN, f)).isDirectory());
    const orphans = folders.filter((f) => !(f in CASES));
    if (UPDATING) for (const o of orphans) rmSync(join(GOLDEN, o), { recursive: true });
    else expect(orphans).toEqual([]);
  });
});
