// MCP resources and prompts (runtime/mcp-catalog.ts) through the official MCP client over
// Streamable HTTP on a real socket: list, templates, dynamic and static reads, path safety, and
// prompts with their arguments filled.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPrompts, registerResources } from '../../runtime/mcp-catalog.js';

let dir: string;
let http: Server;
let handler: ReturnType<typeof createMcpHandler>;
let client: Client;
const reads: Record<string, string>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capgen-mcp-catalog-'));
  const docs = join(dir, 'docs');
  mkdirSync(join(docs, 'guides'), { recursive: true });
  writeFileSync(join(docs, 'README.md'), '# Fleet\n');
  writeFileSync(join(docs, 'guides', 'ports.md'), 'Ports list\n');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
  symlinkSync(join(dir, 'secret.txt'), join(docs, 'escape.md'));
  writeFileSync(join(dir, 'prompt.txt'), 'Write to {{name}} about {{topic}}.');
  const factory = () => {
    const server = new McpServer({ name: 'catalog-test', version: '1.0.0' });
    registerResources(server, [
      {
        name: 'database-schema',
        title: 'Database Schema',
        uri: 'data://databases/pre-release/schema',
        mimeType: 'application/json',
        read: async (vars) => (reads.push(vars), { tables: ['participants'] }),
      },
      {
        name: 'user-profile',
        uri: 'data://users/{userId}/profile',
        description: 'User profile by ID',
        mimeType: 'application/json',
        read: async (vars) => (reads.push(vars), { id: vars.userId }),
      },
      { name: 'docs', uri: 'docs://fleet', location: pathToFileURL(docs).href },
    ]);
    registerPrompts(server, [
      {
        name: 'summary-prompt',
        title: 'Summary Prompt',
        description: 'Summarize data',
        arguments: [
          { name: 'data', required: true },
          { name: 'format', required: false },
        ],
        messages: [
          { role: 'user', content: 'Summarize the following data in {{format}} format:\n\n{{data}}' },
          { role: 'assistant', content: "I'll summarize the data for you." },
        ],
      },
      {
        name: 'outreach',
        arguments: [{ name: 'name', required: true }],
        messages: { location: pathToFileURL(join(dir, 'prompt.txt')).href },
      },
    ]);
    return server;
  };
  handler = createMcpHandler(factory, { legacy: 'stateless' });
  const handle = toNodeHandler(handler);
  http = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address() as { port: number };
  client = new Client({ name: 'capgen-catalog-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${address.port}/mcp`)));
});

afterAll(async () => {
  await client?.close();
  await handler?.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP resources', () => {
  it('lists the fixed resource and every file of the static folder; templates separately', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      'data://databases/pre-release/schema',
      'docs://fleet/README.md',
      'docs://fleet/guides/ports.md',
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'data://users/{userId}/profile',
      'docs://fleet/{+path}',
    ]);
  });

  it('reads a dynamic resource and a template with its variable', async () => {
    const fixed = await client.readResource({ uri: 'data://databases/pre-release/schema' });
    expect(fixed.contents[0]).toMatchObject({
      mimeType: 'application/json',
      text: '{"tables":["participants"]}',
    });
    const user = await client.readResource({ uri: 'data://users/u-42/profile' });
    expect(JSON.parse((user.contents[0] as { text: string }).text)).toEqual({ id: 'u-42' });
    expect(reads.at(-1)).toEqual({ userId: 'u-42' });
  });

  it('reads a static file, nested too', async () => {
    const nested = await client.readResource({ uri: 'docs://fleet/guides/ports.md' });
    expect(nested.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: 'Ports list\n' });
  });

  it.each([
    ['..', 'docs://fleet/../secret.txt'],
    ['encoded dots', 'docs://fleet/%2e%2e/secret.txt'],
    ['an encoded slash', 'docs://fleet/guides%2F..%2F..%2Fsecret.txt'],
    ['a symlink out of the folder', 'docs://fleet/escape.md'],
  ])('refuses %s with a protocol error, never the file', async (_label, uri) => {
    const outcome = await client.readResource({ uri }).then(
      (r) => JSON.stringify(r),
      (err: Error) => `error: ${err.message}`,
    );
    expect(outcome).toMatch(/^error:/);
    expect(outcome).not.toContain('TOP-SECRET');
  });
});

describe('MCP prompts', () => {
  it('lists prompts with their arguments, required marked', async () => {
    const { prompts } = await client.listPrompts();
    const summary = prompts.find((p) => p.name === 'summary-prompt')!;
    expect(summary.title).toBe('Summary Prompt');
    expect(summary.arguments).toEqual([
      { name: 'data', required: true },
      { name: 'format', required: false },
    ]);
  });

  it('fills the arguments into every message; a missing optional one is empty', async () => {
    const got = await client.getPrompt({
      name: 'summary-prompt',
      arguments: { data: '1,2,3', format: 'table' },
    });
    expect(got.messages).toEqual([
      {
        role: 'user',
        content: { type: 'text', text: 'Summarize the following data in table format:\n\n1,2,3' },
      },
      { role: 'assistant', content: { type: 'text', text: "I'll summarize the data for you." } },
    ]);
    const partial = await client.getPrompt({ name: 'outreach', arguments: { name: 'Ada' } });
    expect(partial.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Write to Ada about .' } },
    ]);
  });

  it('refuses a call without a required argument', async () => {
    await expect(client.getPrompt({ name: 'summary-prompt', arguments: {} })).rejects.toThrow();
  });
});
