/**
 * Exercises the Scaleway images fake over real HTTP (global fetch), the way an end-to-end test or
 * a generated client would see it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FAKE_API_KEY,
  FAKE_ORGANIZATION_ID,
  FAKE_PROJECT_ID,
  FAKE_SNAPSHOTS,
  type FakeScaleway,
  startFakeScaleway,
  ZONES,
} from './fake/scaleway.js';
import { portIsFree } from './support/ports.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const API_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
const IMAGE_KEYS = [
  'id',
  'name',
  'organization',
  'project',
  'root_volume',
  'extra_volumes',
  'public',
  'arch',
  'creation_date',
  'modification_date',
  'default_bootscript',
  'from_server',
  'state',
  'tags',
  'zone',
];
const [SNAP_1, SNAP_2, SNAP_3] = FAKE_SNAPSHOTS as [string, string, string];
const MISSING_ID = '11111111-2222-4333-8444-555555555555';

interface Call {
  method?: string;
  body?: unknown;
  token?: string | null;
  zone?: string;
  signal?: AbortSignal;
}

/** Calls `/instance/v1/zones/{zone}{path}` on the given fake, authenticated unless `token: null`. */
function callOn(fake: FakeScaleway, path: string, call: Call = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = call.token === undefined ? FAKE_API_KEY : call.token;
  if (token !== null) headers['X-Auth-Token'] = token;
  let body: string | undefined;
  if (call.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  }
  return fetch(`${fake.url}/instance/v1/zones/${call.zone ?? 'fr-par-1'}${path}`, {
    method: call.method ?? 'GET',
    headers,
    body,
    signal: call.signal,
  });
}

/** The headers every answer must carry, whatever the status. */
function expectStandardHeaders(res: Response, bodyText: string): void {
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('x-request-id')).toMatch(UUID);
  expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(bodyText)));
}

