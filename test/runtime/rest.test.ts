// runtime/rest.ts through Fastify's app.inject(): validation messages, the proxy's own errors,
// relayed upstream answers, output mapping and inbound credentials.
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiResponse, RequestError, UpstreamError } from '../../runtime/http.js';
import { setLogLevel } from '../../runtime/log.js';
import { createRestApp, type RestRoute, route } from '../../runtime/rest.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new ApiResponse(
    status,
    { 'content-type': 'application/json', ...headers },
    Buffer.from(JSON.stringify(body)),
  );

let next: () => Promise<ApiResponse> = () => Promise.resolve(json(200, {}));
const seen: unknown[] = [];

const routes: RestRoute[] = [
  route({
    method: 'GET',
    url: '/zones/:zone/images/:image_id',
    schema: {
      params: {
        type: 'object',
        properties: { zone: { type: 'string' }, image_id: { type: 'string' } },
        required: ['zone', 'image_id'],
        additionalProperties: false,
      },
      querystring: {
        type: 'object',
        properties: { per_page: { type: 'integer' }, name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
    names: { image_id: 'image-id' },
    call: (request) => {
      seen.push(request.query);
      return next();
    },
  }),
  route({
    method: 'POST',
    url: '/items',
    schema: {
      querystring: { type: 'object', properties: {}, additionalProperties: false },
      body: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
    body: true,
    output: { kind: 'object', properties: [['id', { kind: 'value', path: ['item', 'id'] }]] },
    call: (request) => {
      seen.push(request.body);
      return next();
    },
  }),
  route({
    method: 'DELETE',
    url: '/items',
    schema: { querystring: { type: 'object', properties: {}, additionalProperties: false } },
    call: () => next(),
  }),
];

const app = createRestApp(routes, {
  name: 'test',
  bodyLimit: 64,
  openapi: Buffer.from('{"openapi":"3.1.0"}'),
});
const keyed = createRestApp(routes.slice(0, 1), {
  name: 'keyed',
  bodyLimit: 64,
  openapi: Buffer.from('{}'),
  auth: { kind: 'apikey', name: 'key', placement: 'query', value: 'SECRET' },
});

beforeAll(() => setLogLevel('silent'));
afterAll(async () => {
  setLogLevel(undefined);
  await app.close();
  await keyed.close();
});

const IMAGE = '/zones/fr-par-1/images/abc';

describe('the REST error handler', () => {
  it.each([
    [`${IMAGE}`, 'missing required query parameter "name"', 'name'],
    [`${IMAGE}?name=x&per_page=many`, 'query parameter "per_page" must be integer', 'per_page'],
    [`${IMAGE}?name=x&extra=1`, 'unknown query parameter "extra"', 'extra'],
  ])('GET %s: 400 %s', async (url, message, parameter) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: 'bad_request', message, parameter });
  });

  it('a RequestError from the call is a 400 with the published parameter name', async () => {
    next = () => Promise.reject(new RequestError('path parameter "image_id" must not be ".."', 'image_id'));
    const res = await app.inject({ method: 'GET', url: `${IMAGE}?name=x` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'bad_request',
      message: 'path parameter "image-id" must not be ".."',
      parameter: 'image-id',
    });
  });

  it.each([
    [new UpstreamError('GET /x: too slow', 'timeout'), 504, 'upstream_timeout'],
    [new UpstreamError('GET /x: unreachable', 'unreachable'), 502, 'upstream_unreachable'],
    [new UpstreamError('GET /x: cancelled', 'aborted'), 499, 'cancelled'],
  ])('%s is %i %s', async (error, status, code) => {
    next = () => Promise.reject(error);
    const res = await app.inject({ method: 'GET', url: `${IMAGE}?name=x` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: code, message: error.message });
  });

  it('any other error is a 500 that shows nothing of it', async () => {
    next = () => Promise.reject(new Error('token SECRET leaked'));
    const res = await app.inject({ method: 'GET', url: `${IMAGE}?name=x` });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal error' });
  });

  it('body errors: invalid JSON, missing property, unknown property, too large, not JSON', async () => {
    const post = (payload: string, type = 'application/json') =>
      app.inject({ method: 'POST', url: '/items', payload, headers: { 'content-type': type } });
    expect((await post('{')).json()).toEqual({
      error: 'bad_request',
      message: 'the request body is not valid JSON',
    });
    expect((await post('{}')).json()).toEqual({
      error: 'bad_request',
      message: 'missing required request body "name"',
      parameter: 'name',
    });
    expect((await post('{"name":"a","x":1}')).json()).toEqual({
      error: 'bad_request',
      message: 'unknown property "x" in the request body',
      parameter: 'x',
    });
    const large = await post(JSON.stringify({ name: 'x'.repeat(100) }));
    expect([large.statusCode, large.json().error]).toEqual([413, 'payload_too_large']);
    const xml = await post('<name>a</name>', 'application/xml');
    expect([xml.statusCode, xml.json().error]).toEqual([415, 'unsupported_media_type']);
  });

  it('a non-JSON body on a route without body inputs is ignored, not forwarded', async () => {
    next = () => Promise.resolve(new ApiResponse(204, {}, Buffer.alloc(0)));
    const res = await app.inject({
      method: 'DELETE',
      url: '/items',
      payload: 'x',
      headers: { 'content-type': 'application/xml' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('unknown routes are 404 without the query; other methods are 405 with Allow', async () => {
    const missing = await app.inject({ method: 'GET', url: '/nope?key=SECRET' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'no route for GET /nope' });
    const wrong = await app.inject({ method: 'PUT', url: '/items' });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('POST, DELETE');
    expect(wrong.json().message).toBe('PUT is not allowed here; use POST, DELETE');
    const get = await app.inject({ method: 'PATCH', url: IMAGE });
    expect(get.headers.allow).toBe('GET, HEAD');
  });
});

describe('relaying the upstream answer', () => {
  it('passes status, body and the listed headers only', async () => {
    next = () =>
      Promise.resolve(
        json(200, { images: [] }, { 'x-total-count': '7', link: '<a>', 'set-cookie': 'a=b', server: 'up' }),
      );
    const res = await app.inject({ method: 'GET', url: `${IMAGE}?name=x&per_page=5` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ images: [] });
    expect(res.headers['x-total-count']).toBe('7');
    expect(res.headers.link).toBe('<a>');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers.server).toBeUndefined();
    expect(seen.at(-1)).toEqual({ name: 'x', per_page: 5 });
  });

  it('maps a successful body with the output shape, and passes an error body unchanged', async () => {
    next = () => Promise.resolve(json(201, { item: { id: 42, secret: 's' } }));
    const ok = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } });
    expect([ok.statusCode, ok.json()]).toEqual([201, { id: 42 }]);
    expect(seen.at(-1)).toEqual({ name: 'a' });
    next = () => Promise.resolve(json(409, { message: 'exists' }));
    const failed = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } });
    expect([failed.statusCode, failed.json()]).toEqual([409, { message: 'exists' }]);
  });

  it('serves the OpenAPI document, its servers the address the caller used when none is bound', async () => {
    // inject() binds no socket: the Host is all there is to go by. A proxy's name must be allowed.
    const proxied = createRestApp(routes, {
      name: 'proxied',
      bodyLimit: 64,
      openapi: Buffer.from('{"openapi":"3.1.0"}'),
      allowedHosts: ['proxy.test'],
    });
    const res = await proxied.inject({
      method: 'GET',
      url: '/openapi.json',
      headers: { host: 'proxy.test:8443' },
    });
    expect(res.json()).toEqual({
      openapi: '3.1.0',
      servers: [{ url: 'http://proxy.test:8443', description: 'This server' }],
    });
  });
});

describe('inbound credentials', () => {
  it('refuses a missing or wrong key with 401 and a challenge, and hides a good key from the inputs', async () => {
    next = () => Promise.resolve(json(200, {}));
    const none = await keyed.inject({ method: 'GET', url: `${IMAGE}?name=x` });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('ApiKey key');
    expect(none.json()).toEqual({ error: 'unauthorized', message: 'missing or invalid credentials' });
    expect((await keyed.inject({ method: 'GET', url: `${IMAGE}?name=x&key=nope` })).statusCode).toBe(401);
    const good = await keyed.inject({ method: 'GET', url: `${IMAGE}?name=x&key=SECRET` });
    expect(good.statusCode).toBe(200);
    expect(seen.at(-1)).toEqual({ name: 'x' });
  });
});
