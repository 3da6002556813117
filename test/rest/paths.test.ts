// The generated REST adapter: path values stay in their segment; callers' credentials stay out.
import { describe, expect, it } from 'vitest';
import {
  base,
  call,
  COLLECTION,
  IMAGE_ID,
  ITEM,
  KEY,
  OPENAPI,
  proxyError,
  raw,
  recorder,
  UP_COLLECTION,
  useRestServer,
} from '../support/rest-server.js';

useRestServer();

describe('path values stay inside their segment', () => {
  it.each([
    ['GET', undefined],
    ['PUT', { name: 'x' }],
    ['PATCH', { name: 'x' }],
    ['DELETE', undefined],
  ])('%s item with "../../servers" as the id', async (method, json) => {
    const res = await call(method, `${COLLECTION}/..%2F..%2Fservers`, json === undefined ? {} : { json });
    expect(res.status).toBe(200);
    expect(recorder.requests).toHaveLength(1);
    expect(recorder.last().method).toBe(method);
    expect(recorder.last().url).toBe(`${UP_COLLECTION}/..%2F..%2Fservers`);
  });

  it('a zone with "/" and ".." stays in the zone segment', async () => {
    await call('GET', '/v1/instance/v1/zones/..%2F..%2Fx/images');
    expect(recorder.last().url).toBe('/instance/v1/zones/..%2F..%2Fx/images');
    await call('POST', '/v1/instance/v1/zones/a%2Fb/images', { json: {} });
    expect(recorder.last().url).toBe('/instance/v1/zones/a%2Fb/images');
    expect(recorder.requests).toHaveLength(2);
  });

  it.each([
    ['GET', '/v1/instance/v1/zones/%2E%2E/images'],
    ['GET', '/v1/instance/v1/zones/%2e/images'],
    ['POST', '/v1/instance/v1/zones/%2E%2E/images'],
    ['GET', `/v1/instance/v1/zones/%2E%2E/images/${IMAGE_ID}`],
    ['DELETE', `/v1/instance/v1/zones/%2e%2E/images/${IMAGE_ID}`],
  ])('%s %s: a zone of "." or ".." → 400 naming "zone", upstream not called', async (method, path) => {
    const res = await raw(method, path);
    // POST without a body is refused for the missing body or for the zone: either way 400.
    const body = proxyError(res, 400, 'bad_request');
    if (method !== 'POST') {
      expect(body.parameter).toBe('zone');
      expect(body.message).toContain('zone');
    }
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['GET', `${COLLECTION}/%2E%2E`],
    ['GET', `${COLLECTION}/%2E`],
    ['GET', `${COLLECTION}/..`],
    ['DELETE', `${COLLECTION}/%2E%2E`],
  ])('%s %s: an image id of "." or ".." → 400, upstream not called', async (method, path) => {
    const res = await raw(method, path);
    const body = proxyError(res, 400, 'bad_request');
    expect(body.parameter).toBeDefined();
    expect(body.message).toContain(`"${body.parameter}"`);
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['GET', `${COLLECTION}/%2E%2E`, ['image-id']],
    ['PATCH', `${COLLECTION}/%2E%2E`, ['image-id']],
    ['DELETE', `${COLLECTION}/%2E%2E`, ['image-id']],
    // The spec exposes PUT's segment as {id}; openapi.json documents the merged path as {image-id}.
    ['PUT', `${COLLECTION}/%2E%2E`, ['image-id', 'id']],
  ])(
    '%s %s: the 400 names the REST parameter (as documented in openapi.json)',
    async (method, path, names) => {
      const withBody = method === 'PUT' || method === 'PATCH';
      const res = await raw(method, path, base, withBody ? '{"name":"x"}' : undefined);
      const body = proxyError(res, 400, 'bad_request');
      expect(recorder.requests).toHaveLength(0);
      const documented = (
        JSON.parse(OPENAPI.toString('utf8')) as { paths: Record<string, { parameters: { name: string }[] }> }
      ).paths['/v1/instance/v1/zones/{zone}/images/{image-id}']!.parameters.map((p) => p.name);
      expect(documented).toEqual(['zone', 'image-id']);
      expect(names).toContain(body.parameter);
    },
  );

  it.each([
    ['GET', '/v1/instance/v1/zones//images', 'zone'],
    ['GET', `${COLLECTION}/`, 'image'],
    ['DELETE', `/v1/instance/v1/zones//images/${IMAGE_ID}`, 'zone'],
  ])('%s %s: an empty path value → 400, upstream not called', async (method, path, name) => {
    const body = proxyError(await raw(method, path), 400, 'bad_request');
    expect(body.parameter).toContain(name);
    expect(body.message).toContain('empty');
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('credentials', () => {
  it("the caller's own credential headers are never forwarded; the server's key is used", async () => {
    const res = await call('GET', ITEM, {
      headers: { 'x-auth-token': 'attacker-token', authorization: 'Bearer attacker', cookie: 'sid=attacker' },
    });
    expect(res.status).toBe(200);
    const r = recorder.last();
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['authorization']).toBeUndefined();
    expect(r.headers['cookie']).toBeUndefined();
    expect(JSON.stringify(r.headers)).not.toContain('attacker');
  });
});
