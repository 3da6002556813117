// Goldens: one file snapshot per emitted file, for the seed and for corpus specs of different
// shapes, plus an orphan check. Refresh with `npm run test:update` and review the diff.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';

const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;
const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const UPDATING = process.env.UPDATE_GOLDENS === '1';

/** Case name → spec, chosen for their different shapes (research/corpus.md §6). */
export const CASES: Record<string, string> = {
  'instance-images': new URL('../specs/instance-images.yaml', import.meta.url).pathname, // the seed: apikey header, implicit bindings, merged paths
  'pixelixe-graphic': `${CORPUS}pixelixe/pixelixe-graphic.yaml`, // bearer
  'security-security-config': `${CORPUS}opensearch/security-security-config.yaml`, // basic
  'content-authors': `${CORPUS}ghost/content-authors.yaml`, // apikey in the query, undeclared path placeholders
  'step-3-shipyard-auth': `${CORPUS}naftiko-framework/main/tutorial/step-3-shipyard-auth.yml`, // explicit MCP inputParameters, mapped outputs, consumes-level header
  'location-intelligence': `${CORPUS}google-maps/location-intelligence.yaml`, // 3 consumes, query apikey + header params, JSON body templates
  'cat-capability': `${CORPUS}cat/cat-capability.yaml`, // duplicate names, undeclared `with` keys, no auth
};

describe('goldens', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    it(`${name}: every emitted file matches its golden`, async () => {
      const { files } = await generateFile(spec, { name });
      expect(files.size).toBeGreaterThanOrEqual(5);
      for (const [file, text] of files) {
        await expect(text).toMatchFileSnapshot(join(GOLDEN, name, `${file}.snap`));
      }
      const goldens = existsSync(join(GOLDEN, name)) ? readdirSync(join(GOLDEN, name)) : [];
      const orphans = goldens.filter((g) => !files.has(g.replace(/\.snap$/, '')));
      if (UPDATING) for (const o of orphans) rmSync(join(GOLDEN, name, o));
      else expect(orphans, `goldens with no emitted twin in ${name}`).toEqual([]);
    });
  }

  it('has no golden folder without a case', () => {
    const folders = readdirSync(GOLDEN).filter((f) => statSync(join(GOLDEN, f)).isDirectory());
    const orphans = folders.filter((f) => !(f in CASES));
    if (UPDATING) for (const o of orphans) rmSync(join(GOLDEN, o), { recursive: true });
    else expect(orphans).toEqual([]);
  });
});