/** Reads the body, checks the standard headers, and returns status + parsed JSON + raw text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, walked by path in assertions (a wrong path fails them)
async function read(res: Response): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const text = await res.text();
  expectStandardHeaders(res, text);
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text), text, headers: res.headers };
}

const notFoundBody = (id: string, resource = 'instance_image') =>
  `{"type": "not_found", "message": "resource is not found", "resource": "${resource}", "resource_id": "${id}"}`;

const invalidArgs = (details: { argument_name: string; reason: string; help_message: string }[]) => ({
  type: 'invalid_arguments',
  message: 'invalid argument(s)',
  details,
});

describe('fake Scaleway images API', () => {
  let fake: FakeScaleway;
  const call = (path: string, c?: Call) => callOn(fake, path, c);
  const create = async (body: Record<string, unknown> = {}, zone?: string) => {
    const res = await read(
      await call('/images', {
        method: 'POST',
        zone,
        body: { name: 'img', root_volume: SNAP_1, arch: 'x86_64', ...body },
      }),
    );
    expect(res.status).toBe(201);
    return res.json.image;
  };

  beforeAll(async () => {
    fake = await startFakeScaleway();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  describe('success paths', () => {
    it('POST creates an image: 201, Location, real field order and defaults', async () => {
      const res = await call('/images', {
        method: 'POST',
        body: { name: 'cli-img-zealous-wing', root_volume: SNAP_1, arch: 'x86_64' },
      });
      const { status, json, text, headers } = await read(res);
      expect(status).toBe(201);
      const image = json.image;
      expect(Object.keys(json)).toEqual(['image']);
      expect(Object.keys(image)).toEqual(IMAGE_KEYS);
      expect(image.id).toMatch(UUID);
      expect(headers.get('location')).toBe(
        `https://api.scaleway.com/instance/v1/zones/fr-par-1/images/${image.id}`,
      );
      expect(image).toMatchObject({
        name: 'cli-img-zealous-wing',
        organization: FAKE_ORGANIZATION_ID,
        project: FAKE_PROJECT_ID,
        root_volume: { id: SNAP_1, name: 'fake-snapshot-1', volume_type: 'l_ssd', size: 20_000_000_000 },
        extra_volumes: {},
        public: false,
        arch: 'x86_64',
        default_bootscript: null,
        from_server: '',
        state: 'available',
        tags: [],
        zone: 'fr-par-1',
      });
      expect(Object.keys(image.root_volume)).toEqual(['id', 'name', 'volume_type', 'size']);
      expect(image.creation_date).toMatch(API_DATE);
      expect(image.modification_date).toBe(image.creation_date);
      // The Instance backend writes JSON like Python's json.dumps (", " and ": " separators).
      expect(text.startsWith(`{"image": {"id": "${image.id}", "name": "cli-img-zealous-wing", `)).toBe(true);
      expect(fake.images()).toEqual([image]);
    });

    it('POST keeps optional fields: extra_volumes, tags, public, project', async () => {
      const project = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
      const image = await create({
        extra_volumes: { '1': { id: SNAP_2 }, '2': { id: SNAP_3 } },
        tags: ['a', 'b'],
        public: true,
        project,
      });
      expect(image.extra_volumes).toEqual({
        '1': { id: SNAP_2, name: 'fake-snapshot-2', volume_type: 'l_ssd', size: 20_000_000_000 },
        '2': { id: SNAP_3, name: 'fake-snapshot-3', volume_type: 'l_ssd', size: 20_000_000_000 },
      });
      expect(image.tags).toEqual(['a', 'b']);
      expect(image.public).toBe(true);
      expect(image.project).toBe(project);
      expect(image.organization).toBe(FAKE_ORGANIZATION_ID);
    });

    it('GET /images lists images with X-Total-Count and Link', async () => {
      const image = await create();
      const { status, json, headers } = await read(await call('/images'));
      expect(status).toBe(200);
      expect(json).toEqual({ images: [image] });
      expect(headers.get('x-total-count')).toBe('1');
      // No filters: the `&` after per_page still trails, as on the real API.
      expect(headers.get('link')).toBe('</images?page=1&per_page=50&>; rel="last"');
    });

    it('GET /images/{id} returns the stored image', async () => {
      const image = await create({ name: 'to-get' });
      const { status, json } = await read(await call(`/images/${image.id}`));
      expect(status).toBe(200);
      expect(json).toEqual({ image });
      expect(Object.keys(json.image)).toEqual(IMAGE_KEYS);
    });

    it('GET accepts an upper-case id', async () => {
      const image = await create();
      const { status, json } = await read(await call(`/images/${image.id.toUpperCase()}`));
      expect(status).toBe(200);
      expect(json.image.id).toBe(image.id);
    });

    it('PATCH changes only the sent fields and bumps modification_date', async () => {
      const image = await create({ tags: ['keep'], public: false });
      const { status, json } = await read(
        await call(`/images/${image.id}`, { method: 'PATCH', body: { name: 'renamed' } }),
      );
      expect(status).toBe(200);
      const updated = json.image;
      expect(updated.name).toBe('renamed');
      expect(updated.modification_date).toMatch(API_DATE);
      expect(updated.modification_date > image.modification_date).toBe(true);
      expect({ ...updated, name: image.name, modification_date: image.modification_date }).toEqual(image);
      // And it is persisted.
      expect((await read(await call(`/images/${image.id}`))).json.image).toEqual(updated);
    });

    it('PATCH updates arch, tags, public and extra_volumes together; null means unchanged', async () => {
      const image = await create({ name: 'multi', tags: ['x'] });
      const { json } = await read(
        await call(`/images/${image.id}`, {
          method: 'PATCH',
          body: {
            name: null,
            arch: 'arm64',
            tags: ['y', 'z'],
            public: true,
            extra_volumes: { '1': { id: SNAP_2 } },
          },
        }),
      );
      expect(json.image).toMatchObject({ name: 'multi', arch: 'arm64', tags: ['y', 'z'], public: true });
      expect(json.image.extra_volumes['1'].id).toBe(SNAP_2);
      const cleared = await read(await call(`/images/${image.id}`, { method: 'PATCH', body: { tags: [] } }));
      expect(cleared.json.image.tags).toEqual([]);
      expect(cleared.json.image.arch).toBe('arm64');
    });

    it('PUT replaces every mutable property and ignores read-only ones', async () => {
      const image = await create({
        tags: ['old'],
        public: true,
        arch: 'arm64',
        extra_volumes: { '1': { id: SNAP_2 } },
      });
      const { status, json } = await read(
        await call(`/images/${image.id}`, {
          method: 'PUT',
          body: {
            name: 'replaced',
            tags: ['new'],
            from_server: '',
            state: 'error',
            root_volume: { id: SNAP_3 },
          },
        }),
      );
      expect(status).toBe(200);
      expect(json.image).toMatchObject({
        id: image.id,
        name: 'replaced',
        tags: ['new'],
        public: false, // absent → default
        arch: 'unknown_arch', // absent → default
        extra_volumes: {}, // absent → default
        state: 'available', // read-only
        root_volume: image.root_volume, // read-only
        creation_date: image.creation_date,
      });
      expect(json.image.modification_date > image.modification_date).toBe(true);
    });

    it('DELETE answers 204 with an empty body and application/json, then the image is gone', async () => {
      const image = await create();
      const res = await call(`/images/${image.id}`, { method: 'DELETE' });
      const { status, text } = await read(res);
      expect(status).toBe(204);
      expect(text).toBe('');
      expect(res.headers.get('content-length')).toBe('0');
      expect(fake.images()).toEqual([]);
      expect((await read(await call(`/images/${image.id}`))).status).toBe(404);
    });

    it('keeps zones apart', async () => {
      const image = await create({}, 'nl-ams-1');
      expect((await read(await call('/images', { zone: 'nl-ams-1' }))).json.images).toHaveLength(1);
      expect((await read(await call('/images', { zone: 'fr-par-1' }))).json.images).toHaveLength(0);
      const elsewhere = await read(await call(`/images/${image.id}`, { zone: 'fr-par-1' }));
      expect(elsewhere.text).toBe(notFoundBody(image.id));
      expect(image.zone).toBe('nl-ams-1');
    });

    it('accepts all ten zones', async () => {
      expect(ZONES).toHaveLength(10);
      for (const zone of ZONES) {
        expect((await read(await call('/images', { zone }))).status).toBe(200);
      }
    });
  });

  describe('error paths', () => {
    it('unknown zone → 400 Unknown zone in path', async () => {
      for (const path of ['/images', `/images/${MISSING_ID}`]) {
        const { status, text } = await read(await call(path, { zone: 'fr-par-9' }));
        expect(status).toBe(400);
        expect(text).toBe('{"message":"Unknown zone in path"}');
      }
    });

    it('missing, empty or malformed X-Auth-Token → 401 reason invalid_argument', async () => {
      const expected =
        '{"message":"authentication is denied","method":"api_key","reason":"invalid_argument","type":"denied_authentication"}';
      for (const token of [null, '', 'not-a-uuid']) {
        const { status, text } = await read(await call('/images', { token }));
        expect(status).toBe(401);
        expect(text).toBe(expected);
      }
    });

    it('well-formed but unknown key → 401 reason not_found', async () => {
      const { status, text } = await read(await call('/images', { token: MISSING_ID }));
      expect(status).toBe(401);
      expect(text).toBe(
        '{"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"}',
      );
      expect(text.length).toBe(109); // the recorded Content-Length
    });

    it('non-UUID image id → 400 invalid_arguments (image_id, or id for PUT)', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE', 'PUT']) {
        const { status, json } = await read(
          await call('/images/foobar', {
            method,
            body: method === 'GET' || method === 'DELETE' ? undefined : { name: 'x' },
          }),
        );
        expect(status).toBe(400);
        expect(json).toEqual(
          invalidArgs([
            {
              argument_name: method === 'PUT' ? 'id' : 'image_id',
              reason: 'constraint',
              help_message: 'foobar is not a valid UUID.',
            },
          ]),
        );
      }
    });

    it('unknown image id → 404 not_found on GET, PATCH, PUT and DELETE', async () => {
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
        const res = await call(`/images/${MISSING_ID}`, {
          method,
          body: method === 'PATCH' || method === 'PUT' ? { name: 'x' } : undefined,
        });
        const { status, text } = await read(res);
        expect(status).toBe(404);
        expect(text).toBe(notFoundBody(MISSING_ID));
        expect(res.headers.get('content-length')).toBe('142'); // as recorded on the real API
      }
    });

    it('create without root_volume and arch → 400 naming both with reason required', async () => {
      const { status, json } = await read(await call('/images', { method: 'POST', body: { name: 'x' } }));
      expect(status).toBe(400);
      expect(json).toEqual(
        invalidArgs([
          { argument_name: 'root_volume', reason: 'required', help_message: 'cannot be empty' },
          { argument_name: 'arch', reason: 'required', help_message: 'cannot be empty' },
        ]),
      );
    });

    it('create with a bad arch or a non-UUID root_volume → 400 reason constraint', async () => {
      const badArch = await read(
        await call('/images', { method: 'POST', body: { root_volume: SNAP_1, arch: 'sparc' } }),
      );
      expect(badArch.status).toBe(400);
      expect(badArch.json).toEqual(
        invalidArgs([
          {
            argument_name: 'arch',
            reason: 'constraint',
            help_message: 'sparc is not a valid value, expected one of: unknown_arch, x86_64, arm, arm64',
          },
        ]),
      );
      const badRoot = await read(
        await call('/images', { method: 'POST', body: { root_volume: 'snap', arch: 'arm' } }),
      );
      expect(badRoot.json).toEqual(
        invalidArgs([
          { argument_name: 'root_volume', reason: 'constraint', help_message: 'snap is not a valid UUID.' },
        ]),
      );
      expect(fake.images()).toEqual([]);
    });

    it('create from an unknown snapshot → 404 not_found instance_snapshot', async () => {
      const root = await read(
        await call('/images', { method: 'POST', body: { root_volume: MISSING_ID, arch: 'x86_64' } }),
      );
      expect(root.status).toBe(404);
      expect(root.text).toBe(notFoundBody(MISSING_ID, 'instance_snapshot'));
      const extra = await read(
        await call('/images', {
          method: 'POST',
          body: { root_volume: SNAP_1, arch: 'x86_64', extra_volumes: { '1': { id: MISSING_ID } } },
        }),
      );
      expect(extra.status).toBe(404);
      expect(extra.json.resource).toBe('instance_snapshot');
      expect(fake.images()).toEqual([]);
    });

    it('wrongly typed body fields → 400 reason format', async () => {
      const image = await create();
      const { status, json } = await read(
        await call(`/images/${image.id}`, { method: 'PATCH', body: { name: 5, tags: 'a,b', public: 'yes' } }),
      );
      expect(status).toBe(400);
      expect(
        json.details.map((d: { argument_name: string; reason: string }) => [d.argument_name, d.reason]),
      ).toEqual([
        ['name', 'format'],
        ['tags', 'format'],
        ['public', 'format'],
      ]);
    });

    it('PUT without a name → 400 required', async () => {
      const image = await create();
      const { status, json } = await read(
        await call(`/images/${image.id}`, { method: 'PUT', body: { arch: 'arm' } }),
      );
      expect(status).toBe(400);
      expect(json).toEqual(
        invalidArgs([{ argument_name: 'name', reason: 'required', help_message: 'cannot be empty' }]),
      );
    });

    it('invalid JSON (or a non-object) body → 400 invalid_request_error', async () => {
      const image = await create();
      for (const [path, method, body] of [
        ['/images', 'POST', '{'],
        ['/images', 'POST', '[1]'],
        [`/images/${image.id}`, 'PATCH', 'not json'],
        [`/images/${image.id}`, 'PUT', ''],
      ] as const) {
        const { status, text } = await read(await call(path, { method, body }));
        expect(status).toBe(400);
        expect(text).toBe('{"message": "Invalid JSON body", "type": "invalid_request_error"}');
      }
    });

    it('unknown route → 404 JSON, wrong method → 405 JSON with Allow', async () => {
      const unknown = await read(await fetch(`${fake.url}/instance/v1/zones/fr-par-1/servers`));
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual({ message: 'route not found' });
      const trailing = await read(await call('/images/'));
      expect(trailing.status).toBe(404);

      const put = await read(await call('/images', { method: 'PUT', body: {} }));
      expect(put.status).toBe(405);
      expect(put.json).toEqual({ message: 'method not allowed' });
      expect(put.headers.get('allow')).toBe('GET, POST');
      const post = await read(await call(`/images/${MISSING_ID}`, { method: 'POST', body: {} }));
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, PUT, PATCH, DELETE');
    });

    it('list: per_page > 100, per_page 0, page < 1 and non-integers → 400 invalid_arguments', async () => {
      const cases: [string, string, string][] = [
        ['per_page=101', 'per_page', 'constraint'],
        ['per_page=0', 'per_page', 'constraint'],
        ['page=0', 'page', 'constraint'],
        ['page=-2', 'page', 'constraint'],
        ['page=abc', 'page', 'format'],
        ['public=maybe', 'public', 'format'],
        ['project=nope', 'project', 'constraint'],
      ];
      for (const [query, argument, reason] of cases) {
        const { status, json } = await read(await call(`/images?${query}`));
        expect(status).toBe(400);
        expect(json.type).toBe('invalid_arguments');
        expect(json.details).toHaveLength(1);
        expect(json.details[0]).toMatchObject({ argument_name: argument, reason });
      }
      expect((await read(await call('/images?per_page=100'))).status).toBe(200);
    });
  });

  describe('list filters', () => {
    it('name is a case-insensitive substring match, and the filter is echoed in Link', async () => {
      await create({ name: 'image_test-backup_2026-07-30_12-53' });
      await create({ name: 'other' });
      const { json, headers } = await read(await call('/images?name=TEST-backup'));
      expect(json.images.map((i: { name: string }) => i.name)).toEqual([
        'image_test-backup_2026-07-30_12-53',
      ]);
      expect(headers.get('x-total-count')).toBe('1');
      expect(headers.get('link')).toBe('</images?page=1&per_page=50&name=TEST-backup>; rel="last"');
    });

    it('tags: comma-separated, an image must carry all of them', async () => {
      await create({ name: 'ab', tags: ['a', 'b'] });
      await create({ name: 'a', tags: ['a'] });
      await create({ name: 'bc', tags: ['b', 'c'] });
      const names = async (q: string) =>
        (await read(await call(`/images?${q}`))).json.images.map((i: { name: string }) => i.name);
      expect(await names('tags=a')).toEqual(['ab', 'a']);
      expect(await names('tags=a,b')).toEqual(['ab']);
      expect(await names('tags=b,%20c')).toEqual(['bc']);
      expect(await names('tags=a,c')).toEqual([]);
    });

    it('public, arch, project and organization filters; unknown parameters are ignored', async () => {
      const project = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
      await create({ name: 'pub', public: true, arch: 'arm64' });
      await create({ name: 'priv', project });
      const names = async (q: string) =>
        (await read(await call(`/images?${q}`))).json.images.map((i: { name: string }) => i.name);
      expect(await names('public=false')).toEqual(['priv']);
      expect(await names('public=true')).toEqual(['pub']);
      expect(await names('arch=arm64')).toEqual(['pub']);
      expect(await names(`project=${project}`)).toEqual(['priv']);
      expect(await names(`organization=${FAKE_ORGANIZATION_ID}`)).toEqual(['pub', 'priv']);
      expect(await names('color=blue&public=false')).toEqual(['priv']);
      const { headers } = await read(await call('/images?color=blue&public=false'));
      expect(headers.get('link')).toBe('</images?page=1&per_page=50&public=false>; rel="last"');
    });
  });

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

describe('pagination over 120 seeded images', () => {
  let fake: FakeScaleway;
  const list = async (query: string) => {
    const res = await callOn(fake, `/images${query}`);
    const text = await res.text();
    expectStandardHeaders(res, text);
    expect(res.status).toBe(200);
    const images = JSON.parse(text).images as { id: string; name: string }[];
    return {
      names: images.map((i) => i.name),
      ids: images.map((i) => i.id),
      total: res.headers.get('x-total-count'),
      link: res.headers.get('link'),
    };
  };

  beforeAll(async () => {
    fake = await startFakeScaleway({ seedImages: 120 });
  });
  afterAll(() => fake.close());

  it('seeds are deterministic private images', async () => {
    const images = fake.images();
    expect(images).toHaveLength(120);
    expect(images[0]).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      name: 'seed-image-001',
      public: false,
      creation_date: '2025-01-01T00:00:00.000000+00:00',
    });
    expect(images[119]!.name).toBe('seed-image-120');
    expect(images[119]!.id).toBe('00000000-0000-4000-8000-000000000120');
  });

  it('first page uses per_page 50 by default', async () => {
    const page = await list('');
    expect(page.names).toHaveLength(50);
    expect(page.names[0]).toBe('seed-image-001');
    expect(page.total).toBe('120');
    expect(page.link).toBe(
      '</images?page=2&per_page=50&>; rel="next",</images?page=3&per_page=50&>; rel="last"',
    );
  });

  it('middle page: first, previous, next and last links', async () => {
    const page = await list('?page=2&per_page=50&public=false');
    expect(page.names).toHaveLength(50);
    expect(page.names[0]).toBe('seed-image-051');
    expect(page.names[49]).toBe('seed-image-100');
    expect(page.total).toBe('120');
    expect(page.link).toBe(
      [
        '</images?page=1&per_page=50&public=false>; rel="first"',
        '</images?page=1&per_page=50&public=false>; rel="previous"',
        '</images?page=3&per_page=50&public=false>; rel="next"',
        '</images?page=3&per_page=50&public=false>; rel="last"',
      ].join(','),
    );
  });

  it('last page holds the remainder; past the end is empty', async () => {
    const last = await list('?page=3');
    expect(last.names).toEqual(Array.from({ length: 20 }, (_, i) => `seed-image-${101 + i}`));
    expect(last.link).toBe(
      '</images?page=1&per_page=50&>; rel="first",</images?page=2&per_page=50&>; rel="previous",</images?page=3&per_page=50&>; rel="last"',
    );
    const beyond = await list('?page=9');
    expect(beyond.names).toEqual([]);
    expect(beyond.total).toBe('120');
    expect(beyond.link).toContain('</images?page=3&per_page=50&>; rel="previous"');
  });

  it('walking every page with per_page 7 visits each image once', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const { ids, total } = await list(`?per_page=7&page=${page}`);
      expect(total).toBe('120');
      if (ids.length === 0) break;
      seen.push(...ids);
    }
    expect(seen).toEqual(fake.images().map((i) => i.id));
  });

  it('an empty result has X-Total-Count 0 and a page=0 last link', async () => {
    const empty = await list('?name=nomatch');
    expect(empty.names).toEqual([]);
    expect(empty.total).toBe('0');
    expect(empty.link).toBe('</images?page=0&per_page=50&name=nomatch>; rel="last"');
  });

  it('reset() restores the seeds', async () => {
    const first = fake.images()[0]!;
    await callOn(fake, `/images/${first.id}`, { method: 'DELETE' });
    expect(fake.images()).toHaveLength(119);
    fake.reset();
    expect(fake.images()).toHaveLength(120);
    expect(fake.images()[0]).toEqual(first);
  });
});

describe('options and lifecycle', () => {
  it('honours apiKeys, snapshots and an injected clock', async () => {
    const key = '99999999-8888-4777-8666-555555555555';
    const snapshot = '44444444-3333-4222-8111-000000000000';
    const fake = await startFakeScaleway({
      apiKeys: [key],
      snapshots: [snapshot],
      now: () => new Date('2030-01-02T03:04:05.678Z'),
    });
    try {
      expect(fake.apiKey).toBe(key);
      expect((await callOn(fake, '/images')).status).toBe(401); // FAKE_API_KEY is not accepted here
      const res = await callOn(fake, '/images', {
        token: key,
        method: 'POST',
        body: { root_volume: snapshot, arch: 'arm64' },
      });
      const image = ((await res.json()) as { image: { id: string; creation_date: string } }).image;
      expect(image.creation_date).toBe('2030-01-02T03:04:05.678000+00:00');
      // Frozen clock: the PATCH still moves modification_date, by one microsecond.
      const patched = await callOn(fake, `/images/${image.id}`, {
        token: key,
        method: 'PATCH',
        body: { public: true },
      });
      expect(
        ((await patched.json()) as { image: { modification_date: string } }).image.modification_date,
      ).toBe('2030-01-02T03:04:05.678001+00:00');
    } finally {
      await fake.close();
    }
  });

  it('rejects non-UUID keys or snapshots at start', async () => {
    await expect(startFakeScaleway({ apiKeys: ['secret'] })).rejects.toThrow(/not a UUID/);
    await expect(startFakeScaleway({ snapshots: ['snap'] })).rejects.toThrow(/not a UUID/);
  });

  it('close() frees the port, even with keep-alive and hung connections open', async () => {
    const fake = await startFakeScaleway();
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    await (await callOn(fake, '/images')).text(); // leaves a keep-alive socket behind
    fake.faults.hang = true;
    const hung = callOn(fake, '/images').then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 100));
    // close() resolves although a request never answers: it does not wait for it.
    await fake.close();
    expect(await hung).toBe('failed');
    await expect(fetch(`${fake.url}/instance/v1/zones/fr-par-1/images`)).rejects.toThrow();

    // Something else can now listen on the same port.
    expect(await portIsFree(fake.port)).toBe(true);
  });

  it('runs standalone: prints its URL and key, serves, and exits cleanly on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./fake/scaleway.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', '--seed', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.split('\n').length > 2) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const [urlLine, keyLine] = out.trim().split('\n');
      expect(urlLine).toMatch(/^SCW_API_URL=http:\/\/127\.0\.0\.1:\d+$/);
      expect(keyLine).toBe(`SCW_SECRET_KEY=${FAKE_API_KEY}`);
      const url = urlLine!.slice('SCW_API_URL='.length);
      const res = await fetch(`${url}/instance/v1/zones/fr-par-1/images`, {
        headers: { 'X-Auth-Token': FAKE_API_KEY },
      });
      expect(res.headers.get('x-total-count')).toBe('2');
      await res.text();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
