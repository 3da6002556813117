/**
 * End to end: the committed generated server (out/instance-images) in front of the stateful fake
 * Scaleway images API, over real sockets on 127.0.0.1, driven through its REST adapter (global
 * fetch) and its MCP adapter (the official MCP client over Streamable HTTP).
 *
 * Between the generated server and the fake sits a byte-for-byte tap (a plain HTTP relay), so
 * REST answers can be compared with the exact bytes the fake sent.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  Agent,
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  request as httpRequest,
} from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { start } from '../out/instance-images/server.js';
import { FAKE_API_KEY, FAKE_SNAPSHOTS, type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';
import { portIsFree, unusedPort } from './support/ports.js';
import { expectNoSecret } from './support/secrets.js';
import { type TypedSeed, typedSeed } from './support/typed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZONE = 'fr-par-1';
const [SNAP_1, SNAP_2] = FAKE_SNAPSHOTS as [string, string];
/** A well-formed key the fake does not know. */
const WRONG_KEY = '9d0c4b7a-1e2f-4a3b-8c5d-6e7f8a9b0c1d';
const MISSING_ID = '11111111-2222-4333-8444-555555555555';

// The generated server logs one JSON line per request on stdout; keep test output readable.
setLogLevel('silent');

// ---------------------------------------------------------------------------------------------
// A tap between the generated server and the fake: relays each exchange unchanged and keeps a
// copy of what the fake answered.
// ---------------------------------------------------------------------------------------------

interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Tap {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

async function startTap(target: string): Promise<Tap> {
  const exchanges: Exchange[] = [];
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = httpRequest(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers, agent },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', () => {
            const body = Buffer.concat(out);
            exchanges.push({
              method: req.method ?? '',
              url: req.url ?? '',
              status: upRes.statusCode ?? 0,
              headers: upRes.headers,
              body,
            });
            const headers: [string, string][] = [];
            for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
              const name = upRes.rawHeaders[i]!;
              if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push([name, upRes.rawHeaders[i + 1]!]);
            }
            res.writeHead(upRes.statusCode ?? 502, headers.flat());
            res.end(body);
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tap: no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    exchanges,
    close: async () => {
      agent.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The stack: fake ← tap ← generated server (REST + MCP) ← callers.
// ---------------------------------------------------------------------------------------------

interface RestResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, walked by path in assertions (a wrong path fails them)
  json: any;
}

interface Stack {
  fake: FakeScaleway;
  tap: Tap;
  key: string;
  restUrl: string;
  mcpUrl: string;
  mcp: Client;
  /** Every REST answer and MCP result seen, for the leak checks. */
  seen: string[];
  /** REST call under /v1/instance/v1/zones/{zone}/images…; checks no answer carries the key. */
  rest(path: string, init?: { method?: string; body?: unknown; zone?: string }): Promise<RestResult>;
  /** MCP tool call; checks no result carries the key. */
  tool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** The fake's answer to the last upstream call. */
  lastUpstream(): Exchange;
  close(): Promise<void>;
}

interface ToolResult {
  isError: boolean;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, walked by path in assertions (a wrong path fails them)
  structured: any;
}

type StartServer = typeof start;

async function startStack(
  opts: { seedImages?: number; key?: string; start?: StartServer } = {},
): Promise<Stack> {
  const fake = await startFakeScaleway({ seedImages: opts.seedImages ?? 0 });
  const tap = await startTap(fake.url);
  const key = opts.key ?? fake.apiKey;
  const server = await (opts.start ?? start)({
    env: {
      SCALEWAY_API_KEY: key,
      INSTANCE_IMAGES_BASE_URL: tap.url,
      INSTANCE_IMAGES_REST_PORT: '0',
      INSTANCE_IMAGES_MCP_PORT: '0',
    },
  });
  const restUrl = server.urls['instance-images-rest']!;
  const mcpUrl = server.urls['instance-images-mcp']!;
  const mcp = new Client({ name: 'capgen-e2e', version: '1.0.0' }, {});
  await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  const seen: string[] = [];

  const expectNoKey = (what: string) => {
    expect(what).not.toContain(key);
    expect(what.toLowerCase()).not.toContain(key.toLowerCase());
    expect(what).not.toContain(FAKE_API_KEY);
    expectNoSecret('an answer of the generated server', what);
  };

  return {
    fake,
    tap,
    key,
    restUrl,
    mcpUrl,
    mcp,
    seen,
    async rest(path, init = {}) {
      const headers: Record<string, string> = {};
      let body: string | undefined;
      if (init.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.body);
      }
      const res = await fetch(`${restUrl}/v1/instance/v1/zones/${init.zone ?? ZONE}/images${path}`, {
        method: init.method ?? 'GET',
        headers,
        body,
      });
      const text = await res.text();
      const all = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`;
      seen.push(all);
      expectNoKey(all);
      return {
        status: res.status,
        headers: res.headers,
        text,
        json: text === '' ? undefined : JSON.parse(text),
      };
    },
    async tool(name, args) {
      const result = (await mcp.callTool({ name, arguments: args })) as {
        content?: { type: string; text?: string }[];
        structuredContent?: unknown;
        isError?: boolean;
      };
      const text = (result.content ?? []).map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join('\n');
      const all = JSON.stringify(result);
      seen.push(all);
      expectNoKey(all);
      return { isError: result.isError === true, text, structured: result.structuredContent };
    },
    lastUpstream() {
      const last = tap.exchanges.at(-1);
      if (!last) throw new Error('no upstream exchange yet');
      return last;
    },
    async close() {
      await mcp.close().catch(() => undefined);
      await server.close();
      await tap.close();
      await fake.close();
    },
  };
}

/** Every upstream request from `from` on carried the configured key, and there were `count` of them. */
function expectKeyOnEveryUpstreamCall(stack: Stack, from: number, count: number): void {
  const sent = stack.fake.requests.slice(from);
  expect(sent).toHaveLength(count);
  for (const req of sent) expect(req.headers['x-auth-token']).toBe(stack.key);
}

/** The REST answer is the fake's answer: same status and the exact body bytes. */
function expectRelayed(stack: Stack, res: RestResult): void {
  const upstream = stack.lastUpstream();
  expect(res.status).toBe(upstream.status);
  expect(Buffer.from(res.text, 'utf8').equals(upstream.body)).toBe(true);
}

const ids = (body: { images: { id: string }[] }) => body.images.map((img) => img.id);

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

  // ---------------------------------------------------------------------------------------------
  // Wrong key: the server holds a key the upstream does not know.
  // ---------------------------------------------------------------------------------------------
}

describe('a server started with a key the upstream refuses', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ seedImages: 2, key: WRONG_KEY });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('relays 401 denied_authentication over REST and MCP, and shows the key to nobody', async () => {
    const before = stack.fake.requests.length;

    const listed = await stack.rest('');
    expect(listed.status).toBe(401);
    expectRelayed(stack, listed);
    expect(listed.text).toBe(
      '{"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"}',
    );

    const created = await stack.rest('', { method: 'POST', body: { arch: 'x86_64', root_volume: SNAP_1 } });
    expect(created.status).toBe(401);
    expectRelayed(stack, created);

    const tool = await stack.tool('list-instance-images', { zone: ZONE });
    expect(tool.isError).toBe(true);
    expect(tool.text).toContain('401');
    expect(tool.text).toContain('authentication is denied');
    expect(tool.text).toContain('denied_authentication');

    // The (wrong) key did travel upstream, on every call, and nothing was created.
    expectKeyOnEveryUpstreamCall(stack, before, 3);
    expect(stack.fake.images()).toHaveLength(2);
    for (const seen of stack.seen) expect(seen).not.toContain(WRONG_KEY);
  });
});

// ---------------------------------------------------------------------------------------------
// Pagination over 120 images.
// ---------------------------------------------------------------------------------------------

describe('paging through 120 images', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ seedImages: 120 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const expected = Array.from(
    { length: 120 },
    (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  );

  it('collects every id exactly once over REST, using X-Total-Count', async () => {
    const before = stack.fake.requests.length;
    const collected: string[] = [];
    const perPage = 50;
    let total = Infinity;
    let pages = 0;
    for (let page = 1; (page - 1) * perPage < total; page++) {
      const res = await stack.rest(`?page=${page}&per_page=${perPage}`);
      expect(res.status).toBe(200);
      expectRelayed(stack, res);
      total = Number(res.headers.get('x-total-count'));
      expect(total).toBe(120);
      collected.push(...ids(res.json));
      pages++;
    }
    expect(pages).toBe(3);
    expect(collected).toHaveLength(120);
    expect(new Set(collected).size).toBe(120);
    expect([...collected].sort()).toEqual(expected);
    expectKeyOnEveryUpstreamCall(stack, before, 3);
    expect(stack.fake.requests.slice(before).map((r) => r.query.raw)).toEqual([
      'per_page=50&page=1',
      'per_page=50&page=2',
      'per_page=50&page=3',
    ]);
  });

  it('collects every id exactly once over MCP, until a short page', async () => {
    const before = stack.fake.requests.length;
    const collected: string[] = [];
    const perPage = 32;
    let page = 1;
    for (;;) {
      const res = await stack.tool('list-instance-images', {
        zone: ZONE,
        page: String(page),
        per_page: perPage,
      });
      expect(res.isError).toBe(false);
      const batch = ids(res.structured);
      collected.push(...batch);
      if (batch.length < perPage) break;
      page++;
      expect(page).toBeLessThan(10);
    }
    expect(page).toBe(4); // 32 + 32 + 32 + 24
    expect(collected).toHaveLength(120);
    expect(new Set(collected).size).toBe(120);
    expect([...collected].sort()).toEqual(expected);
    expectKeyOnEveryUpstreamCall(stack, before, 4);
  });
});

// ---------------------------------------------------------------------------------------------
// The demo (`npm run demo`), as a child process.
// ---------------------------------------------------------------------------------------------

/** Whether a process still exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once `condition` holds, checked every 50 ms. No deadline: on a loaded machine any
 * fixed one can be hit, and a condition that never comes is a hang for the suite's guard.
 */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    let done: boolean;
    try {
      done = await condition();
    } catch (err) {
      throw new Error(`while waiting for ${what}: ${(err as Error).message}`);
    }
    if (done) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the demo', () => {
  it('prints working REST and MCP URLs and stops cleanly on SIGTERM', async () => {
    const [restPort, mcpPort] = [await unusedPort(), await unusedPort()];
    // --no-generate: the suite must not rewrite out/ under the other test files; the manual
    // tryout covers regeneration.
    const child = spawn('npx', ['tsx', 'tools/demo.ts', '--no-generate'], {
      cwd: ROOT,
      env: {
        ...process.env,
        INSTANCE_IMAGES_REST_PORT: String(restPort),
        INSTANCE_IMAGES_MCP_PORT: String(mcpPort),
        SCALEWAY_API_KEY: '',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let exited = false;
    child.once('exit', () => (exited = true));
    let demoPid: number | undefined;
    let client: Client | undefined;
    try {
      await waitFor('the demo to be ready', () => {
        if (exited) throw new Error(`demo exited early:\n${stdout}\n${stderr}`);
        return /Ctrl-C/.test(stdout);
      });

      expect(stdout).toMatch(/BUILT-IN FAKE Scaleway API/);
      expect(stdout).toContain('not Scaleway');
      expect(stdout).toMatch(/API key .* fake/);
      const restUrl = /REST\s+(http:\/\/\S+)/.exec(stdout)?.[1];
      const mcpUrl = /MCP\s+(http:\/\/\S+\/mcp)/.exec(stdout)?.[1];
      expect(restUrl).toBe(`http://127.0.0.1:${restPort}`);
      expect(mcpUrl).toBe(`http://127.0.0.1:${mcpPort}/mcp`);
      expect(stdout).toMatch(
        new RegExp(`Docs\\s+http://127\\.0\\.0\\.1:${restPort}/docs/ .*/openapi\\.json`),
      );
      expect(stdout).toContain(`curl -s 'http://127.0.0.1:${restPort}/v1/instance/v1/zones/fr-par-1/images'`);
      expect(stdout).toContain(
        `npx @modelcontextprotocol/inspector@2.12.0 --cli http://127.0.0.1:${mcpPort}/mcp --method tools/list`,
      );
      // One configuration per client, each in its own shape (test/clients.test.ts checks them).
      expect(stdout).toContain(
        `{"mcpServers":{"instance-images":{"type":"http","url":"http://127.0.0.1:${mcpPort}/mcp"}}}`,
      );
      expect(stdout).toContain(
        `{"servers":{"instance-images":{"type":"http","url":"http://127.0.0.1:${mcpPort}/mcp"}}}`,
      );
      expect(stdout).toMatch(
        /# Claude Desktop: claude_desktop_config\.json\n\s+\{"mcpServers":\{"instance-images":\{"command":/,
      );
      expect(stdout).not.toContain(FAKE_API_KEY);
      demoPid = Number(/pid (\d+)/.exec(stdout)?.[1]);
      expect(alive(demoPid)).toBe(true);

      // One REST call through the printed URL: the demo's fake holds three seed images.
      const res = await fetch(`${restUrl}/v1/instance/v1/zones/fr-par-1/images`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-total-count')).toBe('3');
      const body = (await res.json()) as { images: { name: string }[] };
      expect(body.images.map((img) => img.name)).toEqual([
        'seed-image-001',
        'seed-image-002',
        'seed-image-003',
      ]);
      // The printed create names a snapshot the fake has, so copying it works first time.
      const create = /curl -s -X POST '(\S+)' -H 'content-type: application\/json' -d '(\{.*\})'/.exec(
        stdout,
      );
      expect(create?.[1]).toBe(`${restUrl}/v1/instance/v1/zones/fr-par-1/images`);
      const created = await fetch(create![1]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: create![2],
      });
      expect(created.status).toBeLessThan(300);
      expect(((await created.json()) as { image?: { name?: string } }).image?.name).toBe('my-image');
      // The docs URL serves the OpenAPI document.
      const docs = await fetch(`${restUrl}/openapi.json`);
      expect(docs.status).toBe(200);
      expect(((await docs.json()) as { openapi?: string }).openapi).toMatch(/^3\./);

      // One MCP call through the printed URL.
      client = new Client({ name: 'capgen-e2e-demo', version: '1.0.0' }, {});
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl!)));
      const result = (await client.callTool({
        name: 'get-instance-image',
        arguments: { zone: 'fr-par-1', image_id: '00000000-0000-4000-8000-000000000002' },
      })) as { isError?: boolean; structuredContent?: { image?: { name?: string } } };
      expect(result.isError).not.toBe(true);
      expect(result.structuredContent?.image?.name).toBe('seed-image-002');
      await client.close();
      client = undefined;

      // SIGTERM to the process we started (npx), as a user would with `kill <pid>`. npm does not
      // pass it on through its `sh -c`; the demo notices its launcher is gone and stops cleanly.
      child.kill('SIGTERM');
      await waitFor('the demo to stop', () => !alive(demoPid!));
      await waitFor('npx to exit', () => exited);
      expect(stdout.trimEnd()).toMatch(/stopping the server and the fake…\nstopped\.$/);
      expect(stderr).not.toMatch(/demo: (?!--no-generate)/);
      expect(await portIsFree(restPort)).toBe(true);
      expect(await portIsFree(mcpPort)).toBe(true);
    } finally {
      await client?.close().catch(() => undefined);
      if (!exited) child.kill('SIGKILL');
      if (demoPid !== undefined && alive(demoPid)) process.kill(demoPid, 'SIGKILL');
    }
  });

  it('stops cleanly on SIGTERM sent to the demo process itself', async () => {
    const [restPort, mcpPort] = [await unusedPort(), await unusedPort()];
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'tools/demo.ts', '--no-generate'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          INSTANCE_IMAGES_REST_PORT: String(restPort),
          INSTANCE_IMAGES_MCP_PORT: String(mcpPort),
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.resume();
    const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitFor('the demo to be ready', () => /Ctrl-C/.test(stdout) || child.exitCode !== null);
      expect(await portIsFree(restPort)).toBe(false);
      // tsx relays the signal to the demo and exits with its code.
      child.kill('SIGTERM');
      const [code, signal] = await exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(stdout).toMatch(/SIGTERM: stopping the server and the fake…\nstopped\.\n$/);
      expect(await portIsFree(restPort)).toBe(true);
      expect(await portIsFree(mcpPort)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
