/**
 * The generated MCP server of the seed spec (`out/instance-images`), end to end over real sockets:
 * the official SDK client in both protocol eras (2025-11-25 and 2026-07-28), raw HTTP for the
 * Host/Origin gate, stdio through a spawned process, and the MCP Inspector CLI. The upstream is a
 * recording HTTP server on 127.0.0.1 that logs every request exactly as received.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { untilOutput } from './support/child.js';
import { inspector as runInspector, type Ran } from './support/inspector.js';
import { unusedPort } from './support/ports.js';
import { type Recorded, type Recorder, startRecorder } from './support/recorder.js';
import { expectNoSecret } from './support/secrets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = `scw-test-key-${randomUUID()}`;
const IMAGE_ID = '6b2a3c4d-1e2f-4a5b-8c6d-7e8f9a0b1c2d';

// ---------------------------------------------------------------------------------------------
// What the spec says: the expected tool list is derived from the seed spec itself.

interface SpecParam {
  name: string;
  in: string;
  type: string;
  description?: string;
  required?: boolean;
}
interface SpecOperation {
  name: string;
  method: string;
  inputParameters?: SpecParam[];
}
interface SpecTool {
  name: string;
  description: string;
  hints: { readOnly: boolean; destructive: boolean; idempotent: boolean };
  call: string;
  with: Record<string, string>;
}
interface Spec {
  capability: {
    consumes: { namespace: string; resources: { path: string; operations: SpecOperation[] }[] }[];
    exposes: { type: string; tools?: SpecTool[] }[];
  };
}

const spec = parse(readFileSync(join(ROOT, 'specs/instance-images.yaml'), 'utf8')) as Spec;
const specTools: SpecTool[] = spec.capability.exposes.find((e) => e.type === 'mcp')?.tools ?? [];

function consumedOperation(call: string): SpecOperation {
  const [namespace, name] = call.split('.');
  const consumed = spec.capability.consumes.find((c) => c.namespace === namespace);
  const op = consumed?.resources.flatMap((r) => r.operations).find((o) => o.name === name);
  if (!op) throw new Error(`the spec has no consumed operation ${call}`);
  return op;
}

/** Each tool's inputs: the `with` keys, typed and described by the consumed operation's parameters. */
function toolInputs(tool: SpecTool): SpecParam[] {
  const op = consumedOperation(tool.call);
  return Object.keys(tool.with).map((name) => {
    const param = op.inputParameters?.find((p) => p.name === name);
    if (!param) throw new Error(`${tool.call} has no parameter ${name}`);
    return param;
  });
}

const TOOL_NAMES = [
  'list-instance-images',
  'create-instance-image',
  'update-image',
  'get-instance-image',
  'update-image-2',
  'delete-instance-image',
];

// ---------------------------------------------------------------------------------------------
// Helpers.

type Era = 'legacy' | 'modern';
const ERAS: { era: Era; version: string }[] = [
  { era: 'legacy', version: '2025-11-25' },
  { era: 'modern', version: '2026-07-28' },
];

interface ToolResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: {
    type: string;
    properties?: Record<string, { type?: string; description?: string }>;
    required?: string[];
    additionalProperties?: unknown;
  };
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

async function connect(url: string, era: Era): Promise<Client> {
  const client = new Client(
    { name: 'capgen-mcp-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Calls a tool; a protocol error rejects (and fails the test). No result may carry the API key. */
async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  expect(JSON.stringify(result)).not.toContain(KEY);
  expectNoSecret(`the result of ${name}`, result);
  return result;
}

/** The single text content of a result. */
function textOf(result: ToolResult): string {
  expect(result.content).toHaveLength(1);
  expect(result.content[0]?.type).toBe('text');
  const text = result.content[0]?.text;
  expect(typeof text).toBe('string');
  return text as string;
}

/** The text parsed as JSON, or a marker object showing the text when it is not JSON. */
function parsedText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { notJson: text };
  }
}

