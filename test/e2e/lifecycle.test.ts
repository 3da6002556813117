// End to end: the image lifecycle through the REST adapter (global fetch) and the MCP adapter (the
// official MCP client over Streamable HTTP), against the committed server and the typed seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../out/instance-images/server.js';
import type { Stack, StartServer } from '../support/e2e-stack.js';
import {
  expectKeyOnEveryUpstreamCall,
  expectRelayed,
  ids,
  MISSING_ID,
  SNAP_1,
  SNAP_2,
  startStack,
  UUID,
  ZONE,
} from '../support/e2e-stack.js';
import { type TypedSeed, typedSeed } from '../support/typed.js';

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

// The lifecycles run against the committed server and against the seed generated with the
// provider's OpenAPI document (--openapi), whose routes and tools validate bodies field by field.
let typed: Promise<TypedSeed> | undefined;
const VARIANTS: { label: string; typed: boolean; start: () => Promise<StartServer> }[] = [
  { label: '', typed: false, start: () => Promise.resolve(start) },
  {
    label: ' (typed from the OpenAPI document)',
    typed: true,
    start: async () => {
      typed ??= typedSeed();
      const seed = await typed;
      seed.setLogLevel('silent');
      return seed.start as unknown as StartServer;
    },
  },
];
afterAll(async () => {
  (await typed)?.remove();
});

