/**
 * Bad input at the socket, against the generated seed server (out/instance-images, in-process, on
 * ports the kernel picks) in front of a recording upstream: the DNS-rebinding guard on REST and
 * MCP (Host and Origin, ALLOWED_HOSTS), JSON-RPC batches, numbers that would change on the way,
 * deeply nested JSON, and numeric settings that do not parse. Each is refused with a clear answer
 * that names the limit or the variable, and nothing reaches the upstream.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { portIsFree, unusedPort } from './support/ports.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { expectNoSecret } from './support/secrets.js';

const KEY = `guard-key-${randomUUID()}`;
const ZONE = 'fr-par-1';
const ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const ITEM = `/v1/instance/v1/zones/${ZONE}/images/${ID}`;
const COLLECTION = `/v1/instance/v1/zones/${ZONE}/images`;

let recorder: Recorder;
let loopback: RunningServer;
let named: RunningServer;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: recorder.url,
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    ...extra,
  };
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with exactly the headers given (fetch would set Host itself). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const answer = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        try {
          expectNoSecret(`the answer to ${method} ${url}`, answer);
          resolve(answer);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const restUrl = (server: RunningServer, path: string) => `${server.urls['instance-images-rest']}${path}`;
const mcpUrl = (server: RunningServer) => server.urls['instance-images-mcp']!;
const portOf = (url: string) => new URL(url).port;

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'guards', version: '1.0.0' },
  },
};
const callTool = (id: number, args: Record<string, unknown>, name = 'list-instance-images') => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/** The JSON-RPC message of an MCP answer, sent as JSON or as one server-sent event. */
function rpcOf(answer: Raw): {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
} {
  const text = answer.body.trim();
  const data = text.startsWith('{')
    ? text
    : text
        .split('\n')
        .find((l) => l.startsWith('data: '))
        ?.slice(6);
  expect(data, answer.body).toBeDefined();
  return JSON.parse(data!) as ReturnType<typeof rpcOf>;
}

