// The Scaleway images fake over real HTTP: its request log, reset() and the fault switches.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../support/fake-calls.js';
import { callOn, createOn, read, SNAP_1 } from '../support/fake-calls.js';
import { FAKE_API_KEY, type FakeScaleway, startFakeScaleway } from './scaleway.js';

describe('fake Scaleway images API', () => {
  let fake: FakeScaleway;
  const call = (path: string, c?: Call) => callOn(fake, path, c);
  const create = (body?: Record<string, unknown>, zone?: string) => createOn(fake, body, zone);

  beforeAll(async () => {
    fake = await startFakeScaleway();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  describe('request log and reset', () => {
    it('records method, path, raw and parsed query, lower-cased headers and body', async () => {
      await call('/images', { method: 'POST', body: '{"name": "logged"}' });
      await call('/images?name=a%20b&tags=x,y&tags=z');
      expect(fake.requests).toHaveLength(2);
      const [post, list] = fake.requests;
      expect(post).toMatchObject({
        method: 'POST',
        path: '/instance/v1/zones/fr-par-1/images',
        query: { raw: '', entries: [] },
        body: '{"name": "logged"}',
      });
      expect(post!.headers['x-auth-token']).toBe(FAKE_API_KEY);
      expect(post!.headers['content-type']).toBe('application/json');
      expect(list!.query).toEqual({
        raw: 'name=a%20b&tags=x,y&tags=z',
        entries: [
          ['name', 'a b'],
          ['tags', 'x,y'],
          ['tags', 'z'],
        ],
      });
      expect(list!.body).toBe('');
    });

    it('reset() empties images, the log and the faults', async () => {
      await create();
      fake.faults.serverError = true;
      fake.reset();
      expect(fake.images()).toEqual([]);
      expect(fake.requests).toEqual([]);
      expect(fake.faults.serverError).toBe(false);
      expect((await read(await call('/images'))).status).toBe(200);
    });

    it('images() returns copies that cannot alter the stored state', async () => {
      const image = await create({ name: 'original' });
      fake.images()[0]!.name = 'mutated';
      expect((await read(await call(`/images/${image.id}`))).json.image.name).toBe('original');
    });
  });

  describe('faults', () => {
    it('latencyMs delays answers; { ms, times } only the next n', async () => {
      fake.faults.latencyMs = 400;
      let started = performance.now();
      expect((await read(await call('/images'))).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(380);

      fake.faults.latencyMs = { ms: 400, times: 1 };
      started = performance.now();
      await read(await call('/images'));
      const delayed = performance.now() - started;
      expect(delayed).toBeGreaterThanOrEqual(380);
      expect(fake.faults.latencyMs).toBe(0);
      // The fault is used up: the next call is not delayed. Compared with the delayed call, not
      // with a fixed time, so a slow machine slows both.
      started = performance.now();
      await read(await call('/images'));
      expect(performance.now() - started).toBeLessThan(delayed);
    });

    it('rateLimit answers 429 with Retry-After and a too_many_requests body', async () => {
      fake.faults.rateLimit = { times: 1, retryAfterSeconds: 7 };
      const limited = await read(await call('/images'));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(limited.json).toEqual({
        help_message: 'rate limit exceeded, retry later',
        limit: { quota: 50, window_seconds: 1 },
        message: 'too many requests',
        reset_seconds: 7,
        type: 'too_many_requests',
      });
      expect(fake.faults.rateLimit).toBe(false);
      expect((await read(await call('/images'))).status).toBe(200);

      fake.faults.rateLimit = true;
      const always = await read(await call('/images'));
      expect(always.status).toBe(429);
      expect(always.headers.get('retry-after')).toBe('1');
    });

    it('serverError answers 500 internal error, counting down { times }', async () => {
      fake.faults.serverError = { times: 2 };
      for (let i = 0; i < 2; i++) {
        const { status, text } = await read(
          await call('/images', { method: 'POST', body: { root_volume: SNAP_1, arch: 'arm' } }),
        );
        expect(status).toBe(500);
        expect(text).toBe('{"message":"internal error"}');
      }
      expect(fake.images()).toEqual([]); // the faulted requests never reached the store
      expect((await read(await call('/images'))).status).toBe(200);
      expect(fake.requests).toHaveLength(3);
    });

    it('resetMidBody sends the head and part of the body, then breaks the connection', async () => {
      fake.faults.resetMidBody = { times: 1 };
      const res = await call('/images', {
        method: 'POST',
        body: { name: 'cut', root_volume: SNAP_1, arch: 'x86_64' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/json');
      await expect(res.text()).rejects.toThrow();
      // The request itself was processed: a client retrying blindly would create a duplicate.
      expect(fake.images().map((i) => i.name)).toEqual(['cut']);
      expect(fake.faults.resetMidBody).toBe(false);
      expect((await read(await call('/images'))).status).toBe(200);
    });

    it('resetMidBody on an empty-bodied answer (204) cuts inside the headers: fetch rejects', async () => {
      const image = await create();
      fake.faults.resetMidBody = true;
      await expect(call(`/images/${image.id}`, { method: 'DELETE' })).rejects.toThrow();
      fake.faults.resetMidBody = false;
      expect(fake.images()).toEqual([]);
    });

    it("hang never answers: the client's AbortSignal.timeout fires", async () => {
      fake.faults.hang = { times: 1 };
      const started = performance.now();
      const err = await call('/images', { signal: AbortSignal.timeout(250) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DOMException);
      expect((err as DOMException).name).toBe('TimeoutError');
      expect(performance.now() - started).toBeGreaterThanOrEqual(240);
      expect(fake.requests).toHaveLength(1); // it was received, just never answered
      expect((await read(await call('/images'))).status).toBe(200);
    });
  });
});
