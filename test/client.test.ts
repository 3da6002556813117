/**
 * The generated typed client (out/instance-images/client.ts) against a real recording upstream on
 * 127.0.0.1: exact requests on the wire, responses as returned, and every failure mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInstanceImagesClient, type InstanceImagesClient } from '../out/instance-images/client.js';
import { RequestError, UpstreamError } from '../out/instance-images/runtime/http.js';
import { unusedPort } from './support/ports.js';
import { type Recorder, startRecorder } from './support/recorder.js';

const KEY = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const ZONE = 'fr-par-1';
const IMAGE_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

let recorder: Recorder;
let client: InstanceImagesClient;
const extraClients: InstanceImagesClient[] = [];

function makeClient(extra: Parameters<typeof createInstanceImagesClient>[0] = {}): InstanceImagesClient {
  const c = createInstanceImagesClient({
    env: { SCALEWAY_API_KEY: KEY, INSTANCE_IMAGES_BASE_URL: recorder.url },
    ...extra,
  });
  extraClients.push(c);
  return c;
}

/** Runs `fn`, expecting it to reject, and returns the rejection. */
async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function expectNoSecrets(err: unknown, ...secrets: string[]): void {
  expect(err).toBeInstanceOf(Error);
  const e = err as Error;
  for (const s of [KEY, ...secrets]) {
    expect(e.message).not.toContain(s);
    expect(String(e)).not.toContain(s);
  }
}

beforeAll(async () => {
  recorder = await startRecorder();
  client = createInstanceImagesClient({
    env: { SCALEWAY_API_KEY: KEY, INSTANCE_IMAGES_BASE_URL: recorder.url },
  });
});

afterAll(async () => {
  await client.close();
  await recorder.close();
});

beforeEach(() => {
  recorder.requests.length = 0;
  recorder.respond(() => ({ status: 200, body: { ok: true } }));
});

afterEach(async () => {
  await Promise.all(extraClients.splice(0).map((c) => c.close().catch(() => undefined)));
});

