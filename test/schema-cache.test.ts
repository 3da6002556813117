// generator/validate/compiled.ts keeps each schema's compiled validator on disk: a changed
// schema at the same path must get its own validator, never the one compiled before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../generator/validate/compiled.js';

const dir = mkdtempSync(join(tmpdir(), 'capgen-schema-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled schema validators', () => {
  it('follow the schema text, not the path', () => {
    const file = join(dir, 'a.schema.json');
    const url = pathToFileURL(file);
    const nonce = `${process.pid}-${Date.now()}`;
    writeFileSync(file, JSON.stringify({ $comment: nonce, type: 'object', required: ['a'] }));
    const first = schemaValidator(url);
    expect(first({ a: 1 })).toBe(true);
    expect(first({ b: 1 })).toBe(false);
    expect(first.errors?.[0]).toMatchObject({ keyword: 'required', params: { missingProperty: 'a' } });
    // A second load reads the compiled file written by the first.
    expect(schemaValidator(url)({ b: 1 })).toBe(false);
    writeFileSync(file, JSON.stringify({ $comment: nonce, type: 'object', required: ['b'] }));
    const second = schemaValidator(url);
    expect(second({ b: 1 })).toBe(true);
    expect(second({ a: 1 })).toBe(false);
  });
});
