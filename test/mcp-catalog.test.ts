// MCP resources and prompts end to end: test/fixtures/exposes/mcp-catalog.yaml generated, its
// server started on 127.0.0.1 against a real upstream, and read with the official MCP client.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'exposes', 'mcp-catalog.yaml');
const OUTSIDE = 'text outside the guides folder';
const BERTHS = {
  berths: [
    { id: 'b1', name: 'North quay' },
    { id: 'b2', name: 'South quay' },
  ],
};

let upstream: Server;
const seen: string[] = [];
let running: RunningServer;
let client: Client;
let cwd: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.url ?? '');
    const url = req.url ?? '';
    if (url === '/v1/berths')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(BERTHS));
    const one = /^\/v1\/berths\/([^/?]+)$/.exec(url);
    const berth = one && BERTHS.berths.find((b) => b.id === decodeURIComponent(one[1]!));
    if (berth)
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(berth));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such berth"}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { generated, out } = await generateInto(SPEC);
  cwd = mkdtempSync(join(out, '..', 'cwd-'));
  mkdirSync(join(cwd, 'guides', 'safety'), { recursive: true });
  mkdirSync(join(cwd, 'prompts'));
  writeFileSync(join(cwd, 'guides', 'mooring.md'), '# Mooring\n');
  writeFileSync(join(cwd, 'guides', 'safety', 'fire.txt'), 'Call 112.\n');
  writeFileSync(join(cwd, 'secret.txt'), OUTSIDE);
  symlinkSync(join(cwd, 'secret.txt'), join(cwd, 'guides', 'escape.md'));
  writeFileSync(join(cwd, 'prompts', 'welcome.md'), 'Welcome aboard, {{vessel}}.');
  const api = generated.model.apis[0]!;
  const port = (upstream.address() as AddressInfo).port;
  running = await startGenerated(generated, out, { [api.baseUrlEnv]: `http://127.0.0.1:${port}/v1` }, cwd);
  client = new Client({ name: 'catalog-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['harbour-tools']!)));
}, 300_000);

afterAll(async () => {
  await client?.close();
  await running?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text?: string }).text;

describe('MCP resources', () => {
  it('lists the fixed resource and the files of the static folder (not the symlink)', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.name, r.uri])).toEqual([
      ['berths', 'harbour://berths'],
      ['guides/mooring.md', 'docs://guides/mooring.md'],
      ['guides/safety/fire.txt', 'docs://guides/safety/fire.txt'],
    ]);
    expect(resources[0]).toMatchObject({ title: 'Berths', mimeType: 'application/json' });
  });

  it('lists the URI templates', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => [t.name, t.uriTemplate])).toEqual([
      ['berth', 'harbour://berths/{berthId}'],
      ['guides', 'docs://guides/{+path}'],
    ]);
  });

  it('reads a dynamic resource through the upstream, mapped', async () => {
    const r = await client.readResource({ uri: 'harbour://berths' });
    expect(JSON.parse(textOf(r)!)).toEqual(['North quay', 'South quay']);
    expect((r.contents[0] as { mimeType?: string }).mimeType).toBe('application/json');
  });

  it('reads a templated resource with the URI variable sent upstream', async () => {
    const r = await client.readResource({ uri: 'harbour://berths/b2' });
    expect(JSON.parse(textOf(r)!)).toEqual({ id: 'b2', name: 'South quay' });
    expect(seen).toContain('/v1/berths/b2');
  });

  it('fails a read when the upstream answers an error', async () => {
    await expect(client.readResource({ uri: 'harbour://berths/nope' })).rejects.toThrow(/404/);
  });

  it('reads static files, and refuses every path that leads out of the folder', async () => {
    expect(textOf(await client.readResource({ uri: 'docs://guides/safety/fire.txt' }))).toBe('Call 112.\n');
    for (const uri of [
      'docs://guides/%2e%2e/secret.txt',
      'docs://guides/safety%2f..%2f..%2fsecret.txt',
      'docs://guides/escape.md',
      'docs://guides/../secret.txt',
    ]) {
      const outcome = await client.readResource({ uri }).then(
        (r) => JSON.stringify(r),
        (err: unknown) => `refused: ${String(err)}`,
      );
      expect(outcome, uri).toMatch(/^refused: /);
      expect(outcome, uri).not.toContain(OUTSIDE);
    }
  });
});

describe('MCP prompts', () => {
  it('lists the prompts with their arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => [p.name, p.title, p.arguments?.map((a) => [a.name, a.required])])).toEqual([
      [
        'berth-request',
        'Berth request',
        [
          ['vessel', true],
          ['length', false],
        ],
      ],
      ['welcome', 'Welcome', []],
    ]);
  });

  it('fills the arguments into the messages', async () => {
    const r = await client.getPrompt({
      name: 'berth-request',
      arguments: { vessel: 'Nordlys', length: '121' },
    });
    expect(r.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Find a berth for Nordlys (121 m).' } },
      { role: 'assistant', content: { type: 'text', text: 'I will look for a free berth.' } },
    ]);
  });

  it('reads a prompt from its file', async () => {
    const r = await client.getPrompt({ name: 'welcome', arguments: { vessel: 'Nordlys' } });
    expect(r.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Welcome aboard, Nordlys.' } },
    ]);
  });

  it('refuses a prompt without its required argument', async () => {
    await expect(client.getPrompt({ name: 'berth-request', arguments: {} })).rejects.toThrow();
  });
});