function expectSuccess(result: ToolResult, structured: Record<string, unknown>): string {
  expect(result.isError ?? false).toBe(false);
  const { _meta, ...rest } = result;
  expect(rest).toEqual({
    content: [{ type: 'text', text: expect.any(String) }],
    structuredContent: structured,
  });
  return textOf(result);
}

function expectToolError(result: ToolResult, ...patterns: RegExp[]): string {
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  const text = textOf(result);
  for (const pattern of patterns) expect(text).toMatch(pattern);
  return text;
}

function header(req: Recorded, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Asserts the upstream received exactly one request since `before`, and returns it. */
function onlyRequestSince(recorder: Recorder, before: number): Recorded {
  expect(recorder.requests.length - before).toBe(1);
  return recorder.requests[before]!;
}

function serverEnv(recorder: Recorder, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: recorder.url,
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    ...extra,
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request, with full control of Host and Origin. */
function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const answer = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        try {
          expectNoSecret(`the answer to ${method} ${url}`, answer);
        } catch (err) {
          reject(err as Error);
          return;
        }
        resolve(answer);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${method} ${url}`)));
    req.end(body);
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw-http-test', version: '1.0.0' },
  },
});
const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

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

const mcpUrl = (server: RunningServer): string => server.urls['instance-images-mcp']!;

// ---------------------------------------------------------------------------------------------
// The six tool calls of the seed, each with the exact upstream request and the exact result.

interface ToolCase {
  title: string;
  tool: string;
  args: Record<string, unknown>;
  reply: { status: number; body: object | null };
  request: { method: string; url: string; query: [string, string][]; body?: unknown };
  structured: Record<string, unknown>;
}

const IMAGE = {
  id: IMAGE_ID,
  name: 'ubuntu jammy',
  arch: 'x86_64',
  public: false,
  tags: ['base'],
  state: 'available',
  zone: 'fr-par-1',
};

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

// ---------------------------------------------------------------------------------------------
// The HTTP gate in front of the SDK handler.

describe('MCP HTTP endpoint: Host/Origin validation and routing', () => {
  let url: URL;
  beforeAll(() => {
    url = new URL(mcpUrl(main));
  });

  it('control: a local POST /mcp initialize is answered 200', async () => {
    const res = await rawRequest(url.href, 'POST', { ...MCP_POST_HEADERS, host: url.host }, INITIALIZE);
    expect(res.status).toBe(200);
    expect(res.body).toContain('"protocolVersion"');
  });

  it('POST /mcp with Host: evil.example → 403', async () => {
    const before = recorder.requests.length;
    const res = await rawRequest(url.href, 'POST', { ...MCP_POST_HEADERS, host: 'evil.example' }, INITIALIZE);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('"protocolVersion"');
    expect(recorder.requests.length).toBe(before);
  });

  it('POST /mcp with Host: evil.example:<port> → 403', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: `evil.example:${url.port}` },
      INITIALIZE,
    );
    expect(res.status).toBe(403);
  });

  it('POST /mcp with Origin: http://evil.example → 403', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host, origin: 'http://evil.example' },
      INITIALIZE,
    );
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('"protocolVersion"');
  });

  it('control: POST /mcp with a local Origin → 200', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host, origin: `http://${url.host}` },
      INITIALIZE,
    );
    expect(res.status).toBe(200);
  });

  it('GET /mcp → 405', async () => {
    const res = await rawRequest(url.href, 'GET', { accept: 'text/event-stream', host: url.host });
    expect(res.status).toBe(405);
  });

  it.each(['/', '/other', '/mcp/extra'])('POST %s → 404 with a JSON body', async (path) => {
    const res = await rawRequest(
      new URL(path, url).href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host },
      INITIALIZE,
    );
    expect(res.status).toBe(404);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json\b/);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not_found' });
  });

  it('GET /other → 404 with a JSON body', async () => {
    const res = await rawRequest(new URL('/other', url).href, 'GET', { host: url.host });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------------
// stdio: the same server as a child process.

describe('MCP over stdio', () => {
  const childArgs = ['--import', 'tsx', 'out/instance-images/server.ts', '--stdio'];

  function childEnv(): Record<string, string> {
    const env: Record<string, string> = serverEnv(recorder);
    for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  it('lists the tools and calls one through StdioClientTransport; logs go to stderr', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: childArgs,
      cwd: ROOT,
      env: childEnv(),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const transportErrors: Error[] = [];
    const client = new Client({ name: 'capgen-stdio-test', version: '1.0.0' }, {});
    client.onerror = (e) => transportErrors.push(e);
    let pid: number | null = null;
    try {
      await client.connect(transport);
      pid = transport.pid;
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());

      recorder.respond(() => ({ status: 200, body: { image: IMAGE } }));
      const before = recorder.requests.length;
      const result = await callTool(client, 'get-instance-image', { zone: 'fr-par-1', image_id: IMAGE_ID });
      const req = onlyRequestSince(recorder, before);
      expect(req.method).toBe('GET');
      expect(req.url).toBe(`/instance/v1/zones/fr-par-1/images/${IMAGE_ID}`);
      expect(header(req, 'x-auth-token')).toBe(KEY);
      const text = expectSuccess(result, { image: IMAGE });
      expect(JSON.parse(text)).toEqual({ image: IMAGE });

      // The start-up log line went to stderr.
      await untilOutput([transport.stderr], () => stderr.includes('"msg":"listening"'), 'the listening line');
      expect(transportErrors).toEqual([]);
    } finally {
      await client.close();
    }
    expect(pid).not.toBeNull();
    expect(() => process.kill(pid!, 0)).toThrow();
  });

  it('the stdio server exits once its stdin closes (MCP stdio shutdown)', async () => {
    const child = spawn(process.execPath, childArgs, {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let exitedAt: number | undefined;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        exitedAt = performance.now();
        resolve();
      }),
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    try {
      child.stdin.write(
        `${JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'raw-stdio', version: '1' },
          },
        })}\n`,
      );
      await untilOutput([child.stdout], () => stdout.includes('"id":1'), 'the initialize answer', child);
      child.stdin.end();
      // It exits by itself (a server that did not would be a hang for the suite's hang guard).
      await exited;
      expect(exitedAt).toBeDefined();
    } finally {
      if (exitedAt === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
    }
  });

  it('stdout carries only JSON-RPC messages (raw spawn, every line checked)', async () => {
    const child = spawn(process.execPath, childArgs, {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const responded = (id: number) =>
      stdout.split('\n').some((line) => {
        try {
          return (JSON.parse(line) as { id?: unknown }).id === id;
        } catch {
          return false;
        }
      });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      recorder.respond(() => ({ status: 200, body: { images: [IMAGE], total_count: 1 } }));
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw-stdio', version: '1' },
        },
      });
      await untilOutput([child.stdout], () => responded(1), 'answer 1', child);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      await untilOutput([child.stdout], () => responded(2), 'answer 2', child);
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'list-instance-images', arguments: { zone: 'fr-par-1' } },
      });
      await untilOutput([child.stdout], () => responded(3), 'answer 3', child);
      await untilOutput(
        [child.stderr],
        () => stderr.includes('"msg":"listening"'),
        'the listening line',
        child,
      );
    } finally {
      child.stdin.end();
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    expect(stdout.endsWith('\n')).toBe(true);
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const message = parsedText(line) as { jsonrpc?: unknown };
      expect(message.jsonrpc, line).toBe('2.0');
    }
    const byId = new Map(
      lines
        .map((l) => JSON.parse(l) as { id?: number; result?: Record<string, unknown> })
        .map((m) => [m.id, m]),
    );
    expect((byId.get(2)?.result?.tools as unknown[]).length).toBe(6);
    expect(byId.get(3)?.result).toMatchObject({
      structuredContent: { images: [IMAGE], total_count: 1 },
    });
    expect(stdout).not.toContain(KEY);
    expect(stderr).not.toContain(KEY);
  });
});

