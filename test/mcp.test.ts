/**
 * The generated MCP server of the seed spec (`out/instance-images`) over Streamable HTTP, end to end
 * over real sockets: the official SDK client in both protocol eras (2025-11-25 and 2026-07-28), each
 * tool call checked against the exact upstream request and result. The upstream is a recording HTTP
 * server on 127.0.0.1 that logs every request exactly as received. Host/Origin, stdio and the
 * Inspector CLI have their own files (mcp-gate, mcp-stdio, mcp-inspector).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { unusedPort } from './support/ports.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import {
  callTool,
  connect,
  ERAS,
  expectSuccess,
  expectToolError,
  header,
  IMAGE,
  IMAGE_ID,
  KEY,
  type ListedTool,
  mcpUrl,
  onlyRequestSince,
  parsedText,
  serverEnv,
  type SpecTool,
  specTools,
  textOf,
  TOOL_NAMES,
  toolInputs,
  type ToolResult,
} from './support/seed-mcp.js';

// ---------------------------------------------------------------------------------------------
// Servers: the recording upstream and the generated server, started in-process.

let recorder: Recorder;
let main: RunningServer;
let truncating: RunningServer;
let slow: RunningServer;
let unreachable: RunningServer;

beforeAll(async () => {
  // The generated server logs one JSON line per request on stdout; keep the test output readable.
  setLogLevel('silent');
  recorder = await startRecorder();
  main = await start({ env: serverEnv(recorder) });
  truncating = await start({ env: serverEnv(recorder, { MCP_MAX_TEXT_LENGTH: '100' }) });
  slow = await start({ env: serverEnv(recorder, { INSTANCE_IMAGES_TIMEOUT_MS: '300' }) });
  unreachable = await start({
    env: serverEnv(recorder, { INSTANCE_IMAGES_BASE_URL: `http://127.0.0.1:${await unusedPort()}` }),
  });
});

afterAll(async () => {
  await main?.close();
  await truncating?.close();
  await slow?.close();
  await unreachable?.close();
  await recorder?.close();
});

interface ToolCase {
  title: string;
  tool: string;
  args: Record<string, unknown>;
  reply: { status: number; body: object | null };
  request: { method: string; url: string; query: [string, string][]; body?: unknown };
  structured: Record<string, unknown>;
}

const TOOL_CASES: ToolCase[] = [
  {
    title: 'list-instance-images with every query parameter',
    tool: 'list-instance-images',
    args: {
      zone: 'fr-par-1',
      organization: 'org-1',
      per_page: 20,
      page: '2',
      name: 'ubuntu jammy',
      public: 'true',
      arch: 'x86_64',
      project: 'proj-1',
      tags: 'a,b',
    },
    reply: { status: 200, body: { images: [IMAGE], total_count: 1 } },
    request: {
      method: 'GET',
      url: '/instance/v1/zones/fr-par-1/images?organization=org-1&per_page=20&page=2&name=ubuntu%20jammy&public=true&arch=x86_64&project=proj-1&tags=a%2Cb',
      query: [
        ['organization', 'org-1'],
        ['per_page', '20'],
        ['page', '2'],
        ['name', 'ubuntu jammy'],
        ['public', 'true'],
        ['arch', 'x86_64'],
        ['project', 'proj-1'],
        ['tags', 'a,b'],
      ],
    },
    structured: { images: [IMAGE], total_count: 1 },
  },
  {
    title: 'list-instance-images with only the zone (no query string)',
    tool: 'list-instance-images',
    args: { zone: 'nl-ams-1' },
    reply: { status: 200, body: { images: [], total_count: 0 } },
    request: { method: 'GET', url: '/instance/v1/zones/nl-ams-1/images', query: [] },
    structured: { images: [], total_count: 0 },
  },
  {
    title: 'create-instance-image',
    tool: 'create-instance-image',
    args: {
      zone: 'fr-par-1',
      body: {
        name: 'ubuntu jammy',
        root_volume: 'snap-1',
        arch: 'x86_64',
        extra_volumes: {},
        public: false,
        tags: ['base'],
      },
    },
    reply: { status: 201, body: { image: IMAGE } },
    request: {
      method: 'POST',
      url: '/instance/v1/zones/fr-par-1/images',
      query: [],
      body: {
        name: 'ubuntu jammy',
        root_volume: 'snap-1',
        arch: 'x86_64',
        extra_volumes: {},
        public: false,
        tags: ['base'],
      },
    },
    structured: { image: IMAGE },
  },
  {
    title: 'update-image (PUT {id})',
    tool: 'update-image',
    args: { zone: 'fr-par-1', id: IMAGE_ID, body: { name: 'renamed', arch: 'x86_64', tags: [] } },
    reply: { status: 200, body: { image: { ...IMAGE, name: 'renamed', tags: [] } } },
    request: {
      method: 'PUT',
      url: `/instance/v1/zones/fr-par-1/images/${IMAGE_ID}`,
      query: [],
      body: { name: 'renamed', arch: 'x86_64', tags: [] },
    },
    structured: { image: { ...IMAGE, name: 'renamed', tags: [] } },
  },
  {
    title: 'get-instance-image',
    tool: 'get-instance-image',
    args: { zone: 'pl-waw-2', image_id: IMAGE_ID },
    reply: { status: 200, body: { image: IMAGE } },
    request: { method: 'GET', url: `/instance/v1/zones/pl-waw-2/images/${IMAGE_ID}`, query: [] },
    structured: { image: IMAGE },
  },
  {
    title: 'update-image-2 (PATCH {image_id})',
    tool: 'update-image-2',
    args: { zone: 'fr-par-2', image_id: IMAGE_ID, body: { public: true, tags: ['x', 'y'] } },
    reply: { status: 200, body: { image: { ...IMAGE, public: true, tags: ['x', 'y'] } } },
    request: {
      method: 'PATCH',
      url: `/instance/v1/zones/fr-par-2/images/${IMAGE_ID}`,
      query: [],
      body: { public: true, tags: ['x', 'y'] },
    },
    structured: { image: { ...IMAGE, public: true, tags: ['x', 'y'] } },
  },
  {
    title: 'delete-instance-image (upstream 204, empty body)',
    tool: 'delete-instance-image',
    args: { zone: 'fr-par-1', image_id: IMAGE_ID },
    reply: { status: 204, body: null },
    request: { method: 'DELETE', url: `/instance/v1/zones/fr-par-1/images/${IMAGE_ID}`, query: [] },
    structured: { result: null },
  },
];

/** Invalid arguments per tool: each must be refused as a tool error before reaching the upstream. */
function invalidArguments(tool: SpecTool): [string, Record<string, unknown>, RegExp][] {
  const inputs = toolInputs(tool);
  const valid: Record<string, unknown> = {};
  for (const p of inputs) {
    if (p.required !== true) continue;
    valid[p.name] = p.type === 'object' ? { name: 'x' } : p.type === 'integer' ? 1 : 'fr-par-1';
  }
  const cases: [string, Record<string, unknown>, RegExp][] = [];
  for (const p of inputs.filter((i) => i.required === true)) {
    const { [p.name]: _dropped, ...missing } = valid;
    cases.push([`missing required "${p.name}"`, missing, new RegExp(p.name)]);
  }
  cases.push(['zone of the wrong type (number)', { ...valid, zone: 42 }, /zone/]);
  cases.push(['an extra property', { ...valid, unexpected: 'x' }, /additional propert|unexpected/i]);
  if (inputs.some((p) => p.name === 'body')) {
    cases.push(['body as a string', { ...valid, body: 'not an object' }, /body/]);
    cases.push(['body as an array', { ...valid, body: [1, 2] }, /body/]);
  }
  if (inputs.some((p) => p.name === 'per_page')) {
    cases.push(['per_page as a string', { ...valid, per_page: '20' }, /per_page/]);
    cases.push(['per_page as a fraction', { ...valid, per_page: 1.5 }, /per_page/]);
  }
  return cases;
}

