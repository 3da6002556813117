/**
 * What the MCP tests of the seed share: the tool list as the seed spec declares it, the official
 * SDK client in both protocol eras, the checks of a tool result, and raw HTTP with full control of
 * Host and Origin. The spec is read here, not the generator's model, so the tests cannot agree with
 * a misreading.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { RunningServer } from '../../out/instance-images/server.js';
import type { Recorded, Recorder } from './recorder.js';
import { expectNoSecret } from './secrets.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KEY = `scw-test-key-${randomUUID()}`;
export const IMAGE_ID = '6b2a3c4d-1e2f-4a5b-8c6d-7e8f9a0b1c2d';

// ---------------------------------------------------------------------------------------------
// What the spec says: the expected tool list is derived from the seed spec itself.

export interface SpecParam {
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
export interface SpecTool {
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
export const specTools: SpecTool[] = spec.capability.exposes.find((e) => e.type === 'mcp')?.tools ?? [];

function consumedOperation(call: string): SpecOperation {
  const [namespace, name] = call.split('.');
  const consumed = spec.capability.consumes.find((c) => c.namespace === namespace);
  const op = consumed?.resources.flatMap((r) => r.operations).find((o) => o.name === name);
  if (!op) throw new Error(`the spec has no consumed operation ${call}`);
  return op;
}

/** Each tool's inputs: the `with` keys, typed and described by the consumed operation's parameters. */
export function toolInputs(tool: SpecTool): SpecParam[] {
  const op = consumedOperation(tool.call);
  return Object.keys(tool.with).map((name) => {
    const param = op.inputParameters?.find((p) => p.name === name);
    if (!param) throw new Error(`${tool.call} has no parameter ${name}`);
    return param;
  });
}

export const TOOL_NAMES = [
  'list-instance-images',
  'create-instance-image',
  'update-image',
  'get-instance-image',
  'update-image-2',
  'delete-instance-image',
];

// ---------------------------------------------------------------------------------------------
// Helpers.

export type Era = 'legacy' | 'modern';
export const ERAS: { era: Era; version: string }[] = [
  { era: 'legacy', version: '2025-11-25' },
  { era: 'modern', version: '2026-07-28' },
];

export interface ToolResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export interface ListedTool {
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

export async function connect(url: string, era: Era): Promise<Client> {
  const client = new Client(
    { name: 'capgen-mcp-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Calls a tool; a protocol error rejects (and fails the test). No result may carry the API key. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  expect(JSON.stringify(result)).not.toContain(KEY);
  expectNoSecret(`the result of ${name}`, result);
  return result;
}

/** The single text content of a result. */
export function textOf(result: ToolResult): string {
  expect(result.content).toHaveLength(1);
  expect(result.content[0]?.type).toBe('text');
  const text = result.content[0]?.text;
  expect(typeof text).toBe('string');
  return text as string;
}

/** The text parsed as JSON, or a marker object showing the text when it is not JSON. */
export function parsedText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { notJson: text };
  }
}

export function expectSuccess(result: ToolResult, structured: Record<string, unknown>): string {
  expect(result.isError ?? false).toBe(false);
  const { _meta, ...rest } = result;
  expect(rest).toEqual({
    content: [{ type: 'text', text: expect.any(String) }],
    structuredContent: structured,
  });
  return textOf(result);
}

export function expectToolError(result: ToolResult, ...patterns: RegExp[]): string {
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  const text = textOf(result);
  for (const pattern of patterns) expect(text).toMatch(pattern);
  return text;
}

export function header(req: Recorded, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Asserts the upstream received exactly one request since `before`, and returns it. */
export function onlyRequestSince(recorder: Recorder, before: number): Recorded {
  expect(recorder.requests.length - before).toBe(1);
  return recorder.requests[before]!;
}

export function serverEnv(recorder: Recorder, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: recorder.url,
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    ...extra,
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request, with full control of Host and Origin. */
export function rawRequest(
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
    req.end(body);
  });
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw-http-test', version: '1.0.0' },
  },
});
export const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const mcpUrl = (server: RunningServer): string => server.urls['instance-images-mcp']!;

export const IMAGE = {
  id: IMAGE_ID,
  name: 'ubuntu jammy',
  arch: 'x86_64',
  public: false,
  tags: ['base'],
  state: 'available',
  zone: 'fr-par-1',
};
