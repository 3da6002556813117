// runtime/http.ts fillPath: a spec's path template filled with encoded segments.
import { describe, expect, it } from 'vitest';
import { fillPath, RequestError } from '../../runtime/http.js';

describe('fillPath', () => {
  it('replaces each name with its encoded value and keeps the text between', () => {
    expect(fillPath('/zones/{zone}/images/{image_id}', { zone: 'fr par', image_id: 'a/b' })).toBe(
      '/zones/fr%20par/images/a%2Fb',
    );
  });

  it('reads names that are not identifiers, and numbers', () => {
    expect(fillPath('/pets/{pet-id}.json', { 'pet-id': 7 })).toBe('/pets/7.json');
  });

  it('leaves a template without names as it is', () => {
    expect(fillPath('/health', {})).toBe('/health');
  });

  it('refuses a missing value and a dot segment, naming the parameter', () => {
    const missing = { zone: undefined };
    expect(() => fillPath('/zones/{zone}', missing)).toThrow(RequestError);
    expect(() => fillPath('/zones/{zone}', missing)).toThrow('path parameter "zone" is required');
    expect(() => fillPath('/a/{id}', { id: '..' })).toThrow('path parameter "id" must not be ".."');
  });
});

describe('fillPath types', () => {
  it('make a value the template names required (checked by tsc -p .)', () => {
    const call = () =>
      // @ts-expect-error: the template names `zone`, the values do not
      fillPath('/zones/{zone}', { region: 'fr-par' });
    expect(call).toThrow('path parameter "zone" is required');
  });
});