// ---------------------------------------------------------------------------------------------
// The MCP Inspector CLI against the HTTP server.

describe('MCP Inspector CLI', () => {
  const timings: string[] = [];

  afterAll(() => {
    if (timings.length > 0) console.info(`Inspector CLI timings: ${timings.join('; ')}`);
  });

  async function inspector(label: string, args: string[]): Promise<Ran & { ms: number }> {
    const started = performance.now();
    const run = await runInspector(mcpUrl(main), args);
    const ms = Math.round(performance.now() - started);
    timings.push(`${label} ${ms} ms (exit ${run.code})`);
    return { ...run, ms };
  }

  interface CliToolsList {
    result: { tools: ListedTool[] };
  }
  interface CliCall {
    result: ToolResult;
  }

  it('tools/list --strict exits 0 and lists the six tools', async () => {
    const run = await inspector('tools/list --strict', [
      '--method',
      'tools/list',
      '--strict',
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliToolsList;
    expect(out.result.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('tools/call list-instance-images exits 0 and prints the upstream body', async () => {
    const body = { images: [IMAGE], total_count: 1 };
    recorder.respond(() => ({ status: 200, body }));
    const before = recorder.requests.length;
    const run = await inspector('tools/call list-instance-images', [
      '--method',
      'tools/call',
      '--tool-name',
      'list-instance-images',
      '--tool-args-json',
      '{"zone":"fr-par-1"}',
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const req = onlyRequestSince(recorder, before);
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/instance/v1/zones/fr-par-1/images');
    expect(header(req, 'x-auth-token')).toBe(KEY);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.structuredContent).toEqual(body);
    expect(JSON.parse(out.result.content[0]?.text ?? '')).toEqual(body);
    expect(out.result._meta?.['capgen/upstream']).toEqual({ status: 200, headers: {} });
    expect(out.result._meta?.['io.modelcontextprotocol/serverInfo']).toBeUndefined(); // legacy era: no per-result server info
    expect(run.stdout).not.toContain(KEY);
  });

  it('tools/call that gets an upstream 404 exits 5', async () => {
    recorder.respond(() => ({ status: 404, body: { message: 'image not found', type: 'not_found' } }));
    const run = await inspector('tools/call 404', [
      '--method',
      'tools/call',
      '--tool-name',
      'get-instance-image',
      '--tool-args-json',
      JSON.stringify({ zone: 'fr-par-1', image_id: IMAGE_ID }),
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(5);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.isError).toBe(true);
    expect(out.result.content[0]?.text).toMatch(/404.*image not found/);
  });

  it('--protocol-era modern: tools/list --strict exits 0', async () => {
    const run = await inspector('tools/list --strict --protocol-era modern', [
      '--method',
      'tools/list',
      '--strict',
      '--format',
      'json',
      '--protocol-era',
      'modern',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliToolsList;
    expect(out.result.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('--protocol-era modern: tools/call exits 0 and the result carries the modern-era server info', async () => {
    const body = { images: [], total_count: 0 };
    recorder.respond(() => ({ status: 200, body }));
    const run = await inspector('tools/call --protocol-era modern', [
      '--method',
      'tools/call',
      '--tool-name',
      'list-instance-images',
      '--tool-args-json',
      '{"zone":"fr-par-1"}',
      '--format',
      'json',
      '--protocol-era',
      'modern',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.structuredContent).toEqual(body);
    expect(out.result._meta).toMatchObject({
      'io.modelcontextprotocol/serverInfo': { name: 'instance-images-mcp' },
    });
  });
});
