// The verify stage keeps what does not depend on the spec across runs (generator/verify.ts,
// generator/typescript.ts): the runtime copies' declarations and the compiler's bytecode, under
// node_modules/.cache/capgen-v8/. A kept declaration must never stand in for a changed copy.
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { runtimeDeclarations, surfaceProblems } from '../generator/verify.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CACHE = `${ROOT}node_modules/.cache/capgen-v8/`;

describe('what the type-check keeps between runs', () => {
  it('checks against the declarations of the runtime copy as emitted, not as last seen', async () => {
    const { name, files } = await generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true });
    expect(surfaceProblems(name, files)).toEqual([]);
    // The declarations are on disk now, keyed by the copy's text.
    expect(readdirSync(CACHE).some((f) => /^declarations-.*\.json$/.test(f))).toBe(true);
    const http = files.get('runtime/http.ts')!;
    expect(http).toContain('export function fillPath<');
    const renamed = http.replace('export function fillPath<', 'export function fillPathAt<');
    expect(runtimeDeclarations('runtime/http.ts', renamed)).toContain('fillPathAt');
    expect(runtimeDeclarations('runtime/http.ts', renamed)).not.toMatch(/function fillPath</);
    const problems = surfaceProblems(name, new Map(files).set('runtime/http.ts', renamed));
    expect(problems?.map((p) => `${p.file}: ${p.message}`)).toContainEqual(
      expect.stringMatching(/^client\.ts: .*has no exported member (named )?'fillPath'/),
    );
  });

  it('keeps the compiler bytecode after a check', () => {
    expect(existsSync(CACHE)).toBe(true);
    expect(readdirSync(CACHE).some((f) => /^typescript-[0-9a-f]{16}\.bin$/.test(f))).toBe(true);
  });
});
