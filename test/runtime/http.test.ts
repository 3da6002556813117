// runtime/http.ts: path segments, query strings, body parsing and the checks HttpApi makes
// before anything is sent.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  ApiResponse,
  encodeQuery,
  HttpApi,
  parseBody,
  RequestError,
  segment,
  UpstreamError,
} from '../../runtime/http.js';

describe('segment', () => {
  it.each([
    ['abc', 'abc'],
    ['a b/c', 'a%20b%2Fc'],
    ['../../servers', '..%2F..%2Fservers'],
    ['fr-par-1', 'fr-par-1'],
    [12, '12'],
    [true, 'true'],
    [{ a: 1 }, '%7B%22a%22%3A1%7D'],
    ['é?#', '%C3%A9%3F%23'],
  ])('encodes %j as %s', (value, expected) => {
    expect(segment('id', value)).toBe(expected);
  });

  it.each([
    [undefined, 'path parameter "id" is required'],
    [null, 'path parameter "id" is required'],
    ['', 'path parameter "id" must not be empty'],
    ['.', 'path parameter "id" must not be "."'],
    ['..', 'path parameter "id" must not be ".."'],
  ])('refuses %j, naming the parameter', (value, message) => {
    let thrown: unknown;
    try {
      segment('id', value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RequestError);
    expect((thrown as RequestError).message).toBe(message);
    expect((thrown as RequestError).parameter).toBe('id');
  });
});

describe('encodeQuery', () => {
  it('leaves out undefined and null values, repeats array keys and encodes names and values', () => {
    expect(
      encodeQuery([
        ['a', 1],
        ['skip', undefined],
        ['none', null],
        ['c', [1, 2]],
        ['d e', 'x&y=z'],
        ['o', { k: 1 }],
        ['mixed', [null, 3, undefined]],
        ['flag', false],
        ['empty', ''],
      ]),
    ).toBe('a=1&c=1&c=2&d%20e=x%26y%3Dz&o=%7B%22k%22%3A1%7D&mixed=3&flag=false&empty=');
  });

  it('is empty for no pairs or only absent values', () => {
    expect(encodeQuery([])).toBe('');
    expect(encodeQuery([['a', undefined]])).toBe('');
    expect(encodeQuery([['a', []]])).toBe('');
  });
});

describe('parseBody and ApiResponse', () => {
  const buf = (s: string) => Buffer.from(s, 'utf8');
  it.each([
    ['', 'application/json', null],
    ['{"a":1}', 'application/json', { a: 1 }],
    ['{"a":1}', 'application/problem+json; charset=utf-8', { a: 1 }],
    ['{"a":1}', undefined, { a: 1 }],
    ['not json', 'application/json', 'not json'],
    ['{"a":1}', 'text/plain', '{"a":1}'],
    ['<x/>', 'application/xml', '<x/>'],
  ])('parses %j as %s into %j', (raw, type, expected) => {
    expect(parseBody(buf(raw), type)).toEqual(expected);
  });

  it('reads content type, ok and body', () => {
    const res = new ApiResponse(201, { 'content-type': ['application/json', 'x'] }, buf('[1]'));
    expect(res.contentType).toBe('application/json');
    expect(res.ok).toBe(true);
    expect(res.body).toEqual([1]);
    expect(res.body).toBe(res.body);
    expect(new ApiResponse(404, {}, buf('')).ok).toBe(false);
    expect(new ApiResponse(199, {}, buf('')).ok).toBe(false);
  });
});

describe('HttpApi', () => {
  it('refuses a base URL that is not http(s)', () => {
    expect(() => new HttpApi('not a url')).toThrow(new RequestError('invalid base URL "not a url"'));
    expect(() => new HttpApi('ftp://example.test/')).toThrow('base URL must be http or https, not ftp:');
  });

  it('trims the trailing slash of the base URL', async () => {
    const api = new HttpApi('http://127.0.0.1:9/api/v1//');
    expect(api.baseUrl).toBe('http://127.0.0.1:9/api/v1');
    expect(api.timeoutMs).toBe(30_000);
    await api.close();
  });

  it('refuses a header value with a line break before sending', async () => {
    const api = new HttpApi('http://127.0.0.1:9');
    const err = await api
      .send({ method: 'GET', path: '/', headers: { 'X-A': 'a\r\nB: c' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect([(err as RequestError).message, (err as RequestError).parameter]).toEqual([
      'header parameter "X-A" must not contain line breaks',
      'X-A',
    ]);
    await api.close();
  });

  it('a call cancelled before it starts is an aborted UpstreamError naming only method and path', async () => {
    const api = new HttpApi('http://127.0.0.1:9/base', { credentials: { query: [['key', 'SECRET']] } });
    const err = await api
      .send({ method: 'GET', path: '/x', query: [['q', 'v']] }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('aborted');
    expect((err as UpstreamError).message).toBe('GET /base/x: the call was cancelled');
    await api.close();
  });
});