/** A JSON text nested `depth` levels deep: {"a":{"a":…}}. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

beforeAll(async () => {
  setLogLevel('silent');
  recorder = await startRecorder();
  loopback = await start({ env: env() });
  named = await start({ env: env({ ALLOWED_HOSTS: 'api.example.com, Proxy.Example' }) });
});

afterAll(async () => {
  await loopback?.close();
  await named?.close();
  await recorder?.close();
});

describe('REST: the DNS-rebinding guard, on a real socket', () => {
  it('DELETE with Host: evil.example is refused with 403 naming ALLOWED_HOSTS, and nothing is forwarded', async () => {
    recorder.reset();
    const res = await raw(restUrl(loopback, ITEM), 'DELETE', { host: 'evil.example' });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body) as { error: string; message: string };
    expect(body.error).toBe('forbidden');
    expect(body.message).toMatch(/evil\.example/);
    expect(body.message).toMatch(/ALLOWED_HOSTS/);
    expect(recorder.requests).toHaveLength(0);
  });

  it('Host: evil.example with the right port, and a loopback Host with a foreign Origin, are refused too', async () => {
    recorder.reset();
    const url = restUrl(loopback, ITEM);
    const port = portOf(url);
    expect((await raw(url, 'GET', { host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw(url, 'GET', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).status).toBe(
      403,
    );
    // A name that merely starts like a loopback name is not one.
    expect((await raw(url, 'GET', { host: `localhost.evil.example:${port}` })).status).toBe(403);
    expect((await raw(url, 'GET', { host: `127.0.0.1.evil.example` })).status).toBe(403);
    expect(recorder.requests).toHaveLength(0);
  });

  it('the loopback names are accepted by default: localhost, 127.0.0.1 and [::1], with or without a port', async () => {
    const url = restUrl(loopback, ITEM);
    const port = portOf(url);
    for (const host of [
      'localhost',
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
    ]) {
      recorder.reset();
      const res = await raw(url, 'GET', { host });
      expect(res.status, `Host: ${host}: ${res.body}`).toBe(200);
      expect(recorder.requests, host).toHaveLength(1);
    }
    recorder.reset();
    const withOrigin = await raw(url, 'GET', {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
    });
    expect(withOrigin.status).toBe(200);
    expect(recorder.requests).toHaveLength(1);
  });

  it('ALLOWED_HOSTS replaces the default: its names pass (any case), loopback names and others do not', async () => {
    const url = restUrl(named, ITEM);
    const port = portOf(url);
    for (const host of ['api.example.com', `proxy.example:${port}`, 'API.EXAMPLE.COM']) {
      recorder.reset();
      expect((await raw(url, 'GET', { host })).status, host).toBe(200);
      expect(recorder.requests, host).toHaveLength(1);
    }
    recorder.reset();
    for (const host of [`localhost:${port}`, 'evil.example', 'example.com'])
      expect((await raw(url, 'DELETE', { host })).status, host).toBe(403);
    expect((await raw(url, 'GET', { host: 'api.example.com', origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect(recorder.requests).toHaveLength(0);
  });

  it('the same ALLOWED_HOSTS governs the MCP adapter', async () => {
    const url = mcpUrl(named);
    const body = JSON.stringify(INITIALIZE);
    expect((await raw(url, 'POST', { ...MCP_HEADERS, host: 'api.example.com' }, body)).status).toBe(200);
    const refused = await raw(url, 'POST', { ...MCP_HEADERS, host: `localhost:${portOf(url)}` }, body);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/ALLOWED_HOSTS/);
  });

  it('bound to a non-loopback address without ALLOWED_HOSTS, start-up stops naming the variable and listens on nothing', async () => {
    const port = await unusedPort();
    // 0.0.0.0 is never listened on: the check comes before the first listen.
    await expect(
      start({ env: env({ HOST: '0.0.0.0', INSTANCE_IMAGES_REST_PORT: String(port) }) }),
    ).rejects.toThrow(/ALLOWED_HOSTS is required when binding to 0\.0\.0\.0/);
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('MCP: JSON-RPC batches are refused under protocols that have none', () => {
  it('a batch of 50 tool calls is refused with -32600 and reaches the upstream 0 times', async () => {
    recorder.reset();
    const batch = Array.from({ length: 50 }, (_, i) => callTool(i + 1, { zone: ZONE }));
    const res = await raw(mcpUrl(loopback), 'POST', MCP_HEADERS, JSON.stringify(batch));
    expect(res.status).toBe(400);
    const rpc = rpcOf(res);
    expect(rpc.error?.code).toBe(-32600);
    expect(rpc.error?.message).toMatch(/batch/i);
    expect(recorder.requests).toHaveLength(0);
  });

  it('a batch holding only an initialize, without a protocol header, is refused as well', async () => {
    const { 'mcp-protocol-version': _, ...headers } = MCP_HEADERS;
    const res = await raw(mcpUrl(loopback), 'POST', headers, JSON.stringify([INITIALIZE]));
    expect(res.status).toBe(400);
    expect(rpcOf(res).error?.code).toBe(-32600);
  });

  it('the same call as a single message is served', async () => {
    recorder.reset();
    const res = await raw(mcpUrl(loopback), 'POST', MCP_HEADERS, JSON.stringify(callTool(7, { zone: ZONE })));
    expect(res.status).toBe(200);
    const rpc = rpcOf(res);
    expect(rpc.id).toBe(7);
    expect(rpc.result?.isError).not.toBe(true);
    expect(recorder.requests).toHaveLength(1);
  });
});

describe('numbers that would change on the way are refused before anything is sent', () => {
  it.each([
    ['1e400', /finite/],
    ['-1e400', /finite/],
    ['9007199254740993', /safe integer/],
  ])('REST per_page=%s → 400 naming per_page', async (value, why) => {
    recorder.reset();
    const res = await raw(restUrl(loopback, `${COLLECTION}?per_page=${value}`), 'GET', {
      host: 'localhost',
    });
    expect(res.status, res.body).toBe(400);
    const body = JSON.parse(res.body) as { error: string; message: string; parameter?: string };
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(/per_page/);
    expect(body.message).toMatch(why);
    expect(body.message).not.toMatch(/Infinity|\n\s+at /);
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    ['1e400', /finite/],
    ['9007199254740993', /safe integer/],
  ])('MCP per_page: %s (raw JSON) → a tool error naming per_page', async (value, why) => {
    recorder.reset();
    // Written into the JSON text itself: JSON.parse reads 1e400 as Infinity.
    const body = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-instance-images","arguments":{"zone":"${ZONE}","per_page":${value}}}}`;
    const res = await raw(mcpUrl(loopback), 'POST', MCP_HEADERS, body);
    expect(res.status).toBe(200);
    const rpc = rpcOf(res);
    const text = JSON.stringify(rpc.result ?? rpc.error);
    expect(rpc.error === undefined ? rpc.result?.isError : true, text).toBe(true);
    expect(text).toMatch(/per_page/);
    expect(text).toMatch(why);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('deeply nested JSON is refused by name, not with a 500', () => {
  it('REST: a 5,000-level body → 400 naming MAX_JSON_DEPTH; the next request is served', async () => {
    recorder.reset();
    const res = await raw(
      restUrl(loopback, COLLECTION),
      'POST',
      { host: 'localhost', 'content-type': 'application/json' },
      nested(5000),
    );
    expect(res.status, res.body).toBe(400);
    const body = JSON.parse(res.body) as { error: string; message: string };
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(/deeper than 64 levels \(MAX_JSON_DEPTH\)/);
    expect(recorder.requests).toHaveLength(0);
    expect((await raw(restUrl(loopback, ITEM), 'GET', { host: 'localhost' })).status).toBe(200);
  });

  it('REST: a body at the limit is not refused for its depth', async () => {
    recorder.reset();
    // 63 levels inside the body's own object: within 64. The schema may refuse it; the depth must not.
    const res = await raw(
      restUrl(loopback, COLLECTION),
      'POST',
      { host: 'localhost', 'content-type': 'application/json' },
      `{"name":"x","root_volume":"${ID}","arch":"x86_64","extra":${nested(62)}}`,
    );
    expect(res.body).not.toMatch(/MAX_JSON_DEPTH/);
    expect(res.status).not.toBe(500);
  });

  it('MCP: a 5,000-level message → -32600 naming MAX_JSON_DEPTH, nothing sent upstream', async () => {
    recorder.reset();
    const args = `{"zone":"${ZONE}","body":${nested(5000)}}`;
    const body = `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"create-instance-image","arguments":${args}}}`;
    const res = await raw(mcpUrl(loopback), 'POST', MCP_HEADERS, body);
    expect(res.status).toBe(400);
    const rpc = rpcOf(res);
    expect(rpc.error?.code).toBe(-32600);
    expect(rpc.error?.message).toMatch(/deeper than 64 levels \(MAX_JSON_DEPTH\)/);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('numeric settings that do not parse stop start-up, naming the variable', () => {
  it.each([
    ['MCP_MAX_TEXT_LENGTH', 'abc'],
    ['MCP_MAX_TEXT_LENGTH', '0'],
    ['MCP_MAX_RESULT_LENGTH', '1e3'],
    ['INSTANCE_IMAGES_TIMEOUT_MS', 'abc'],
    ['INSTANCE_IMAGES_TIMEOUT_MS', '-5'],
    ['INSTANCE_IMAGES_MAX_RESPONSE_BYTES', '10MB'],
    ['INSTANCE_IMAGES_RETRY_AFTER_MAX_MS', '2.5'],
    ['BODY_LIMIT_BYTES', 'abc'],
    ['MAX_JSON_DEPTH', '99999999'],
    ['INSTANCE_IMAGES_REST_PORT', 'abc'],
  ])('%s=%s', async (name, value) => {
    const port = await unusedPort();
    const settings = env({ INSTANCE_IMAGES_MCP_PORT: String(port), [name]: value });
    let err: unknown;
    try {
      const running = await start({ env: settings });
      await running.close();
    } catch (e) {
      err = e;
    }
    expect(err, `${name}=${value} started`).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(name);
    expect(message).toContain(JSON.stringify(value).slice(1, -1));
    expect(message).not.toMatch(/\n\s+at /);
    // Nothing was left listening.
    expect(await portIsFree(port)).toBe(true);
  });

  it('valid values are taken as they are', async () => {
    const running = await start({
      env: env({
        MCP_MAX_TEXT_LENGTH: '100',
        INSTANCE_IMAGES_TIMEOUT_MS: ' 2000 ',
        BODY_LIMIT_BYTES: '4096',
      }),
    });
    try {
      recorder.reset();
      const big = JSON.stringify({ name: 'x'.repeat(5000), root_volume: ID, arch: 'x86_64' });
      const res = await raw(
        restUrl(running, COLLECTION),
        'POST',
        { host: 'localhost', 'content-type': 'application/json' },
        big,
      );
      expect(res.status).toBe(413);
      expect(recorder.requests).toHaveLength(0);
    } finally {
      await running.close();
    }
  });
});
