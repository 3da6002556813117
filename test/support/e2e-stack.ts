// The end-to-end stack shared by test/e2e/*.test.ts: the stateful fake Scaleway, a byte-for-byte
// tap in front of it, and a generated server started in-process, with callers that check no answer
// carries the key.
import { once } from 'node:events';
import {
  Agent,
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  request as httpRequest,
} from 'node:http';
import type { Socket } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { setLogLevel } from '../../out/instance-images/runtime/log.js';
import { start } from '../../out/instance-images/server.js';
import { FAKE_API_KEY, FAKE_SNAPSHOTS, type FakeScaleway, startFakeScaleway } from '../fake/scaleway.js';
import { expectNoSecret } from './secrets.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ZONE = 'fr-par-1';
export const [SNAP_1, SNAP_2] = FAKE_SNAPSHOTS as [string, string];
/** A well-formed key the fake does not know. */
export const WRONG_KEY = '9d0c4b7a-1e2f-4a3b-8c5d-6e7f8a9b0c1d';
export const MISSING_ID = '11111111-2222-4333-8444-555555555555';

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

export interface Stack {
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

export type StartServer = typeof start;

export async function startStack(
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
export function expectKeyOnEveryUpstreamCall(stack: Stack, from: number, count: number): void {
  const sent = stack.fake.requests.slice(from);
  expect(sent).toHaveLength(count);
  for (const req of sent) expect(req.headers['x-auth-token']).toBe(stack.key);
}

/** The REST answer is the fake's answer: same status and the exact body bytes. */
export function expectRelayed(stack: Stack, res: RestResult): void {
  const upstream = stack.lastUpstream();
  expect(res.status).toBe(upstream.status);
  expect(Buffer.from(res.text, 'utf8').equals(upstream.body)).toBe(true);
}

export const ids = (body: { images: { id: string }[] }) => body.images.map((img) => img.id);
