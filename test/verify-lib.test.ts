// The surface check's lib (generator/verify.ts surfaceLib): the real ES2023 lib without the
// declarations no emitted code names. It must hold together on its own, and code that names
// what it leaves out must reach the full check with the whole lib, never pass on less.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { surfaceLib, surfaceProblems, verify, type VerifyMode } from '../generator/verify.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe("the surface check's lib", () => {
  it('is the filtered lib: it passed its own check and is smaller than the real one', () => {
    const { files, filtered } = surfaceLib();
    expect(filtered).toBe(true);
    const es5 = [...files].find(([path]) => path.endsWith('/lib.es5.d.ts'));
    expect(es5).toBeDefined();
    const real = readFileSync(es5![0], 'utf8');
    expect(es5![1].length).toBeLessThan(real.length * 0.8);
    expect(es5![1]).toContain('interface Uint8Array<');
    expect(es5![1]).not.toContain('interface Float64Array<');
    expect(real).toContain('interface Float64Array<');
  });

  it('sends code naming a left-out global to the full check, which passes it', async () => {
    const { name, files } = await generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true });
    const text = files.get('schemas.ts')!;
    const more = new Map(files).set('schemas.ts', `${text}\nexport const samples = new Float64Array(4);\n`);
    expect(surfaceProblems(name, more)?.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/Cannot find name 'Float64Array'/),
    );
    const modes: VerifyMode[] = [];
    expect(() => verify(name, more, { onChecked: (m) => modes.push(m) })).not.toThrow();
    expect(modes).toEqual(['full']);
  });
});
