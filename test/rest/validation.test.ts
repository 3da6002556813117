// The generated REST adapter: input it refuses before calling the upstream.
import { describe, expect, it } from 'vitest';
import {
  allowSet,
  call,
  COLLECTION,
  ITEM,
  proxyError,
  recorder,
  useRestServer,
} from '../support/rest-server.js';

useRestServer();

describe('input validation (upstream never called)', () => {
  it('per_page=abc → 400 naming per_page', async () => {
    const res = await call('GET', `${COLLECTION}?per_page=abc`);
    const body = proxyError(res, 400, 'bad_request');
    expect(body.parameter).toBe('per_page');
    expect(body.message).toContain('per_page');
    expect(recorder.requests).toHaveLength(0);
  });

  it('per_page=1.5 → 400 naming per_page (integer)', async () => {
    const res = await call('GET', `${COLLECTION}?per_page=1.5`);
    expect(proxyError(res, 400).parameter).toBe('per_page');
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['GET', `${COLLECTION}?per_page=5&foo=1`, undefined],
    ['GET', `${ITEM}?foo=1`, undefined],
    ['DELETE', `${ITEM}?foo=1`, undefined],
    ['POST', `${COLLECTION}?foo=1`, {}],
    ['PUT', `${ITEM}?foo=1`, {}],
    ['PATCH', `${ITEM}?foo=1`, {}],
  ])('%s %s: an unknown query parameter → 400 naming it', async (method, path, json) => {
    const res = await call(method, path, json === undefined ? {} : { json });
    const body = proxyError(res, 400, 'bad_request');
    expect(body.parameter).toBe('foo');
    expect(body.message).toContain('"foo"');
    expect(recorder.requests).toHaveLength(0);
  });

  it('a repeated scalar query parameter → 400 naming it, never silently picking one', async () => {
    const res = await call('GET', `${COLLECTION}?per_page=1&per_page=2`);
    expect(proxyError(res, 400, 'bad_request').parameter).toBe('per_page');
    const res2 = await call('GET', `${COLLECTION}?name=a&name=b`);
    expect(proxyError(res2, 400, 'bad_request').parameter).toBe('name');
    expect(recorder.requests).toHaveLength(0);
  });

  it('an unknown path → 404 JSON, without the query string in the message', async () => {
    const res = await call('GET', '/v1/instance/v1/zones/fr-par-1/servers?secret=s3cr3t-value');
    const body = proxyError(res, 404, 'not_found');
    expect(body.message).not.toContain('s3cr3t-value');
    expect(recorder.requests).toHaveLength(0);
    proxyError(await call('GET', '/'), 404, 'not_found');
    proxyError(await call('DELETE', '/v1/nothing/here'), 404, 'not_found');
  });

  it('POST on an item → 405 with Allow listing the item methods', async () => {
    const res = await call('POST', ITEM, { json: { name: 'x' } });
    proxyError(res, 405, 'method_not_allowed');
    expect(allowSet(res)).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']);
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([['PUT'], ['PATCH'], ['DELETE']])(
    '%s on the collection → 405 with Allow: GET, POST, HEAD',
    async (method) => {
      const res = await call(method, COLLECTION, method === 'DELETE' ? {} : { json: {} });
      proxyError(res, 405, 'method_not_allowed');
      expect(allowSet(res)).toEqual(['GET', 'HEAD', 'POST']);
      expect(recorder.requests).toHaveLength(0);
    },
  );

  it.each([
    [COLLECTION, ['GET', 'HEAD', 'POST']],
    [ITEM, ['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']],
  ])('OPTIONS %s → 405 with the Allow header', async (path, allow) => {
    const res = await call('OPTIONS', path);
    proxyError(res, 405, 'method_not_allowed');
    expect(allowSet(res)).toEqual(allow);
    expect(recorder.requests).toHaveLength(0);
  });

  it('a body over 1 MiB → 413', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(1_048_576) });
    const res = await call('POST', COLLECTION, {
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    proxyError(res, 413, 'payload_too_large');
    expect(recorder.requests).toHaveLength(0);
  });

  it('a body of exactly 1 MiB is accepted and forwarded unchanged', async () => {
    const prefix = '{"data":"';
    const suffix = '"}';
    const exact = prefix + 'x'.repeat(1_048_576 - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(exact)).toBe(1_048_576);
    const res = await call('PATCH', ITEM, { body: exact, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(recorder.requests).toHaveLength(1);
    expect(recorder.last().body).toBe(exact);
  });

  it.each([
    ['POST', COLLECTION],
    ['PUT', ITEM],
    ['PATCH', ITEM],
  ])('%s with invalid JSON → 400', async (method, path) => {
    const res = await call(method, path, {
      body: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    const body = proxyError(res, 400, 'bad_request');
    expect(body.message).toMatch(/JSON/);
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['POST', COLLECTION],
    ['PUT', ITEM],
    ['PATCH', ITEM],
  ])('%s without a body → 400', async (method, path) => {
    proxyError(await call(method, path), 400, 'bad_request');
    proxyError(
      await call(method, path, { body: '', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    );
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([['[1,2]'], ['"text"'], ['42'], ['null']])(
    'POST with a non-object JSON body %s → 400',
    async (text) => {
      const res = await call('POST', COLLECTION, {
        body: text,
        headers: { 'content-type': 'application/json' },
      });
      proxyError(res, 400, 'bad_request');
      expect(recorder.requests).toHaveLength(0);
    },
  );

  it('POST with an unsupported content type → 415', async () => {
    const res = await call('POST', COLLECTION, {
      body: '<image/>',
      headers: { 'content-type': 'application/xml' },
    });
    proxyError(res, 415, 'unsupported_media_type');
    expect(recorder.requests).toHaveLength(0);
  });

  it('POST with a text/plain body is refused (never forwarded as a string)', async () => {
    const res = await call('POST', COLLECTION, {
      body: '{"name":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect([400, 415]).toContain(res.status);
    proxyError(res, res.status);
    expect(recorder.requests).toHaveLength(0);
  });
});