for (const { era, version } of ERAS) {
  describe(`MCP over Streamable HTTP, ${era} era (${version})`, () => {
    let client: Client;
    let tools: ListedTool[];

    beforeAll(async () => {
      client = await connect(mcpUrl(main), era);
      tools = (await client.listTools()).tools as ListedTool[];
    });
    afterAll(async () => {
      await client?.close();
    });

    it(`negotiates ${version}`, () => {
      expect(client.getNegotiatedProtocolVersion()).toBe(version);
    });

    describe('tools/list', () => {
      it('lists exactly the six seed tools, with the spec names and descriptions', () => {
        expect(specTools.map((t) => t.name)).toEqual(TOOL_NAMES);
        expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
        for (const tool of specTools) {
          expect(tools.find((t) => t.name === tool.name)?.description).toBe(tool.description);
        }
      });

      it.each(specTools.map((t) => [t.name, t] as const))(
        '%s: input schema follows the spec',
        (name, tool) => {
          const listed = tools.find((t) => t.name === name)!;
          const schema = listed.inputSchema;
          const inputs = toolInputs(tool);
          expect(schema.type).toBe('object');
          // A full object schema: every input declared, nothing else allowed.
          expect(Object.keys(schema.properties ?? {}).sort()).toEqual(inputs.map((p) => p.name).sort());
          expect(schema.additionalProperties).toBe(false);
          expect([...(schema.required ?? [])].sort()).toEqual(
            inputs
              .filter((p) => p.required === true)
              .map((p) => p.name)
              .sort(),
          );
          expect(schema.required).toContain('zone');
          for (const p of inputs) {
            const property = schema.properties?.[p.name];
            expect(property?.type, `${name}.${p.name}`).toBe(p.type);
            if (p.description !== undefined) expect(property?.description).toBe(p.description);
          }
        },
      );

      it('types and requires the inputs the consumed operations need', () => {
        const byName = new Map(tools.map((t) => [t.name, t.inputSchema]));
        expect(byName.get('list-instance-images')?.properties?.per_page?.type).toBe('integer');
        expect(byName.get('list-instance-images')?.required).toEqual(['zone']);
        expect([...(byName.get('create-instance-image')?.required ?? [])].sort()).toEqual(['body', 'zone']);
        expect([...(byName.get('update-image')?.required ?? [])].sort()).toEqual(['body', 'id', 'zone']);
        expect([...(byName.get('get-instance-image')?.required ?? [])].sort()).toEqual(['image_id', 'zone']);
        expect([...(byName.get('update-image-2')?.required ?? [])].sort()).toEqual([
          'body',
          'image_id',
          'zone',
        ]);
        expect([...(byName.get('delete-instance-image')?.required ?? [])].sort()).toEqual([
          'image_id',
          'zone',
        ]);
        expect(byName.get('create-instance-image')?.properties?.body?.type).toBe('object');
      });

      it.each(specTools.map((t) => [t.name, t] as const))(
        '%s: annotations are explicit and equal the spec hints',
        (name, tool) => {
          const listed = tools.find((t) => t.name === name)!;
          expect(listed.annotations).toEqual({
            readOnlyHint: tool.hints.readOnly,
            destructiveHint: tool.hints.destructive,
            idempotentHint: tool.hints.idempotent,
            openWorldHint: true,
          });
        },
      );

      it('every tool declares the pass-through output schema', () => {
        for (const tool of tools) {
          expect(tool.outputSchema, tool.name).toEqual({ type: 'object', additionalProperties: true });
        }
      });
    });

    describe('tools/call: exact upstream request and exact result', () => {
      it.each(TOOL_CASES.map((c) => [c.title, c] as const))('%s', async (_title, c) => {
        recorder.respond(() => ({ status: c.reply.status, body: c.reply.body }));
        const before = recorder.requests.length;
        const result = await callTool(client, c.tool, c.args);

        const req = onlyRequestSince(recorder, before);
        expect(req.method).toBe(c.request.method);
        expect(req.url).toBe(c.request.url);
        expect(req.query).toEqual(c.request.query);
        expect(header(req, 'x-auth-token')).toBe(KEY);
        if (c.request.body === undefined) {
          expect(req.body).toBe('');
        } else {
          expect(header(req, 'content-type')).toMatch(/^application\/json\b/);
          expect(JSON.parse(req.body)).toEqual(c.request.body);
        }

        const text = expectSuccess(result, c.structured);
        if (c.reply.body !== null && typeof c.reply.body === 'object' && !Array.isArray(c.reply.body)) {
          expect(JSON.parse(text)).toEqual(c.reply.body);
        }
      });

      it('covers every tool of the seed', () => {
        expect(new Set(TOOL_CASES.map((c) => c.tool))).toEqual(new Set(TOOL_NAMES));
      });

      it('a JSON array body comes wrapped as {result}', async () => {
        recorder.respond(() => ({ status: 200, body: JSON.stringify([{ id: 'a' }, { id: 'b' }]) }));
        const result = await callTool(client, 'list-instance-images', { zone: 'fr-par-1' });
        expectSuccess(result, { result: [{ id: 'a' }, { id: 'b' }] });
      });

      it('a JSON scalar body comes wrapped as {result}', async () => {
        recorder.respond(() => ({ status: 200, body: '"done"' }));
        const result = await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
        expectSuccess(result, { result: 'done' });
      });

      it('the text of a JSON array body is the array itself, as the reference engine sends it', async () => {
        recorder.respond(() => ({ status: 200, body: JSON.stringify([{ id: 'a' }, { id: 'b' }]) }));
        const result = await callTool(client, 'list-instance-images', { zone: 'fr-par-1' });
        expect(parsedText(textOf(result))).toEqual([{ id: 'a' }, { id: 'b' }]);
      });

      it('the text of a JSON object body is the same JSON as structuredContent', async () => {
        recorder.respond(() => ({ status: 200, body: JSON.stringify({ id: 'a', tags: ['x'] }) }));
        const result = await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
        expect(parsedText(textOf(result))).toEqual({ id: 'a', tags: ['x'] });
        expect(result.structuredContent).toEqual({ id: 'a', tags: ['x'] });
      });

      it('the text of a 204 empty body is the same JSON as structuredContent', async () => {
        recorder.respond(() => ({ status: 204, body: null }));
        const result = await callTool(client, 'delete-instance-image', {
          zone: 'fr-par-1',
          image_id: IMAGE_ID,
        });
        expect(result.structuredContent).toEqual({ result: null });
        expect(textOf(result)).toBe('null');
      });
    });

    describe('failures are tool results with isError, never protocol errors', () => {
      it('upstream 404: the message names the status and the upstream message', async () => {
        recorder.respond(() => ({
          status: 404,
          body: { message: `"${IMAGE_ID}" not found`, type: 'not_found', resource: 'instance_image' },
        }));
        const before = recorder.requests.length;
        const result = await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
        onlyRequestSince(recorder, before);
        expectToolError(result, /404/, new RegExp(`"${IMAGE_ID}" not found`));
      });

      it('upstream 500 with a non-JSON body: the message names the status and shows the body', async () => {
        recorder.respond(() => ({
          status: 500,
          headers: { 'content-type': 'text/plain' },
          body: 'database on fire',
        }));
        const result = await callTool(client, 'list-instance-images', { zone: 'fr-par-1' });
        expectToolError(result, /500/, /database on fire/);
      });

      it('upstream unreachable', async () => {
        const c = await connect(mcpUrl(unreachable), era);
        try {
          const result = await callTool(c, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
          expectToolError(result, /unreachable/i);
        } finally {
          await c.close();
        }
      });

      it('upstream that never answers: a timeout error after INSTANCE_IMAGES_TIMEOUT_MS', async () => {
        recorder.respond(() => 'hang');
        const c = await connect(mcpUrl(slow), era);
        try {
          const before = recorder.requests.length;
          const started = performance.now();
          const result = await callTool(c, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
          const elapsed = performance.now() - started;
          expect(recorder.requests.length).toBeGreaterThan(before);
          expectToolError(result, /did not answer within 300 ms/);
          expect(elapsed).toBeGreaterThanOrEqual(250);
        } finally {
          await c.close();
        }
      });

      for (const tool of specTools) {
        it.each(invalidArguments(tool))(
          `${tool.name}: %s → isError, upstream not called`,
          async (_what, args, pattern) => {
            recorder.respond(() => ({ status: 200, body: { ok: true } }));
            const before = recorder.requests.length;
            const result = await callTool(client, tool.name, args);
            expectToolError(result, pattern);
            expect(recorder.requests.length).toBe(before);
          },
        );
      }

      it.each([
        ['get-instance-image', 'image_id', { zone: 'fr-par-1', image_id: '..' }],
        ['get-instance-image', 'image_id', { zone: 'fr-par-1', image_id: '.' }],
        ['update-image', 'id', { zone: 'fr-par-1', id: '..', body: { name: 'x' } }],
        ['delete-instance-image', 'image_id', { zone: 'fr-par-1', image_id: '..' }],
        ['list-instance-images', 'zone', { zone: '..' }],
        ['create-instance-image', 'zone', { zone: '..', body: { name: 'x' } }],
      ] as const)('%s with %s "." or ".." → isError, upstream not called', async (tool, param, args) => {
        const before = recorder.requests.length;
        const result = await callTool(client, tool, args);
        expectToolError(result, new RegExp(param));
        expect(recorder.requests.length).toBe(before);
      });

      it('"../../servers" stays inside its one path segment', async () => {
        recorder.respond(() => ({ status: 200, body: { image: IMAGE } }));
        const before = recorder.requests.length;
        const result = await callTool(client, 'get-instance-image', {
          zone: 'fr-par-1',
          image_id: '../../servers',
        });
        const req = onlyRequestSince(recorder, before);
        expect(req.url).toBe('/instance/v1/zones/fr-par-1/images/..%2F..%2Fservers');
        const segments = req.path.split('/');
        expect(segments).toHaveLength(7);
        expect(decodeURIComponent(segments[6]!)).toBe('../../servers');
        expectSuccess(result, { image: IMAGE });
      });

      it('"../../servers" as the PUT id stays inside its segment too', async () => {
        recorder.respond(() => ({ status: 200, body: { image: IMAGE } }));
        const before = recorder.requests.length;
        await callTool(client, 'update-image', {
          zone: 'fr-par-1',
          id: '../../servers',
          body: { name: 'x' },
        });
        const req = onlyRequestSince(recorder, before);
        expect(req.method).toBe('PUT');
        expect(req.url).toBe('/instance/v1/zones/fr-par-1/images/..%2F..%2Fservers');
      });
    });

    describe('text output cap (MCP_MAX_TEXT_LENGTH=100)', () => {
      let capped: Client;
      beforeAll(async () => {
        capped = await connect(mcpUrl(truncating), era);
      });
      afterAll(async () => {
        await capped?.close();
      });

      it('a body larger than the cap: text cut with a visible [truncated marker, structuredContent complete', async () => {
        const body = {
          images: Array.from({ length: 10 }, (_, i) => ({
            id: `image-${i}`,
            name: `name-${i}`,
            arch: 'x86_64',
          })),
          total_count: 10,
        };
        const json = JSON.stringify(body);
        expect(json.length).toBeGreaterThan(100);
        recorder.respond(() => ({ status: 200, body }));
        const result = await callTool(capped, 'list-instance-images', { zone: 'fr-par-1' });
        expect(result.isError ?? false).toBe(false);
        expect(result.structuredContent).toEqual(body);
        const text = textOf(result);
        expect(text.startsWith(json.slice(0, 100))).toBe(true);
        expect(text).not.toContain(json.slice(0, 101));
        expect(text).toMatch(/\[truncated[^\]]*\]$/);
      });

      it('a body within the cap is not cut', async () => {
        const body = { image: { id: 'short' } };
        recorder.respond(() => ({ status: 200, body }));
        const result = await callTool(capped, 'get-instance-image', { zone: 'fr-par-1', image_id: 'short' });
        const text = expectSuccess(result, body);
        expect(text).toBe(JSON.stringify(body));
        expect(text).not.toContain('[truncated');
      });
    });

    it('the API key never appears in any tool result (success and every failure kind)', async () => {
      const results: ToolResult[] = [];
      const before = recorder.requests.length;
      recorder.respond(() => ({ status: 200, body: { image: IMAGE } }));
      results.push(await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID }));
      recorder.respond(() => ({
        status: 401,
        body: { message: 'authentication is denied', type: 'denied_authentication' },
      }));
      results.push(await callTool(client, 'list-instance-images', { zone: 'fr-par-1' }));
      recorder.respond(() => ({ status: 403, body: { message: 'forbidden', type: 'permissions_denied' } }));
      results.push(
        await callTool(client, 'create-instance-image', { zone: 'fr-par-1', body: { name: 'x' } }),
      );
      results.push(await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: '..' }));
      results.push(await callTool(client, 'get-instance-image', { zone: 'fr-par-1' }));
      const c = await connect(mcpUrl(unreachable), era);
      try {
        results.push(await callTool(c, 'delete-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID }));
      } finally {
        await c.close();
      }
      // The key was really in play: the upstream received it.
      expect(recorder.requests.slice(before).map((r) => header(r, 'x-auth-token'))).toEqual([KEY, KEY, KEY]);
      expect(results.filter((r) => r.isError === true)).toHaveLength(5);
      for (const r of results) expect(JSON.stringify(r)).not.toContain(KEY);
    });
  });
}
