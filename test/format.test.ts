// The generator formats TypeScript with prettier's babel-ts parser (faster than its `typescript`
// parser); users and `prettier --write` use the `typescript` one. These check that the two print
// the same code, so a user who reformats a generated file gets no diff.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { formatFile, PRETTIER_CONFIG } from '../generator/format.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;

/** Every snapshot of a TypeScript file the generator shaped (runtime copies are runtime/ itself). */
const goldenTs = readdirSync(GOLDEN, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts.snap') && !f.split('/').includes('runtime'))
  .sort();

describe('formatting', () => {
  it('has golden TypeScript to compare', () => {
    expect(goldenTs.length).toBeGreaterThan(20);
  });

  it('prints every golden TypeScript file as the typescript parser does', async () => {
    for (const file of goldenTs) {
      const text = readFileSync(join(GOLDEN, file), 'utf8');
      expect(await format(text, { ...PRETTIER_CONFIG, parser: 'typescript' }), file).toBe(text);
    }
  });

  it('reflows unformatted TypeScript as the typescript parser does', async () => {
    const ugly = [
      "import type {A} from './a.js'\nexport const x = {a:1,\"b-c\":'two'} satisfies Record<string,unknown>\n",
      'export async function f<T extends object>( a:T, ...rest:Array<string|undefined> ):Promise<T>{ // why\nreturn a}\n',
      'export type U = {readonly [k:string]:number}|`x${string}`\nconst y = (z as unknown) as U; void y\n',
      'enum E {A="a",B="b"}\nexport default class C implements I { private q?:number; constructor(readonly p:E){} }\n',
    ];
    for (const text of ugly)
      expect(await formatFile('a.ts', text)).toBe(
        await format(text, { ...PRETTIER_CONFIG, parser: 'typescript' }),
      );
  });
});
