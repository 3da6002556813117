// runtime/convert.ts: value conversions between an exposed input's type and its parameter's.
import { describe, expect, it } from 'vitest';
import { asArray, asBoolean, asNumber, asObject, asString } from '../../runtime/convert.js';

describe('converters', () => {
  it.each([
    [undefined, undefined],
    [null, undefined],
    ['text', 'text'],
    [12, '12'],
    [false, 'false'],
    [{ a: 1 }, '{"a":1}'],
    [[1, 'b'], '[1,"b"]'],
  ])('asString(%j) is %j', (value, expected) => {
    expect(asString(value)).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['12', 12],
    ['-1.5', -1.5],
    [7, 7],
  ])('asNumber(%j) is %j', (value, expected) => {
    expect(asNumber(value)).toBe(expected);
  });

  it('asNumber of text that is not a number is NaN (the schema refuses it before)', () => {
    expect(asNumber('abc')).toBeNaN();
  });

  it.each([
    [undefined, undefined],
    [null, undefined],
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
    ['yes', false],
    [1, false],
  ])('asBoolean(%j) is %j', (value, expected) => {
    expect(asBoolean(value)).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    [null, undefined],
    ['null', undefined],
    [
      [1, 2],
      [1, 2],
    ],
    ['[1,"a"]', [1, 'a']],
    ['plain', ['plain']],
    ['5', [5]],
    [5, [5]],
    [{ a: 1 }, [{ a: 1 }]],
  ])('asArray(%j) is %j', (value, expected) => {
    expect(asArray(value)).toEqual(expected);
  });

  it.each([
    [undefined, undefined],
    [null, undefined],
    [{ a: 1 }, { a: 1 }],
    ['{"a":{"b":2}}', { a: { b: 2 } }],
    ['[1]', undefined],
    ['not json', undefined],
    [[{ a: 1 }], undefined],
    [3, undefined],
  ])('asObject(%j) is %j', (value, expected) => {
    expect(asObject(value)).toEqual(expected);
  });
});