for (const variant of VARIANTS) {
  describe(`REST adapter against the fake Scaleway${variant.label}`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ seedImages: 5, start: await variant.start() });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('runs the full image lifecycle: create, list, get, patch, put, delete, get → 404', async () => {
      const before = stack.fake.requests.length;

      // Create → 201, Location, {"image": …}
      const created = await stack.rest('', {
        method: 'POST',
        body: { name: 'e2e-rest-alpha', arch: 'x86_64', root_volume: SNAP_1, tags: ['e2e'] },
      });
      expect(created.status).toBe(201);
      expectRelayed(stack, created);
      const id: string = created.json.image.id;
      expect(id).toMatch(UUID);
      expect(created.json.image).toMatchObject({
        name: 'e2e-rest-alpha',
        arch: 'x86_64',
        tags: ['e2e'],
        zone: ZONE,
      });
      expect(created.json.image.root_volume.id).toBe(SNAP_1);
      expect(created.headers.get('location')).toMatch(new RegExp(`/instance/v1/zones/${ZONE}/images/${id}$`));
      expect(created.headers.get('content-type')).toBe('application/json');
      expect(stack.fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: `/instance/v1/zones/${ZONE}/images`,
      });
      expect(JSON.parse(stack.fake.requests.at(-1)!.body)).toEqual({
        name: 'e2e-rest-alpha',
        arch: 'x86_64',
        root_volume: SNAP_1,
        tags: ['e2e'],
      });

      // List, filtered by a name substring.
      const filtered = await stack.rest('?name=rest-alp');
      expect(filtered.status).toBe(200);
      expectRelayed(stack, filtered);
      expect(ids(filtered.json)).toEqual([id]);
      expect(filtered.headers.get('x-total-count')).toBe('1');
      expect(stack.fake.requests.at(-1)!.query.entries).toEqual([['name', 'rest-alp']]);

      // List, paged: 6 images (5 seeds + 1), page 2 of size 4 holds the last two.
      const paged = await stack.rest('?page=2&per_page=4');
      expect(paged.status).toBe(200);
      expectRelayed(stack, paged);
      expect(paged.headers.get('x-total-count')).toBe('6');
      expect(paged.headers.get('link')).toContain('rel="previous"');
      expect(ids(paged.json)).toEqual(['00000000-0000-4000-8000-000000000005', id]);
      expect(stack.fake.requests.at(-1)!.query.entries).toEqual([
        ['per_page', '4'],
        ['page', '2'],
      ]);

      // Get.
      const got = await stack.rest(`/${id}`);
      expect(got.status).toBe(200);
      expectRelayed(stack, got);
      expect(got.json).toEqual(created.json);

      // Patch: only the fields sent change, and modification_date moves.
      const patched = await stack.rest(`/${id}`, {
        method: 'PATCH',
        body: { name: 'e2e-rest-beta', public: true },
      });
      expect(patched.status).toBe(200);
      expectRelayed(stack, patched);
      expect(patched.json.image).toMatchObject({
        id,
        name: 'e2e-rest-beta',
        public: true,
        arch: 'x86_64',
        tags: ['e2e'],
      });
      expect(patched.json.image.creation_date).toBe(created.json.image.creation_date);
      expect(patched.json.image.modification_date > created.json.image.modification_date).toBe(true);
      expect(stack.fake.requests.at(-1)).toMatchObject({
        method: 'PATCH',
        path: `/instance/v1/zones/${ZONE}/images/${id}`,
      });

      // Put: a full replacement, through the `{id}` path of SetImage.
      const put = await stack.rest(`/${id}`, {
        method: 'PUT',
        body: {
          name: 'e2e-rest-gamma',
          arch: 'arm64',
          public: false,
          tags: ['replaced'],
          extra_volumes: { '1': { id: SNAP_2 } },
        },
      });
      expect(put.status).toBe(200);
      expectRelayed(stack, put);
      expect(put.json.image).toMatchObject({
        id,
        name: 'e2e-rest-gamma',
        arch: 'arm64',
        public: false,
        tags: ['replaced'],
      });
      expect(put.json.image.extra_volumes['1'].id).toBe(SNAP_2);
      expect(put.json.image.modification_date > patched.json.image.modification_date).toBe(true);
      expect(stack.fake.requests.at(-1)).toMatchObject({
        method: 'PUT',
        path: `/instance/v1/zones/${ZONE}/images/${id}`,
      });
      expect(stack.fake.images().find((img) => img.id === id)?.name).toBe('e2e-rest-gamma');

      // Delete → 204 with an empty body.
      const deleted = await stack.rest(`/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect(stack.lastUpstream().status).toBe(204);
      expect(stack.fake.images().some((img) => img.id === id)).toBe(false);

      // Get again → the fake's 404, byte for byte.
      const gone = await stack.rest(`/${id}`);
      expect(gone.status).toBe(404);
      expectRelayed(stack, gone);
      expect(gone.text).toBe(
        `{"type": "not_found", "message": "resource is not found", "resource": "instance_image", "resource_id": "${id}"}`,
      );

      // One upstream call per REST call, each with the key.
      expectKeyOnEveryUpstreamCall(stack, before, 8);
    });

    it('passes the upstream errors through: status and exact body bytes', async () => {
      const before = stack.fake.requests.length;

      const badZone = await stack.rest('', { zone: 'xx-nowhere-9' });
      expect(badZone.status).toBe(400);
      if (variant.typed) {
        // The document lists the zones: the proxy refuses an unknown one itself.
        expect(badZone.json).toMatchObject({ error: 'bad_request', parameter: 'zone' });
      } else {
        expectRelayed(stack, badZone);
        expect(badZone.text).toBe('{"message":"Unknown zone in path"}');
        expect(badZone.headers.get('content-type')).toBe('application/json');
      }

      const badId = await stack.rest('/not-a-uuid');
      expect(badId.status).toBe(400);
      expectRelayed(stack, badId);
      expect(badId.text).toBe(
        '{"type": "invalid_arguments", "message": "invalid argument(s)", "details": [{"argument_name": "image_id", "reason": "constraint", "help_message": "not-a-uuid is not a valid UUID."}]}',
      );

      const noArch = await stack.rest('', { method: 'POST', body: { name: 'no-arch', root_volume: SNAP_1 } });
      expect(noArch.status).toBe(400);
      if (variant.typed) {
        expect(noArch.json).toMatchObject({ error: 'bad_request', parameter: 'arch' });
      } else {
        expectRelayed(stack, noArch);
        expect(noArch.json).toEqual({
          type: 'invalid_arguments',
          message: 'invalid argument(s)',
          details: [{ argument_name: 'arch', reason: 'required', help_message: 'cannot be empty' }],
        });
      }

      const missing = await stack.rest(`/${MISSING_ID}`, { method: 'PATCH', body: { name: 'x' } });
      expect(missing.status).toBe(404);
      expectRelayed(stack, missing);
      expect(missing.json).toMatchObject({ type: 'not_found', resource_id: MISSING_ID });

      // The typed server refuses the bad zone and the missing arch before any upstream call.
      expectKeyOnEveryUpstreamCall(stack, before, variant.typed ? 2 : 4);
      // Nothing was created by the failed calls.
      expect(stack.fake.images().map((img) => img.name)).not.toContain('no-arch');
    });
  });

  // ---------------------------------------------------------------------------------------------
  // MCP
  // ---------------------------------------------------------------------------------------------

  describe(`MCP adapter against the fake Scaleway${variant.label}`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ seedImages: 5, start: await variant.start() });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('lists the six tools', async () => {
      const { tools } = await stack.mcp.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        [
          'create-instance-image',
          'delete-instance-image',
          'get-instance-image',
          'list-instance-images',
          'update-image',
          'update-image-2',
        ].sort(),
      );
      expect(tools.find((t) => t.name === 'delete-instance-image')?.annotations?.destructiveHint).toBe(true);
      expect(tools.find((t) => t.name === 'list-instance-images')?.annotations?.readOnlyHint).toBe(true);
    });

    it('runs the full image lifecycle through the tools', async () => {
      const before = stack.fake.requests.length;

      const created = await stack.tool('create-instance-image', {
        zone: ZONE,
        body: { name: 'e2e-mcp-alpha', arch: 'arm64', root_volume: SNAP_1 },
      });
      expect(created.isError, created.text).toBe(false);
      const id: string = created.structured.image.id;
      expect(id).toMatch(UUID);
      expect(created.structured.image).toMatchObject({ name: 'e2e-mcp-alpha', arch: 'arm64', zone: ZONE });
      expect(JSON.parse(created.text)).toEqual(created.structured);
      expect(stack.lastUpstream().status).toBe(201);
      expect(JSON.parse(stack.lastUpstream().body.toString('utf8'))).toEqual(created.structured);

      const filtered = await stack.tool('list-instance-images', { zone: ZONE, name: 'mcp-alp' });
      expect(filtered.isError).toBe(false);
      expect(ids(filtered.structured)).toEqual([id]);
      expect(stack.fake.requests.at(-1)!.query.entries).toEqual([['name', 'mcp-alp']]);

      // `page` is a string in the spec (and so in the tool's input schema); `per_page` an integer.
      const paged = await stack.tool('list-instance-images', { zone: ZONE, page: '2', per_page: 4 });
      expect(paged.isError).toBe(false);
      expect(ids(paged.structured)).toEqual(['00000000-0000-4000-8000-000000000005', id]);

      const got = await stack.tool('get-instance-image', { zone: ZONE, image_id: id });
      expect(got.isError).toBe(false);
      expect(got.structured).toEqual(created.structured);

      const patched = await stack.tool('update-image-2', {
        zone: ZONE,
        image_id: id,
        body: { name: 'e2e-mcp-beta' },
      });
      expect(patched.isError).toBe(false);
      expect(stack.fake.requests.at(-1)).toMatchObject({
        method: 'PATCH',
        path: `/instance/v1/zones/${ZONE}/images/${id}`,
      });
      expect(patched.structured.image).toMatchObject({ id, name: 'e2e-mcp-beta', arch: 'arm64' });
      expect(patched.structured.image.modification_date > created.structured.image.modification_date).toBe(
        true,
      );
      expect(patched.structured.image.creation_date).toBe(created.structured.image.creation_date);

      const put = await stack.tool('update-image', {
        zone: ZONE,
        id,
        body: { name: 'e2e-mcp-gamma', arch: 'x86_64', public: true, tags: ['mcp'] },
      });
      expect(put.isError).toBe(false);
      expect(stack.fake.requests.at(-1)).toMatchObject({
        method: 'PUT',
        path: `/instance/v1/zones/${ZONE}/images/${id}`,
      });
      expect(put.structured.image).toMatchObject({
        id,
        name: 'e2e-mcp-gamma',
        arch: 'x86_64',
        public: true,
        tags: ['mcp'],
      });

      const deleted = await stack.tool('delete-instance-image', { zone: ZONE, image_id: id });
      expect(deleted.isError).toBe(false);
      expect(stack.lastUpstream().status).toBe(204);
      expect(stack.fake.images().some((img) => img.id === id)).toBe(false);

      const gone = await stack.tool('get-instance-image', { zone: ZONE, image_id: id });
      expect(gone.isError).toBe(true);
      expect(gone.text).toContain('404');
      expect(gone.text).toContain('resource is not found');

      expectKeyOnEveryUpstreamCall(stack, before, 8);
    });

    it('turns upstream errors into tool errors carrying the Scaleway message', async () => {
      const before = stack.fake.requests.length;

      const badZone = await stack.tool('list-instance-images', { zone: 'xx-nowhere-9' });
      expect(badZone.isError).toBe(true);
      if (variant.typed) {
        expect(badZone.text).toContain('zone');
      } else {
        expect(badZone.text).toContain('400');
        expect(badZone.text).toContain('Unknown zone in path');
      }

      const badId = await stack.tool('get-instance-image', { zone: ZONE, image_id: 'not-a-uuid' });
      expect(badId.isError).toBe(true);
      expect(badId.text).toContain('invalid argument(s)');
      expect(badId.text).toContain('not-a-uuid is not a valid UUID.');

      const noArch = await stack.tool('create-instance-image', {
        zone: ZONE,
        body: { name: 'no-arch', root_volume: SNAP_1 },
      });
      expect(noArch.isError).toBe(true);
      if (!variant.typed) expect(noArch.text).toContain('invalid argument(s)');
      expect(noArch.text).toContain('arch');

      const missing = await stack.tool('delete-instance-image', { zone: ZONE, image_id: MISSING_ID });
      expect(missing.isError).toBe(true);
      expect(missing.text).toContain('resource is not found');

      expectKeyOnEveryUpstreamCall(stack, before, variant.typed ? 2 : 4);
      expect(stack.fake.images().map((img) => img.name)).not.toContain('no-arch');
    });
  });
}
