// The Scaleway images fake over real HTTP (global fetch), the way an end-to-end test or a generated
// client sees it: what it answers when the request is right, and its list filters.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../support/fake-calls.js';
import {
  API_DATE,
  callOn,
  createOn,
  IMAGE_KEYS,
  notFoundBody,
  read,
  SNAP_1,
  SNAP_2,
  SNAP_3,
  UUID,
} from '../support/fake-calls.js';
import {
  FAKE_ORGANIZATION_ID,
  FAKE_PROJECT_ID,
  type FakeScaleway,
  startFakeScaleway,
  ZONES,
} from './scaleway.js';

describe('fake Scaleway images API', () => {
  let fake: FakeScaleway;
  const call = (path: string, c?: Call) => callOn(fake, path, c);
  const create = (body?: Record<string, unknown>, zone?: string) => createOn(fake, body, zone);

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
});
