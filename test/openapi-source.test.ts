// The OpenAPI stage (generator/openapi/): reading documents with positions, $ref (local and
// relative-file), allOf, nullable, formats, cycles, and matching consumed operations by method
// and path template. The documents are small ones written for these tests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../generator/diagnostics.js';
import { parsePath } from '../generator/model/consumes.js';
import { NameTable } from '../generator/model/names.js';
import type { PathPart } from '../generator/model/types.js';
import { DocumentSet } from '../generator/openapi/document.js';
import { basePath, OpenApiSource, shape } from '../generator/openapi/match.js';

const DIR = join(import.meta.dirname, 'fixtures/openapi/unit');
const SHOP = join(DIR, 'shop.yaml');

function source(file = SHOP, text?: string): OpenApiSource {
  const names = new NameTable();
  return new OpenApiSource('shop', DocumentSet.load(file, text), (n) => names.take(n));
}

const path = (text: string): PathPart[] => parsePath(text);

function refusal(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('matching', () => {
  it('matches by method and path shape after the base path; placeholder names may differ', () => {
    const s = source();
    const get = s.match('GET', '/api/v2', path('/orders/{id}'));
    expect(get?.label).toBe('GET /orders/{orderId}');
    // The server's path prefix may also be written into the consumed paths instead of the base URI.
    expect(s.match('GET', '', path('/api/v2/orders/{{order}}'))?.label).toBe('GET /orders/{orderId}');
    expect(s.match('GET', '', path('/orders/{x}'))?.label).toBe('GET /orders/{orderId}');
    expect(s.match('DELETE', '/api/v2', path('/orders/{id}'))).toBeUndefined();
    expect(s.match('GET', '/api/v2', path('/orders/{id}/items'))).toBeUndefined();
    expect(s.match('GET', '/api/v3', path('/orders/{id}'))).toBeUndefined();
  });

  it('reads path-level and operation parameters, following parameter $refs', () => {
    const get = source().match('GET', '', path('/orders/{id}'))!;
    expect(get.pathParams).toHaveLength(1);
    expect(get.pathParams[0]).toMatchObject({
      name: 'orderId',
      in: 'path',
      required: true,
      description: "The order's id.",
    });
    expect(get.params.get('query:expand')).toMatchObject({
      required: false,
      description: 'Related objects to include.',
      schema: { type: 'string', enum: ['items', 'customer'] },
    });
    expect(get.params.get('header:x-request-id')?.schema).toEqual({ type: 'string', format: 'uuid' });
  });

  it('takes the first 2xx JSON answer, and none for 204', () => {
    const s = source();
    expect(s.match('GET', '', path('/orders/{id}'))!.response).toMatchObject({
      status: '200',
      schema: { $ref: '#/$defs/Order' },
    });
    expect(s.match('POST', '', path('/orders'))!.response?.status).toBe('201');
    expect(s.match('PATCH', '', path('/orders/{id}'))!.response).toBeUndefined();
  });
});

describe('schemas', () => {
  it('names component schemas, keeps cycles as references, and turns <key> into additionalProperties', () => {
    const s = source();
    s.match('GET', '', path('/orders/{id}'));
    const order = s.store.definitions.get('Order')!;
    expect(order.required).toEqual(['id']);
    const props = order.properties as Record<string, Record<string, unknown>>;
    expect(props.parent).toEqual({ $ref: '#/$defs/Order' });
    expect(props.status).toEqual({ type: ['string', 'null'], enum: ['open', 'shipped', null] });
    expect(props.meta).toEqual({ type: 'object', properties: {}, additionalProperties: { type: 'string' } });
    expect(props.lines).toEqual({ type: 'array', items: { $ref: '#/$defs/Line' } });
    // An object schema without `type` says so; examples and x- keys are dropped; 3.0 exclusive bounds.
    expect(s.store.definitions.get('Line')).toEqual({
      type: 'object',
      properties: {
        sku: { type: 'string' },
        qty: { type: 'integer', minimum: 1, exclusiveMaximum: 100 },
      },
    });
  });

  it('merges allOf across files, turns integer formats into bounds, drops defaults of required properties', () => {
    const s = source();
    const body = s.match('POST', '', path('/orders'))!.body!;
    expect(body.required).toBe(true);
    expect(body.schema).toEqual({
      type: 'object',
      description: 'Something with a creation time.',
      properties: {
        created: { type: 'string', format: 'date-time' },
        lines: { type: 'array', items: { $ref: '#/$defs/Line' } },
        count: { type: 'integer', minimum: 0, maximum: 4294967295, default: 1 },
      },
      required: ['lines'],
    });
    // The referenced component is named even though it was merged.
    expect([...s.store.definitions.keys()]).toContain('Stamped');
  });

  it('follows a requestBody $ref and reads nullable and bounds', () => {
    const body = source().match('PATCH', '', path('/orders/{id}'))!.body!;
    expect(body.required).toBe(false);
    expect(body.schema).toEqual({
      type: 'object',
      properties: { note: { type: ['string', 'null'], maxLength: 200 } },
    });
  });

  it('a name used twice gets a suffix instead of a clash', () => {
    const names = new NameTable(['Order']);
    const s = new OpenApiSource('shop', DocumentSet.load(SHOP), (n) => names.take(n));
    s.match('GET', '', path('/orders/{id}'));
    expect([...s.store.definitions.keys()]).toEqual(['Order2', 'Line']);
  });
});

describe('bad documents are refused with a located error', () => {
  it('a missing file', () => {
    const err = refusal(() => source(join(DIR, 'nope.yaml')));
    expect(err.diagnostics[0]).toMatchObject({ code: 'openapi', message: 'OpenAPI file no such file' });
  });

  it('not OpenAPI 3', () => {
    const err = refusal(() => source('x.yaml', 'swagger: "2.0"\npaths: {}\n'));
    expect(err.diagnostics[0]).toMatchObject({ file: 'x.yaml', line: 1, col: 1 });
    expect(err.diagnostics[0]!.message).toMatch(/capgen reads OpenAPI 3.0 and 3.1/);
  });

  it('a dangling $ref points at its line', () => {
    const text = [
      'openapi: 3.1.0',
      'info: {title: t, version: "1"}',
      'paths:',
      '  /a:',
      '    get:',
      '      responses:',
      "        '200':",
      '          description: ok',
      '          content:',
      '            application/json:',
      '              schema:',
      "                $ref: '#/components/schemas/Missing'",
      '',
    ].join('\n');
    const s = source(join(DIR, 'inline.yaml'), text);
    const err = refusal(() => s.match('GET', '', path('/a')));
    expect(err.diagnostics[0]).toMatchObject({
      line: 12,
      message: '$ref "#/components/schemas/Missing" points at nothing',
    });
  });

  it('a $ref to a missing file names the reference', () => {
    const text = [
      'openapi: 3.0.0',
      'info: {title: t, version: "1"}',
      'paths:',
      '  /a:',
      '    post:',
      '      requestBody:',
      '        content:',
      '          application/json:',
      "            schema: {$ref: 'gone.yaml#/X'}",
      '      responses: {}',
      '',
    ].join('\n');
    const s = source(join(DIR, 'inline.yaml'), text);
    const err = refusal(() => s.match('POST', '', path('/a')));
    expect(err.diagnostics[0]!.message).toMatch(/^\$ref "gone.yaml#\/X": .*gone.yaml no such file$/);
    expect(err.diagnostics[0]!.line).toBe(9);
  });
});

describe('path helpers', () => {
  it('shape and basePath', () => {
    expect(shape('/a/{x}/b/{{ y }}/')).toBe('/a/{}/b/{}');
    expect(shape('a/{x}:approve')).toBe('/a/{}:approve');
    expect(basePath('https://api.example.com')).toBe('');
    expect(basePath('https://api.example.com/v1/')).toBe('/v1');
    expect(basePath('{{BASE}}')).toBe('');
  });
});
