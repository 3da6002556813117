// The Scaleway images fake over real HTTP: the error answers, byte for byte as Scaleway gives them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../support/fake-calls.js';
import {
  callOn,
  createOn,
  invalidArgs,
  MISSING_ID,
  notFoundBody,
  read,
  SNAP_1,
} from '../support/fake-calls.js';
import { type FakeScaleway, startFakeScaleway } from './scaleway.js';

describe('fake Scaleway images API', () => {
  let fake: FakeScaleway;
  const call = (path: string, c?: Call) => callOn(fake, path, c);
  const create = (body?: Record<string, unknown>, zone?: string) => createOn(fake, body, zone);

  beforeAll(async () => {
    fake = await startFakeScaleway();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

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
});