describe('each operation sends exactly the expected request', () => {
  it('listimages: GET with every query parameter, in spec order, encoded', async () => {
    const upstreamBody = '{"images":[{"id":"a"}],"total_count":1}';
    recorder.respond(() => ({
      status: 200,
      headers: { 'x-total-count': '1', link: '</images?page=2>; rel="next"' },
      body: upstreamBody,
    }));
    // Passed in an order different from the spec's: the wire order follows the spec.
    const res = await client.listimages({
      tags: 'a,b',
      project: 'proj 1',
      arch: 'x86_64',
      public: 'true',
      name: 'my image&x=1/é',
      page: '2',
      per_page: 50,
      organization: 'org-1',
      zone: ZONE,
    });
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('GET');
    expect(r.path).toBe(`/instance/v1/zones/${ZONE}/images`);
    expect(r.url).toBe(
      `/instance/v1/zones/${ZONE}/images?organization=org-1&per_page=50&page=2` +
        `&name=my%20image%26x%3D1%2F%C3%A9&public=true&arch=x86_64&project=proj%201&tags=a%2Cb`,
    );
    expect(r.query).toEqual([
      ['organization', 'org-1'],
      ['per_page', '50'],
      ['page', '2'],
      ['name', 'my image&x=1/é'],
      ['public', 'true'],
      ['arch', 'x86_64'],
      ['project', 'proj 1'],
      ['tags', 'a,b'],
    ]);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-total-count']).toBe('1');
    expect(res.headers['link']).toBe('</images?page=2>; rel="next"');
    expect(Buffer.isBuffer(res.raw)).toBe(true);
    expect(res.raw.toString('utf8')).toBe(upstreamBody);
    expect(res.body).toEqual({ images: [{ id: 'a' }], total_count: 1 });
  });

  it('listimages: undefined query parameters are left out entirely', async () => {
    await client.listimages({ zone: ZONE, per_page: 0, name: undefined, tags: '' });
    const r = recorder.last();
    // 0 and '' are values, not absences; undefined ones are omitted.
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images?per_page=0&tags=`);

    await client.listimages({ zone: ZONE });
    expect(recorder.last().url).toBe(`/instance/v1/zones/${ZONE}/images`);
    expect(recorder.last().query).toEqual([]);
  });

  it('createimage: POST with the JSON body', async () => {
    const body = { name: 'img', root_volume: 'snap-1', arch: 'x86_64', tags: ['a', 'b'], nested: { n: 1 } };
    recorder.respond(() => ({
      status: 201,
      headers: { location: `/instance/v1/zones/${ZONE}/images/${IMAGE_ID}` },
      body: { image: { id: IMAGE_ID, name: 'img' } },
    }));
    const res = await client.createimage({ zone: ZONE, body });
    expect(recorder.requests).toHaveLength(1);
    const r = recorder.last();
    expect(r.method).toBe('POST');
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images`);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(body));
    expect(JSON.parse(r.body)).toEqual(body);

    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
    expect(res.body).toEqual({ image: { id: IMAGE_ID, name: 'img' } });
  });

  it('setimage: PUT on /images/{id} with the JSON body', async () => {
    const body = { name: 'renamed', public: false };
    recorder.respond(() => ({ status: 200, body: { image: { id: IMAGE_ID, name: 'renamed' } } }));
    const res = await client.setimage({ zone: ZONE, id: IMAGE_ID, body });
    const r = recorder.last();
    expect(recorder.requests).toHaveLength(1);
    expect(r.method).toBe('PUT');
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual({ image: { id: IMAGE_ID, name: 'renamed' } });
  });

  it('getimage: GET on /images/{image_id}', async () => {
    recorder.respond(() => ({ status: 200, headers: { etag: '"v1"' }, body: { image: { id: IMAGE_ID } } }));
    const res = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    const r = recorder.last();
    expect(recorder.requests).toHaveLength(1);
    expect(r.method).toBe('GET');
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('"v1"');
    expect(res.body).toEqual({ image: { id: IMAGE_ID } });
  });

  it('updateimage: PATCH on /images/{image_id} with the JSON body', async () => {
    const body = { tags: ['x'], name: 'patched' };
    recorder.respond(() => ({ status: 200, body: { image: { id: IMAGE_ID, tags: ['x'] } } }));
    const res = await client.updateimage({ zone: ZONE, image_id: IMAGE_ID, body });
    const r = recorder.last();
    expect(recorder.requests).toHaveLength(1);
    expect(r.method).toBe('PATCH');
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ image: { id: IMAGE_ID, tags: ['x'] } });
  });

  it('deleteimage: DELETE on /images/{image_id}; a 204 gives body null and an empty raw', async () => {
    recorder.respond(() => ({ status: 204, body: null }));
    const res = await client.deleteimage({ zone: ZONE, image_id: IMAGE_ID });
    const r = recorder.last();
    expect(recorder.requests).toHaveLength(1);
    expect(r.method).toBe('DELETE');
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
    expect(r.headers['x-auth-token']).toBe(KEY);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');
    expect(res.status).toBe(204);
    expect(res.ok).toBe(true);
    expect(Buffer.isBuffer(res.raw)).toBe(true);
    expect(res.raw.length).toBe(0);
    expect(res.body).toBeNull();
  });
});

describe('responses', () => {
  it('an upstream error status is returned, not thrown, with its body', async () => {
    recorder.respond(() => ({ status: 404, body: { type: 'not_found', message: 'image not found' } }));
    const res = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(res.body).toEqual({ type: 'not_found', message: 'image not found' });
  });

  it('a non-JSON content type gives the body as text', async () => {
    recorder.respond(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '{"not":"parsed"}',
    }));
    const res = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(res.contentType).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('{"not":"parsed"}');
  });

  it('a +json content type is parsed; invalid JSON under a JSON type falls back to text', async () => {
    recorder.respond(() => ({
      status: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: '{"title":"bad"}',
    }));
    const problem = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(problem.body).toEqual({ title: 'bad' });

    recorder.respond(() => ({ status: 200, body: 'not json {' }));
    const broken = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(broken.status).toBe(200);
    expect(broken.body).toBe('not json {');
  });

  it('the body is parsed lazily from raw and cached', async () => {
    recorder.respond(() => ({ status: 200, body: '{"a":[1,2,3]}' }));
    const res = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(Buffer.isBuffer(res.raw)).toBe(true);
    expect(res.raw.equals(Buffer.from('{"a":[1,2,3]}'))).toBe(true);
    const first = res.body;
    expect(first).toEqual({ a: [1, 2, 3] });
    // Same object on a second read: parsed once, not on every access.
    expect(res.body).toBe(first);
  });
});

