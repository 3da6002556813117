/**
 * The generated REST adapter (out/instance-images/rest.ts), started in-process through the
 * generated server entry, in front of a real recording upstream on 127.0.0.1. The HTTP client is
 * the global fetch, except where fetch itself would rewrite the request target (`%2E%2E`), where a
 * raw node:http request is used.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { unusedPort } from './support/ports.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { expectNoSecret } from './support/secrets.js';

const KEY = '0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70';
const ZONE = 'fr-par-1';
const IMAGE_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const COLLECTION = `/v1/instance/v1/zones/${ZONE}/images`;
const ITEM = `${COLLECTION}/${IMAGE_ID}`;
const UP_COLLECTION = `/instance/v1/zones/${ZONE}/images`;
const UP_ITEM = `${UP_COLLECTION}/${IMAGE_ID}`;
const OPENAPI = readFileSync(new URL('../out/instance-images/openapi.json', import.meta.url));

let recorder: Recorder;
let running: RunningServer;
let base: string;
const extraServers: RunningServer[] = [];
const extraRecorders: Recorder[] = [];

function envFor(upstream: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: upstream,
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

async function startExtra(upstream: string, extra: Record<string, string> = {}): Promise<string> {
  const server = await start({ env: envFor(upstream, extra) });
  extraServers.push(server);
  const url = server.urls['instance-images-rest'];
  if (url === undefined) throw new Error('no REST url');
  return url;
}

interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

/** Every answer of the proxy, checked for credential leaks after each test. */
const answers: Answer[] = [];

