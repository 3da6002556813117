// The MCP client configurations (emitted README and `npm run demo`) against each client's
// documented file shape, the emitted README rendered by a Markdown parser, and `--stdio` opening
// no port: Claude Desktop's configuration from the demo is started for real while something else
// holds the REST and MCP ports, as the running demo does.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { marked, type Token, type Tokens } from 'marked';
import { afterAll, describe, expect, it } from 'vitest';
import { demoClientConfigs } from '../tools/demo-clients.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'out/instance-images/README.md'), 'utf8');

// ---------------------------------------------------------------------------------------------
// Each client's file shape, as its documentation gives it (written from the docs, not from
// clients.ts): which top-level key holds the servers and what one server entry looks like.

type Shape = (config: unknown) => string[];
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/[^/]+\/\S*$/.test(v);

function servers(config: unknown, key: string): [string, Record<string, unknown>][] | string {
  if (!isRecord(config)) return 'not an object';
  const extra = Object.keys(config).filter((k) => k !== key && !(key === 'servers' && k === 'inputs'));
  if (extra.length > 0) return `unexpected top-level keys ${extra.join(', ')}`;
  const map = config[key];
  if (!isRecord(map) || Object.keys(map).length === 0) return `no "${key}" object with servers`;
  const out: [string, Record<string, unknown>][] = [];
  for (const [name, entry] of Object.entries(map)) {
    if (!isRecord(entry)) return `server ${name} is not an object`;
    out.push([name, entry]);
  }
  return out;
}

const SHAPES: Record<string, Shape> = {
  // claude_desktop_config.json: "mcpServers", each a local command with args and env.
  'Claude Desktop': (config) => {
    const list = servers(config, 'mcpServers');
    if (typeof list === 'string') return [list];
    return list.flatMap(([name, s]) => [
      ...(typeof s.command === 'string' && s.command.startsWith('/')
        ? []
        : [`${name}: command is not an absolute path`]),
      ...(Array.isArray(s.args) && s.args.every((a) => typeof a === 'string')
        ? []
        : [`${name}: args is not a list of strings`]),
      ...(isRecord(s.env) && Object.values(s.env).every((v) => typeof v === 'string')
        ? []
        : [`${name}: env is not a string map`]),
      ...('url' in s || 'type' in s
        ? [`${name}: Claude Desktop starts local servers only (no url/type)`]
        : []),
    ]);
  },
  // .mcp.json: "mcpServers", a remote server is {"type": "http", "url": …}.
  'Claude Code': (config) => {
    const list = servers(config, 'mcpServers');
    if (typeof list === 'string') return [list];
    return list.flatMap(([name, s]) => [
      ...(s.type === 'http' ? [] : [`${name}: type must be "http"`]),
      ...(isUrl(s.url) ? [] : [`${name}: url is not an http(s) URL`]),
    ]);
  },
  // .vscode/mcp.json: "servers" (optionally "inputs"), every server with a "type".
  'VS Code': (config) => {
    const list = servers(config, 'servers');
    if (typeof list === 'string') return [list];
    return list.flatMap(([name, s]) => [
      ...(s.type === 'http' || s.type === 'sse'
        ? []
        : [`${name}: a remote server's type must be "http" or "sse"`]),
      ...(isUrl(s.url) ? [] : [`${name}: url is not an http(s) URL`]),
    ]);
  },
  // .cursor/mcp.json: "mcpServers", a remote server by "url".
  Cursor: (config) => {
    const list = servers(config, 'mcpServers');
    if (typeof list === 'string') return [list];
    return list.flatMap(([name, s]) => (isUrl(s.url) ? [] : [`${name}: url is not an http(s) URL`]));
  },
};

