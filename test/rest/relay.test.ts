// The generated REST adapter: every operation maps to one upstream request, relayed unchanged.
import { describe, expect, it } from 'vitest';
import {
  call,
  COLLECTION,
  IMAGE_ID,
  ITEM,
  KEY,
  recorder,
  UP_COLLECTION,
  UP_ITEM,
  useRestServer,
} from '../support/rest-server.js';

useRestServer();

describe('every REST operation maps to exactly one upstream request, relayed unchanged', () => {
  it('GET collection → listimages: query in spec order, coerced, headers and bytes relayed', async () => {
    const upstreamBody = '{ "images" : [ {"id":"a","name":"café ☕"} ],\n "total_count": 1 }';
    recorder.respond(() => ({
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-total-count': '1',
        link: `<${UP_COLLECTION}?page=2>; rel="next"`,
        'x-auth-token': KEY,
        'set-cookie': 'session=upstream-secret',
        'x-internal-debug': 'upstream-only',
      },
      body: upstreamBody,
    }));
    const res = await call(
      'GET',
      `${COLLECTION}?tags=a%2Cb&project=p%201&arch=x86_64&public=true&name=my%20image%26x%3D1&page=2&per_page=10&organization=org-1`,
    );
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('GET');
    expect(r.path).toBe(UP_COLLECTION);
    expect(r.url).toBe(
      `${UP_COLLECTION}?organization=org-1&per_page=10&page=2&name=my%20image%26x%3D1` +
        `&public=true&arch=x86_64&project=p%201&tags=a%2Cb`,
    );
    expect(r.query).toEqual([
      ['organization', 'org-1'],
      ['per_page', '10'],
      ['page', '2'],
      ['name', 'my image&x=1'],
      ['public', 'true'],
      ['arch', 'x86_64'],
      ['project', 'p 1'],
      ['tags', 'a,b'],
    ]);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.body).toBe('');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-total-count')).toBe('1');
    // The upstream's page link names this route (test/links.test.ts has the rules).
    expect(res.headers.get('link')).toBe(`<${COLLECTION}?page=2>; rel="next"`);
    expect(res.bytes.equals(Buffer.from(upstreamBody, 'utf8'))).toBe(true);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-internal-debug')).toBeNull();
    expect(res.headers.get('x-auth-token')).toBeNull();
  });

  it('GET collection without query: upstream gets no query string', async () => {
    const res = await call('GET', COLLECTION);
    expect(res.status).toBe(200);
    expect(recorder.last().url).toBe(UP_COLLECTION);
    expect(res.text).toBe('{"ok":true}');
  });

  it('POST collection → createimage: JSON body forwarded, 201 and Location relayed as our route', async () => {
    const sent = {
      name: 'img',
      root_volume: 'snap-1',
      arch: 'x86_64',
      tags: ['a'],
      extra: { n: 1.5, u: 'é' },
    };
    const upstreamBody = `{"image":{"id":"${IMAGE_ID}","name":"img"}}`;
    recorder.respond(() => ({
      status: 201,
      headers: { location: `${UP_COLLECTION}/${IMAGE_ID}` },
      body: upstreamBody,
    }));
    const res = await call('POST', COLLECTION, {
      body: JSON.stringify(sent, null, 2),
      headers: { 'content-type': 'application/json' },
    });
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('POST');
    expect(r.url).toBe(UP_COLLECTION);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(sent));

    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${COLLECTION}/${IMAGE_ID}`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe(upstreamBody);
  });

  it('PUT item → setimage: JSON body forwarded to /images/{id}', async () => {
    const sent = { name: 'renamed', public: false };
    const upstreamBody = `{"image":{"id":"${IMAGE_ID}","name":"renamed"}}`;
    recorder.respond(() => ({ status: 200, headers: { etag: '"v2"' }, body: upstreamBody }));
    const res = await call('PUT', ITEM, { json: sent });
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('PUT');
    expect(r.url).toBe(UP_ITEM);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(sent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBe('"v2"');
    expect(res.text).toBe(upstreamBody);
  });

  it('GET item → getimage: caching headers relayed', async () => {
    const upstreamBody = `{"image":{"id":"${IMAGE_ID}"}}`;
    recorder.respond(() => ({
      status: 200,
      headers: {
        etag: '"v1"',
        'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT',
        'cache-control': 'no-store',
        'x-request-id': 'req-123',
        'retry-after': '5',
      },
      body: upstreamBody,
    }));
    const res = await call('GET', ITEM);
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('GET');
    expect(r.url).toBe(UP_ITEM);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('last-modified')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.text).toBe(upstreamBody);
  });

  it('PATCH item → updateimage: JSON body forwarded', async () => {
    const sent = { tags: ['x', 'y'] };
    const upstreamBody = `{"image":{"id":"${IMAGE_ID}","tags":["x","y"]}}`;
    recorder.respond(() => ({ status: 200, body: upstreamBody }));
    const res = await call('PATCH', ITEM, { json: sent });
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('PATCH');
    expect(r.url).toBe(UP_ITEM);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(sent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe(upstreamBody);
  });

  it('DELETE item → deleteimage: 204 stays 204 with an empty body', async () => {
    recorder.respond(() => ({ status: 204, body: null }));
    const res = await call('DELETE', ITEM);
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('DELETE');
    expect(r.url).toBe(UP_ITEM);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.body).toBe('');
    expect(res.status).toBe(204);
    expect(res.bytes.length).toBe(0);
  });

  it('an upstream 404 passes through with the same status, content type and body', async () => {
    const upstreamBody =
      '{"message":"resource is not found","resource":"instance_image","resource_id":"x","type":"not_found"}';
    recorder.respond(() => ({ status: 404, body: upstreamBody }));
    const res = await call('GET', ITEM);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe(upstreamBody);
    expect(recorder.requests).toHaveLength(1);
  });

  it('an upstream 503 with a text body and Retry-After passes through unchanged', async () => {
    recorder.respond(() => ({
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' },
      body: 'maintenance, come back later',
    }));
    const res = await call('DELETE', ITEM);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.text).toBe('maintenance, come back later');
  });

  it('HEAD on the GET collection route calls the upstream with GET and relays headers without a body', async () => {
    recorder.respond(() => ({ status: 200, headers: { 'x-total-count': '7' }, body: '{"images":[]}' }));
    const res = await call('HEAD', `${COLLECTION}?per_page=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('7');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.bytes.length).toBe(0);
    expect(recorder.requests).toHaveLength(1);
    expect(recorder.last().method).toBe('GET');
    expect(recorder.last().url).toBe(`${UP_COLLECTION}?per_page=5`);
  });

  it('HEAD on the GET item route works too', async () => {
    recorder.respond(() => ({ status: 200, headers: { etag: '"h"' }, body: '{"image":{}}' }));
    const res = await call('HEAD', ITEM);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"h"');
    expect(res.bytes.length).toBe(0);
    expect(recorder.last().method).toBe('GET');
    expect(recorder.last().url).toBe(UP_ITEM);
  });
});