describe('path parameters', () => {
  it('a value with slashes and dots stays inside its segment', async () => {
    await client.getimage({ zone: ZONE, image_id: '../../servers' });
    const r = recorder.last();
    expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images/..%2F..%2Fservers`);
    expect(r.path).toBe(`/instance/v1/zones/${ZONE}/images/..%2F..%2Fservers`);

    await client.setimage({ zone: '../x', id: 'a/b?c#d', body: {} });
    expect(recorder.last().url).toBe('/instance/v1/zones/..%2Fx/images/a%2Fb%3Fc%23d');
    expect(recorder.requests).toHaveLength(2);
  });

  it.each([
    ['getimage image_id "."', () => client.getimage({ zone: ZONE, image_id: '.' }), 'image_id'],
    ['getimage image_id ".."', () => client.getimage({ zone: ZONE, image_id: '..' }), 'image_id'],
    ['listimages zone ".."', () => client.listimages({ zone: '..' }), 'zone'],
    ['createimage zone "."', () => client.createimage({ zone: '.', body: {} }), 'zone'],
    ['setimage id ".."', () => client.setimage({ zone: ZONE, id: '..', body: {} }), 'id'],
    [
      'updateimage image_id ".."',
      () => client.updateimage({ zone: ZONE, image_id: '..', body: {} }),
      'image_id',
    ],
    ['deleteimage image_id "."', () => client.deleteimage({ zone: ZONE, image_id: '.' }), 'image_id'],
    ['getimage image_id ""', () => client.getimage({ zone: ZONE, image_id: '' }), 'image_id'],
    ['listimages zone ""', () => client.listimages({ zone: '' }), 'zone'],
    ['deleteimage zone ""', () => client.deleteimage({ zone: '', image_id: IMAGE_ID }), 'zone'],
  ])('%s is refused with RequestError before anything is sent', async (_name, call, parameter) => {
    const err = await rejection(call);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).parameter).toBe(parameter);
    expect((err as Error).message).toContain(parameter);
    expect(recorder.requests).toHaveLength(0);
  });

  it('"..." and ".a" are ordinary values, not directory moves', async () => {
    await client.getimage({ zone: ZONE, image_id: '...' });
    expect(recorder.last().url).toBe(`/instance/v1/zones/${ZONE}/images/...`);
    await client.getimage({ zone: ZONE, image_id: '.a' });
    expect(recorder.last().url).toBe(`/instance/v1/zones/${ZONE}/images/.a`);
  });
});

describe('configuration', () => {
  it('INSTANCE_IMAGES_BASE_URL from env is used, and the baseUrl option overrides it', async () => {
    const other = await startRecorder();
    try {
      const viaEnv = makeClient({ env: { SCALEWAY_API_KEY: KEY, INSTANCE_IMAGES_BASE_URL: other.url } });
      expect(viaEnv.http.baseUrl).toBe(other.url);
      await viaEnv.getimage({ zone: ZONE, image_id: IMAGE_ID });
      expect(other.requests).toHaveLength(1);
      expect(recorder.requests).toHaveLength(0);

      const viaOption = makeClient({
        baseUrl: recorder.url,
        env: { SCALEWAY_API_KEY: KEY, INSTANCE_IMAGES_BASE_URL: other.url },
      });
      await viaOption.getimage({ zone: ZONE, image_id: IMAGE_ID });
      expect(recorder.requests).toHaveLength(1);
      expect(other.requests).toHaveLength(1);
      expect(recorder.last().url).toBe(`/instance/v1/zones/${ZONE}/images/${IMAGE_ID}`);
      expect(recorder.last().headers['x-auth-token']).toBe(KEY);
    } finally {
      await other.close();
    }
  });

  it('without env base URL, the spec base URL is the default', () => {
    const c = makeClient({ env: { SCALEWAY_API_KEY: KEY } });
    expect(c.http.baseUrl).toBe('https://api.scaleway.com');
  });

  it.each([['/prefix'], ['/prefix/'], ['/a/b']])(
    'a base URL with path %s is prepended to every path',
    async (prefix) => {
      const c = makeClient({ baseUrl: `${recorder.url}${prefix}` });
      const base = prefix.replace(/\/$/, '');
      await c.listimages({ zone: ZONE, per_page: 5 });
      expect(recorder.last().url).toBe(`${base}/instance/v1/zones/${ZONE}/images?per_page=5`);
      await c.createimage({ zone: ZONE, body: { name: 'x' } });
      expect(recorder.last().url).toBe(`${base}/instance/v1/zones/${ZONE}/images`);
      expect(recorder.last().body).toBe('{"name":"x"}');
    },
  );

  it.each([[undefined], ['']])(
    'SCALEWAY_API_KEY=%j is refused, naming the variable and showing no secret',
    (value) => {
      const secretUrl = 'http://user:hunter2-password@127.0.0.1:1';
      let err: unknown;
      try {
        createInstanceImagesClient({
          env: { SCALEWAY_API_KEY: value, INSTANCE_IMAGES_BASE_URL: secretUrl, OTHER_SECRET: KEY },
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('SCALEWAY_API_KEY');
      expectNoSecrets(err, 'hunter2-password', secretUrl);
    },
  );

  it('connections to the upstream are kept alive across calls', async () => {
    let connections = 0;
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const c = makeClient({ baseUrl: `http://127.0.0.1:${port}` });
      for (let i = 0; i < 20; i++) {
        const res = await c.getimage({ zone: ZONE, image_id: IMAGE_ID });
        expect(res.status).toBe(200);
        await c.createimage({ zone: ZONE, body: { i } });
      }
      // 40 sequential calls share one or two pooled sockets (undici's pool may open a second
      // socket while the first is still finishing its previous response), never one per call.
      expect(connections).toBeGreaterThanOrEqual(1);
      expect(connections).toBeLessThanOrEqual(2);
      await c.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('requests do not ask the upstream to close the connection', async () => {
    await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(recorder.requests).toHaveLength(2);
    for (const r of recorder.requests) expect(r.headers['connection']).not.toBe('close');
  });
});

describe('failures', () => {
  it('a hanging upstream times out after timeoutMs with UpstreamError kind "timeout"', async () => {
    recorder.respond(() => 'hang');
    const c = makeClient({ timeoutMs: 300 });
    const started = performance.now();
    const err = await rejection(() => c.listimages({ zone: ZONE, name: 'secret-query-value' }));
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
    // Not sooner than asked; no upper bound (a machine under load may be late), and without the
    // time limit the call would hang for the suite's hang guard to report.
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect((err as Error).message).toContain(`/instance/v1/zones/${ZONE}/images`);
    expectNoSecrets(err, 'secret-query-value', 'name=');
    // A timeout is not retried: the upstream may be working on it.
    expect(recorder.requests).toHaveLength(1);
  });

  it('INSTANCE_IMAGES_TIMEOUT_MS from env sets the default time limit', async () => {
    recorder.respond(() => 'hang');
    const c = makeClient({
      env: {
        SCALEWAY_API_KEY: KEY,
        INSTANCE_IMAGES_BASE_URL: recorder.url,
        INSTANCE_IMAGES_TIMEOUT_MS: '300',
      },
    });
    expect(c.http.timeoutMs).toBe(300);
    const started = performance.now();
    const err = await rejection(() => c.getimage({ zone: ZONE, image_id: IMAGE_ID }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
    // Bounded by the built-in default (30 s), which would apply if the variable were ignored.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('a per-call timeoutMs overrides the default', async () => {
    recorder.respond(() => 'hang');
    const c = makeClient({ timeoutMs: 60_000 });
    const started = performance.now();
    const err = await rejection(() => c.getimage({ zone: ZONE, image_id: IMAGE_ID }, { timeoutMs: 200 }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
    // Bounded by the client's own limit, which would apply if the per-call one were ignored.
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('a caller AbortSignal cancels the call with UpstreamError kind "aborted"', async () => {
    recorder.respond(() => 'hang');
    const c = makeClient({ timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(() =>
      c.getimage({ zone: ZONE, image_id: IMAGE_ID }, { signal: controller.signal }),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    // 'aborted', not 'timeout': the caller's signal ended it, not the 10 s limit.
    expect((err as UpstreamError).kind).toBe('aborted');
    expectNoSecrets(err);
    expect(recorder.requests).toHaveLength(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(() =>
      client.deleteimage({ zone: ZONE, image_id: IMAGE_ID }, { signal: controller.signal }),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('aborted');
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['AbortSignal.timeout(100)', () => AbortSignal.timeout(100)],
    [
      'controller.abort(new Error(reason))',
      () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(new Error('the caller gave up')), 100);
        return controller.signal;
      },
    ],
  ])('a caller signal aborted by %s is also reported as kind "aborted"', async (_name, makeSignal) => {
    recorder.respond(() => 'hang');
    const c = makeClient({ timeoutMs: 10_000 });
    const err = await rejection(() =>
      c.getimage({ zone: ZONE, image_id: IMAGE_ID }, { signal: makeSignal() }),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('aborted');
    // The signal may fire before the request reaches the upstream on a loaded machine; either
    // way an aborted call is never sent again.
    expect(recorder.requests.length).toBeLessThanOrEqual(1);
  });

  it('a connection reset on a GET is retried exactly once, then kind "unreachable"', async () => {
    recorder.respond(() => 'reset');
    const err = await rejection(() => client.listimages({ zone: ZONE, name: 'secret-query-value' }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('unreachable');
    expect(recorder.requests).toHaveLength(2);
    for (const r of recorder.requests)
      expect(r.url).toBe(`/instance/v1/zones/${ZONE}/images?name=secret-query-value`);
    expectNoSecrets(err, 'secret-query-value', 'name=');
  });

  it('a GET whose first attempt is reset succeeds on the retry', async () => {
    let n = 0;
    recorder.respond(() => (n++ === 0 ? 'reset' : { status: 200, body: { image: { id: IMAGE_ID } } }));
    const res = await client.getimage({ zone: ZONE, image_id: IMAGE_ID });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ image: { id: IMAGE_ID } });
    expect(recorder.requests).toHaveLength(2);
  });

  it.each([
    [
      'PUT setimage (idempotent): retried once, 2 attempts',
      () => client.setimage({ zone: ZONE, id: IMAGE_ID, body: { a: 1 } }),
      2,
    ],
    [
      'DELETE deleteimage (idempotent): retried once, 2 attempts',
      () => client.deleteimage({ zone: ZONE, image_id: IMAGE_ID }),
      2,
    ],
    ['POST createimage: not retried, 1 attempt', () => client.createimage({ zone: ZONE, body: { a: 1 } }), 1],
    [
      'PATCH updateimage: not retried, 1 attempt',
      () => client.updateimage({ zone: ZONE, image_id: IMAGE_ID, body: { a: 1 } }),
      1,
    ],
  ])('a connection reset on %s', async (_name, call, attempts) => {
    recorder.respond(() => 'reset');
    const err = await rejection(call);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('unreachable');
    expect(recorder.requests).toHaveLength(attempts);
    expectNoSecrets(err);
  });

  it('an unreachable port gives kind "unreachable" without leaking the key or query', async () => {
    const port = await unusedPort();
    const c = makeClient({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await rejection(() => c.listimages({ zone: ZONE, project: 'secret-project-id' }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('unreachable');
    expect((err as Error).message).toContain('GET');
    expectNoSecrets(err, 'secret-project-id', 'project=');
  });

  it('a base URL that is not http(s) is refused', () => {
    expect(() => makeClient({ baseUrl: 'ftp://127.0.0.1/' })).toThrow(RequestError);
    expect(() => makeClient({ baseUrl: 'not a url' })).toThrow(RequestError);
  });
});

describe('what a client shows of itself', () => {
  it('console.log(client) and JSON.stringify(client) never show the key', () => {
    const c = makeClient();
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(JSON.stringify(c)).not.toContain(KEY);
    expect(Object.keys(c)).toEqual(['http']);
  });
});