describe('the shape checks themselves', () => {
  it('refuse the one-shape-for-all configuration the demo used to print', () => {
    const old = { mcpServers: { 'instance-images': { url: 'http://127.0.0.1:9090/mcp' } } };
    expect(SHAPES.Cursor!(old)).toEqual([]);
    expect(SHAPES['Claude Code']!(old)).not.toEqual([]);
    expect(SHAPES['VS Code']!(old)).not.toEqual([]);
    expect(SHAPES['Claude Desktop']!(old)).not.toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The emitted README, through marked.

function walk(tokens: Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    const nested = t as {
      tokens?: Token[];
      items?: Token[];
      header?: Tokens.TableCell[];
      rows?: Tokens.TableCell[][];
    };
    if (nested.tokens) walk(nested.tokens, visit);
    if (nested.items) walk(nested.items, visit);
    if (nested.header) for (const cell of nested.header) walk(cell.tokens, visit);
    if (nested.rows) for (const row of nested.rows) for (const cell of row) walk(cell.tokens, visit);
  }
}

describe('the emitted README (out/instance-images/README.md)', () => {
  const tokens = marked.lexer(README);

  it('renders code spans without visible escapes', () => {
    const spans: string[] = [];
    walk(tokens, (t) => {
      if (t.type === 'codespan') spans.push((t as Tokens.Codespan).text);
    });
    expect(spans).toContain('SCALEWAY_API_KEY');
    expect(spans).toContain('{{SCALEWAY_API_KEY}}');
    expect(spans.filter((s) => s.includes('\\'))).toEqual([]);
    const html = marked.parse(README, { async: false });
    expect(html).not.toMatch(/\\[_`[\]]/);
    expect(html).toContain('<code>INSTANCE_IMAGES_REST_PORT</code>');
  });

  it('has an environment table with a row per variable, each naming it in code', () => {
    const tables = tokens.filter((t): t is Tokens.Table => t.type === 'table');
    const env = tables.find((t) => t.header.map((h) => h.text).join('|') === 'Variable|Required|Purpose')!;
    expect(env).toBeDefined();
    const names = env.rows.map((r) =>
      r[0]!.tokens.map((x) => (x.type === 'codespan' ? (x as Tokens.Codespan).text : '?')).join(''),
    );
    expect(names).toContain('SCALEWAY_API_KEY');
    expect(names).toContain('LOG_LEVEL');
    expect(names.every((n) => /^[A-Z][A-Z0-9_]*$/.test(n))).toBe(true);
  });

  it('gives a configuration for each of the four clients, each in its documented shape', () => {
    const found = new Map<string, unknown>();
    let client: string | undefined;
    for (const t of tokens) {
      if (t.type === 'paragraph') client = Object.keys(SHAPES).find((c) => t.text.startsWith(`${c} (`));
      if (t.type === 'code' && (t as Tokens.Code).lang === 'json' && client) {
        found.set(client, JSON.parse((t as Tokens.Code).text));
        client = undefined;
      }
    }
    expect([...found.keys()].sort()).toEqual(Object.keys(SHAPES).sort());
    for (const [name, config] of found) expect(SHAPES[name]!(config), name).toEqual([]);
    const desktop = found.get('Claude Desktop') as {
      mcpServers: Record<string, { args: string[]; env: object }>;
    };
    const entry = Object.values(desktop.mcpServers)[0]!;
    expect(entry.args).toContain('--stdio');
    expect(Object.keys(entry.env)).toEqual(['SCALEWAY_API_KEY']);
  });
});

// ---------------------------------------------------------------------------------------------
// The demo's configurations, and Claude Desktop's one run for real.

describe("the demo's client configurations", () => {
  const held: Server[] = [];
  const hold = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    held.push(server);
    return (server.address() as { port: number }).port;
  };
  afterAll(async () => {
    for (const s of held) await new Promise((resolve) => s.close(resolve));
  });

  it('are in each documented shape', () => {
    const configs = demoClientConfigs(ROOT, 'http://127.0.0.1:9090/mcp');
    expect(configs.map((c) => c.client).sort()).toEqual(Object.keys(SHAPES).sort());
    for (const c of configs) expect(SHAPES[c.client]!(c.config), c.client).toEqual([]);
  });

  it("Claude Desktop's starts a stdio server that opens no port, beside a server holding both", async () => {
    const [restPort, mcpPort] = [await hold(), await hold()];
    const desktop = demoClientConfigs(ROOT, `http://127.0.0.1:${mcpPort}/mcp`).find(
      (c) => c.client === 'Claude Desktop',
    )!.config as {
      mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }>;
    };
    const entry = desktop.mcpServers['instance-images']!;
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      // What a client passes: the configured env over a minimal inherited one (PATH for node).
      env: {
        PATH: process.env.PATH ?? '',
        ...entry.env,
        INSTANCE_IMAGES_REST_PORT: String(restPort),
        INSTANCE_IMAGES_MCP_PORT: String(mcpPort),
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const client = new Client({ name: 'capgen-clients-test', version: '1.0.0' }, {});
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list-instance-images');
      const result = (await client.callTool({
        name: 'list-instance-images',
        arguments: { zone: 'fr-par-1' },
      })) as { isError?: boolean; structuredContent?: { images?: unknown[] } };
      expect(result.isError, stderr).not.toBe(true);
      expect(result.structuredContent?.images).toHaveLength(3);
    } finally {
      await client.close();
    }
    expect(stderr).not.toMatch(/EADDRINUSE/);
  });
});