async function call(
  method: string,
  path: string,
  init: { body?: string | Buffer; json?: unknown; headers?: Record<string, string>; baseUrl?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | Buffer | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${init.baseUrl ?? base}${path}`, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const answer = { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
  expectNoSecret(`the answer to ${method} ${path}`, [[...res.headers], answer.text]);
  answers.push(answer);
  return answer;
}

/** A request whose target is sent exactly as written (fetch would resolve `%2E%2E` segments). */
function raw(method: string, path: string, baseUrl = base, json?: string): Promise<Answer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        const bytes = Buffer.concat(chunks);
        const answer = { status: res.statusCode ?? 0, headers, bytes, text: bytes.toString('utf8') };
        expectNoSecret(`the answer to ${method} ${path}`, [res.headers, answer.text]);
        answers.push(answer);
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(json);
  });
}

interface ProxyError {
  error: string;
  message: string;
  parameter?: string;
}

/** The proxy's own error: the status, a JSON ProxyError body, no stack, no secret. */
function proxyError(res: Answer, status: number, error?: string): ProxyError {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  const body = JSON.parse(res.text) as ProxyError;
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  if (error !== undefined) expect(body.error).toBe(error);
  expect(Object.keys(body).every((k) => ['error', 'message', 'parameter'].includes(k))).toBe(true);
  expect(res.text).not.toContain(KEY);
  expect(res.text).not.toMatch(/\bat .*\(.*:\d+:\d+\)|\n\s+at |node_modules|\.ts:\d+|stack/i);
  return body;
}

function allowSet(res: Answer): string[] {
  return (res.headers.get('allow') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .sort();
}

beforeAll(async () => {
  recorder = await startRecorder();
  running = await start({ env: envFor(recorder.url) });
  const url = running.urls['instance-images-rest'];
  if (url === undefined) throw new Error('no REST url');
  base = url;
});

afterAll(async () => {
  await running.close();
  await recorder.close();
});

beforeEach(() => {
  recorder.requests.length = 0;
  recorder.respond(() => ({ status: 200, body: { ok: true } }));
  answers.length = 0;
});

afterEach(async () => {
  // No answer of any kind carries the credential header or the credential itself.
  for (const a of answers) {
    expect(a.headers.get('x-auth-token')).toBeNull();
    expect(a.text).not.toContain(KEY);
    for (const [, v] of a.headers) expect(v).not.toContain(KEY);
  }
  await Promise.all(extraServers.splice(0).map((s) => s.close()));
  await Promise.all(extraRecorders.splice(0).map((r) => r.close()));
});

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

describe('upstream failures', () => {
  it('a caller that goes away cancels the upstream call', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const upstream = createServer((req) => {
      received();
      // Never answers; resolves when the proxy gives up on this request.
      req.socket.once('close', () => upstreamClosed());
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const url = await startExtra(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
      const controller = new AbortController();
      const pending = fetch(`${url}${ITEM}`, { signal: controller.signal }).catch((e: unknown) => e);
      await arrived;
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      // The upstream request is cancelled: its connection closes (if it never did, the suite's
      // hang guard reports this test).
      await closed;
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it('an unreachable upstream → 502 JSON', async () => {
    const port = await unusedPort();
    const url = await startExtra(`http://127.0.0.1:${port}`);
    for (const [method, path, json] of [
      ['GET', `${COLLECTION}?name=secret-name`, undefined],
      ['POST', COLLECTION, { a: 1 }],
      ['DELETE', ITEM, undefined],
    ] as const) {
      const res = await call(method, path, { baseUrl: url, ...(json === undefined ? {} : { json }) });
      const body = proxyError(res, 502, 'upstream_unreachable');
      expect(body.message).not.toContain('secret-name');
    }
  });

  it('an upstream that resets the connection → 502 JSON', async () => {
    recorder.respond(() => 'reset');
    const res = await call('POST', COLLECTION, { json: { a: 1 } });
    proxyError(res, 502, 'upstream_unreachable');
    expect(recorder.requests).toHaveLength(1);
  });

  it('an upstream that never answers → 504 after INSTANCE_IMAGES_TIMEOUT_MS', async () => {
    const slow = await startRecorder();
    extraRecorders.push(slow);
    slow.respond(() => 'hang');
    const url = await startExtra(slow.url, { INSTANCE_IMAGES_TIMEOUT_MS: '300' });
    const started = performance.now();
    const res = await call('GET', `${ITEM}`, { baseUrl: url });
    const elapsed = performance.now() - started;
    proxyError(res, 504, 'upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    // Bounded by the built-in default (30 s), which would apply if the variable were ignored.
    expect(elapsed).toBeLessThan(30_000);
    expect(slow.requests).toHaveLength(1);
    expect(slow.last().url).toBe(UP_ITEM);
  });
});

describe('the server itself', () => {
  it('GET /openapi.json returns the committed openapi.json, its servers the address it listens on', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    // Since /healthz (5edaae5), servers names the real listen address, not the spec's port.
    const committed = JSON.parse(OPENAPI.toString('utf8')) as Record<string, unknown>;
    expect(JSON.parse(res.bytes.toString('utf8'))).toEqual({
      ...committed,
      servers: [{ url: base, description: 'This server' }],
    });
    expect(recorder.requests).toHaveLength(0);
  });

  it('a missing SCALEWAY_API_KEY stops start-up with an error naming it', async () => {
    let err: unknown;
    try {
      const s = await start({ env: { ...envFor(recorder.url), SCALEWAY_API_KEY: '' } });
      extraServers.push(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('SCALEWAY_API_KEY');
  });

  it('request logs name the path but never the query string or the key', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    // start() applies the env's LOG_LEVEL, and the other servers here run silent: one that logs.
    const baseUrl = await startExtra(recorder.url, { LOG_LEVEL: 'info' });
    try {
      await call('GET', `${COLLECTION}?name=query-secret-value`, { baseUrl });
      await call('GET', `${COLLECTION}?per_page=abc&name=query-secret-value`, { baseUrl });
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.stdout.write = write;
      setLogLevel('silent');
    }
    const logged = lines.join('');
    expect(logged).toContain(COLLECTION);
    expect(logged).not.toContain('query-secret-value');
    expect(logged).not.toContain(KEY);
  });
});
