// runtime/auth.ts: the Basic header of outbound calls and the inbound credential checks.
import { describe, expect, it } from 'vitest';
import { authorized, basicAuth, challenge, type InboundAuth } from '../../runtime/auth.js';

describe('basicAuth', () => {
  it('is base64 of user:password', () => {
    expect(basicAuth('user', 'pa:ss')).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    expect(basicAuth('Aladdin', 'open sesame')).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });
});

describe('authorized', () => {
  const bearer: InboundAuth = { kind: 'bearer', token: 'tok' };
  const basic: InboundAuth = { kind: 'basic', username: 'u', password: 'p' };
  const header: InboundAuth = { kind: 'apikey', name: 'X-Key', placement: 'header', value: 'k1' };
  const query: InboundAuth = { kind: 'apikey', name: 'key', placement: 'query', value: 'k2' };

  it.each([
    [bearer, { authorization: 'Bearer tok' }, '/', true],
    [bearer, { authorization: 'bearer tok ' }, '/', true],
    [bearer, { authorization: 'Bearer tok2' }, '/', false],
    [bearer, { authorization: 'tok' }, '/', false],
    [bearer, {}, '/', false],
    [basic, { authorization: basicAuth('u', 'p') }, '/', true],
    [basic, { authorization: basicAuth('u', 'x') }, '/', false],
    [header, { 'x-key': 'k1' }, '/', true],
    [header, { 'x-key': 'k2' }, '/', false],
    [header, {}, '/?X-Key=k1', false],
    [query, {}, '/mcp?key=k2', true],
    [query, {}, '/mcp?key=k1', false],
    [query, { key: 'k2' }, '/mcp', false],
  ] as const)('%j with %j at %s: %s', (auth, headers, url, ok) => {
    expect(authorized(auth, headers, url)).toBe(ok);
  });

  it('challenges name the scheme', () => {
    expect([bearer, basic, header].map(challenge)).toEqual([
      'Bearer',
      'Basic realm="capgen"',
      'ApiKey X-Key',
    ]);
  });
});
