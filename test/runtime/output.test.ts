// runtime/output.ts: JSONPath segments and output shapes applied to upstream bodies.
import { describe, expect, it } from 'vitest';
import { mapOutput, type OutputShape, select } from '../../runtime/output.js';

const body = {
  total: 2,
  images: [
    { id: 'a', name: 'one', tags: ['x', 'y'], arch: { name: 'x86' } },
    { id: 'b', tags: [] },
  ],
  meta: null,
};

describe('select', () => {
  it.each([
    [[], body],
    [['total'], 2],
    [['images', 0, 'id'], 'a'],
    [['images', 1, 'id'], 'b'],
    [['images', 0, 'arch', 'name'], 'x86'],
    [['meta'], null],
  ] as const)('%j finds one value', (path, expected) => {
    expect(select(body, [...path])).toEqual(expected);
  });

  it.each([
    [['nope']],
    [['images', 5, 'id']],
    [['images', 1, 'name']],
    [['total', 'deeper']],
    [['meta', 'x']],
  ] as const)('%j finds nothing: null', (path) => {
    expect(select(body, [...path])).toBeNull();
  });

  it('[*] collects every item, leaving out items that miss the rest of the path', () => {
    expect(select(body, ['images', null, 'id'])).toEqual(['a', 'b']);
    expect(select(body, ['images', null, 'name'])).toEqual(['one']);
    expect(select(body, ['images', null])).toEqual(body.images);
  });

  it('[*] twice flattens', () => {
    expect(select(body, ['images', null, 'tags', null])).toEqual(['x', 'y']);
  });

  it('[*] over a value that is there but not an array is an empty list; over a missing one, null', () => {
    expect(select(body, ['total', null])).toEqual([]);
    expect(select(body, ['images', 0, 'id', null])).toEqual([]);
    expect(select(body, ['missing', null, 'id'])).toBeNull();
  });

  it('[*] over an object takes its values, as Jayway JsonPath does (snowflake/compute-and-services.yaml:300-302)', () => {
    // `outputParameters: [{name: warehouses, type: array, mapping: $[*]}]` over an object answer.
    expect(select({ a: 1, b: { c: 2 } }, [null])).toEqual([1, { c: 2 }]);
    expect(select(body, ['images', 0, 'arch', null])).toEqual(['x86']);
  });

  it('reads scalars and arrays at the root', () => {
    expect(select([10, 20], [1])).toBe(20);
    expect(select('text', ['a'])).toBeNull();
    expect(select(null, [])).toBeNull();
  });
});

describe('mapOutput', () => {
  it('builds objects of values and constants', () => {
    const shape: OutputShape = {
      kind: 'object',
      properties: [
        ['count', { kind: 'value', path: ['total'] }],
        ['source', { kind: 'const', value: 'scaleway' }],
        ['first', { kind: 'value', path: ['images', 0, 'name'] }],
        ['missing', { kind: 'value', path: ['nope'] }],
      ],
    };
    expect(mapOutput(shape, body)).toEqual({ count: 2, source: 'scaleway', first: 'one', missing: null });
  });

  it('maps each item of an array, missing fields as null', () => {
    const shape: OutputShape = {
      kind: 'array',
      path: ['images'],
      items: {
        kind: 'object',
        properties: [
          ['id', { kind: 'value', path: ['id'] }],
          ['label', { kind: 'value', path: ['name'] }],
        ],
      },
    };
    expect(mapOutput(shape, body)).toEqual([
      { id: 'a', label: 'one' },
      { id: 'b', label: null },
    ]);
  });

  it('an array without item shape passes the list through; [*] paths give arrays too', () => {
    expect(mapOutput({ kind: 'array', path: ['images', null, 'id'] }, body)).toEqual(['a', 'b']);
    expect(mapOutput({ kind: 'array', path: ['images', 0, 'tags'] }, body)).toEqual(['x', 'y']);
  });

  it('an array whose path finds no list is null', () => {
    expect(mapOutput({ kind: 'array', path: ['nope'] }, body)).toBeNull();
    expect(mapOutput({ kind: 'array', path: ['total'] }, body)).toBeNull();
  });

  it('an object with a path reads its properties from there; a missing base gives null fields', () => {
    const shape: OutputShape = {
      kind: 'object',
      path: ['images', 0, 'arch'],
      properties: [['arch', { kind: 'value', path: ['name'] }]],
    };
    expect(mapOutput(shape, body)).toEqual({ arch: 'x86' });
    expect(mapOutput({ ...shape, path: ['nope'] }, body)).toEqual({ arch: null });
  });

  it('a value of an empty path is the whole body', () => {
    expect(mapOutput({ kind: 'value', path: [] }, 'plain')).toBe('plain');
  });
});
