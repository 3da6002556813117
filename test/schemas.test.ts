// schemas.ts: the input schemas of the REST routes and MCP tools, each written once
// (model/schemas.ts plans it, emit/schemas.ts prints it, runtime/schema.ts builds its objects).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { object } from '../runtime/schema.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe('runtime object()', () => {
  it('builds a closed object schema, listing required only when there are any', () => {
    const zone = { type: 'string' };
    expect(object({ zone }, ['zone'])).toEqual({
      type: 'object',
      properties: { zone },
      required: ['zone'],
      additionalProperties: false,
    });
    expect(object({})).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    expect(object({ zone }, [], true)).toEqual({
      type: 'object',
      properties: { zone },
      additionalProperties: true,
    });
  });
});

describe('the seed schema module', async () => {
  const { files, model } = await generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true });
  const schemas = files.get('schemas.ts')!;
  const seedZone = { type: 'string', description: 'The zone you want to target' };

  it('writes the zone schema once, for all six routes and six tools', () => {
    expect(model.schemaModule.values.find((v) => v.name === 'zone')?.schema).toEqual(seedZone);
    expect(schemas.match(/The zone you want to target/g)).toHaveLength(1);
    expect(files.get('rest.ts')).not.toMatch(/The zone you want to target|type: 'object'/);
    expect(files.get('mcp.ts')).not.toMatch(/The zone you want to target|properties:/);
  });

  it('gives a tool whose arguments equal a route’s path parameters that same object', () => {
    const get = model.mcp[0]!.tools.find((t) => t.name === 'get-instance-image')!;
    const route = model.rest[0]!.paths.flatMap((p) => p.operations).find((o) => o.name === 'getimage')!;
    expect(get.inputSchemaName).toBe(route.schemas!.params);
  });

  it('is what the committed seed output holds', () => {
    expect(readFileSync(`${ROOT}out/instance-images/schemas.ts`, 'utf8')).toBe(schemas);
  });
});
