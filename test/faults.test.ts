/**
 * The fault matrix: the generated seed server (out/instance-images, started in-process) in front of
 * a scripted faulty upstream (test/support/faulty.ts, real sockets on 127.0.0.1), over REST and MCP.
 * For every fault: the answer, how long it took (bounds relative to the configured limits, never a
 * tight budget), how many requests reached the upstream (a write exactly once), and that the next
 * normal request succeeds.
 */
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, start } from '../out/instance-images/server.js';
import {
  type Fault,
  type FaultyUpstream,
  NORMAL_BODY,
  type Script,
  startFaultyUpstream,
} from './support/faulty.js';
import { unusedPort } from './support/ports.js';
import { expectNoSecret } from './support/secrets.js';

const KEY = `fault-key-${randomUUID()}`;
/** The upstream time limit of the server the deadline tests run against (`bounded`). */
const LIMIT_MS = 1500;
/**
 * The limit of every other server: far beyond what a loaded machine needs for a prompt answer, so
 * only the deadline tests depend on a deadline. A proxy that waited for it would answer 504.
 */
const ROOMY_LIMIT_MS = 120_000;
/** Largest upstream body the servers accept. */
const CAP = 1_048_576;
/** How late past a limit an answer may come on a loaded machine and still count as bounded. */
const SLACK_MS = 10_000;
const ZONE = 'fr-par-1';
const ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const ITEM = `/v1/instance/v1/zones/${ZONE}/images/${ID}`;
const COLLECTION = `/v1/instance/v1/zones/${ZONE}/images`;

let upstream: FaultyUpstream;
let main: RunningServer;
let refused: RunningServer;
let bounded: RunningServer;
const clients: Client[] = [];

function env(baseUrl: string, limitMs = ROOMY_LIMIT_MS): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: baseUrl,
    INSTANCE_IMAGES_TIMEOUT_MS: String(limitMs),
    INSTANCE_IMAGES_MAX_RESPONSE_BYTES: String(CAP),
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
  };
}

/** What a caller got, over either adapter. */
interface Answer {
  /** REST: the HTTP status. MCP: 200 for a result, 0 for a tool error. */
  status: number;
  /** REST: the body. MCP: the text content. */
  text: string;
  headers?: Headers;
  structured?: unknown;
  isError?: boolean;
}

interface Adapter {
  name: 'REST' | 'MCP';
  /** GET one image (`get-instance-image`). */
  read(server?: RunningServer): Promise<Answer>;
  /** POST a new image (`create-instance-image`). */
  write(server?: RunningServer): Promise<Answer>;
  /** DELETE an image (`delete-instance-image`). */
  remove(): Promise<Answer>;
}

async function rest(server: RunningServer, method: string, path: string, json?: unknown): Promise<Answer> {
  const res = await fetch(`${server.urls['instance-images-rest']}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  expectNoSecret(`the answer to ${method} ${path}`, [[...res.headers], text]);
  return { status: res.status, text, headers: res.headers };
}

const mcpClients = new Map<RunningServer, Client>();

async function mcpClient(server: RunningServer): Promise<Client> {
  let client = mcpClients.get(server);
  if (client === undefined) {
    client = new Client({ name: 'capgen-faults', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.urls['instance-images-mcp']!)));
    mcpClients.set(server, client);
    clients.push(client);
  }
  return client;
}

async function tool(server: RunningServer, name: string, args: Record<string, unknown>): Promise<Answer> {
  const client = await mcpClient(server);
  const result = (await client.callTool({ name, arguments: args })) as {
    content: { type: string; text?: string }[];
    structuredContent?: unknown;
    isError?: boolean;
  };
  expectNoSecret(`the result of ${name}`, result);
  const text = result.content.map((c) => c.text ?? '').join('\n');
  return {
    status: result.isError ? 0 : 200,
    text,
    structured: result.structuredContent,
    isError: result.isError === true,
  };
}

const ADAPTERS: Adapter[] = [
  {
    name: 'REST',
    read: (server = main) => rest(server, 'GET', ITEM),
    write: (server = main) =>
      rest(server, 'POST', COLLECTION, { name: 'x', root_volume: ID, arch: 'x86_64' }),
    remove: () => rest(main, 'DELETE', ITEM),
  },
  {
    name: 'MCP',
    read: (server = main) => tool(server, 'get-instance-image', { zone: ZONE, image_id: ID }),
    write: (server = main) =>
      tool(server, 'create-instance-image', {
        zone: ZONE,
        body: { name: 'x', root_volume: ID, arch: 'x86_64' },
      }),
    remove: () => tool(main, 'delete-instance-image', { zone: ZONE, image_id: ID }),
  },
];

interface Outcome {
  answer: Answer;
  ms: number;
  /** Requests the upstream read during the call. */
  calls: number;
  requests: FaultyUpstream['requests'];
}

/**
 * Runs one call with the upstream answering by `script`, then checks that the next normal call
 * over the same adapter succeeds.
 */
async function exchange(
  adapter: Adapter,
  script: Script | Fault,
  act: () => Promise<Answer>,
): Promise<Outcome> {
  upstream.script(script);
  const before = upstream.requests.length;
  const started = performance.now();
  const answer = await act();
  const ms = performance.now() - started;
  const requests = upstream.requests.slice(before);
  upstream.reset();
  const next = await adapter.read();
  expect(next.status, `the next normal call: ${next.text}`).toBe(200);
  expect(JSON.parse(next.text)).toEqual(JSON.parse(NORMAL_BODY));
  return { answer, ms, calls: requests.length, requests };
}

/** The proxy's own error: REST status + JSON `error` code, MCP a tool error matching `mcp`. */
function expectProxyError(
  adapter: Adapter,
  answer: Answer,
  status: number,
  error: string,
  pattern: RegExp,
): void {
  if (adapter.name === 'REST') {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers?.get('content-type')).toMatch(/^application\/json\b/);
    const body = JSON.parse(answer.text) as { error: string; message: string };
    expect(body.error).toBe(error);
    expect(body.message).toMatch(pattern);
  } else {
    expect(answer.isError, answer.text).toBe(true);
    expect(answer.text).toMatch(pattern);
  }
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

/** An upstream error the caller sees as such: REST relays it, MCP names its status. */
function expectRelayedError(
  adapter: Adapter,
  answer: Answer,
  status: number,
  body: string,
  pattern: RegExp,
): void {
  if (adapter.name === 'REST') {
    expect(answer.status).toBe(status);
    expect(answer.text).toBe(body);
  } else {
    expect(answer.isError, answer.text).toBe(true);
    expect(answer.text).toMatch(new RegExp(`upstream answered ${status}`));
    expect(answer.text).toMatch(pattern);
  }
}

/** Past the limit, but not by more than a loaded machine explains. */
function expectBoundedByLimit(ms: number): void {
  expect(ms).toBeGreaterThanOrEqual(LIMIT_MS - 50);
  expect(ms).toBeLessThan(LIMIT_MS + SLACK_MS);
}

/** Answered without waiting for the time limit. */
function expectPrompt(ms: number): void {
  expect(ms).toBeLessThan(ROOMY_LIMIT_MS);
}

beforeAll(async () => {
  upstream = await startFaultyUpstream();
  main = await start({ env: env(upstream.url) });
  bounded = await start({ env: env(upstream.url, LIMIT_MS) });
  refused = await start({ env: env(`http://127.0.0.1:${await unusedPort()}`) });
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await main?.close();
  await refused?.close();
  await bounded?.close();
  await upstream?.close();
});

describe.each(ADAPTERS)('$name against a faulty upstream', (adapter) => {
  it('slow: an answer that comes before the limit is relayed', async () => {
    const o = await exchange(adapter, { kind: 'answer', delayMs: 300 }, () => adapter.read());
    expect(o.answer.status, o.answer.text).toBe(200);
    expect(o.ms).toBeGreaterThanOrEqual(290);
    expectPrompt(o.ms - 300);
    expect(o.calls).toBe(1);
  });

  it('hang: a read gets a timeout naming the limit, and the upstream socket is closed', async () => {
    const o = await exchange(adapter, { kind: 'hang' }, () => adapter.read(bounded));
    expectProxyError(adapter, o.answer, 504, 'upstream_timeout', new RegExp(`${LIMIT_MS} ms`));
    expectBoundedByLimit(o.ms);
    expect(o.calls).toBe(1);
    await o.requests[0]!.closed;
  });

  it('hang: a write gets a timeout and is sent exactly once', async () => {
    const o = await exchange(adapter, { kind: 'hang' }, () => adapter.write(bounded));
    expectProxyError(adapter, o.answer, 504, 'upstream_timeout', new RegExp(`${LIMIT_MS} ms`));
    expectBoundedByLimit(o.ms);
    expect(o.calls).toBe(1);
    await o.requests[0]!.closed;
  });

  it('reset before the answer: a read is retried once on a new connection', async () => {
    const o = await exchange(adapter, { kind: 'reset-before' }, () => adapter.read());
    expectProxyError(adapter, o.answer, 502, 'upstream_unreachable', /unreachable/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(2);
  });

  it('reset before the answer, then a normal answer: the retried read succeeds', async () => {
    const o = await exchange(
      adapter,
      (_r, n) => (n === 0 ? { kind: 'reset-before' } : { kind: 'answer' }),
      () => adapter.read(),
    );
    expect(o.answer.status, o.answer.text).toBe(200);
    expect(o.calls).toBe(2);
  });

  it('reset before the answer: a write is sent exactly once', async () => {
    const o = await exchange(adapter, { kind: 'reset-before' }, () => adapter.write());
    expectProxyError(adapter, o.answer, 502, 'upstream_unreachable', /unreachable/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('reset during the body: a read is not retried once a byte has arrived', async () => {
    const o = await exchange(adapter, { kind: 'reset-during', body: NORMAL_BODY, sent: 20 }, () =>
      adapter.read(),
    );
    expectProxyError(adapter, o.answer, 502, 'upstream_unreachable', /unreachable|closed/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('reset during the body: a write is sent exactly once', async () => {
    const o = await exchange(adapter, { kind: 'reset-during', body: NORMAL_BODY, sent: 20 }, () =>
      adapter.write(),
    );
    expectProxyError(adapter, o.answer, 502, 'upstream_unreachable', /unreachable|closed/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('refused: nothing listens at the base URL', async () => {
    const started = performance.now();
    const answer = await adapter.read(refused);
    expectProxyError(adapter, answer, 502, 'upstream_unreachable', /unreachable \(ECONNREFUSED\)/);
    expectPrompt(performance.now() - started);
    // The refusal belongs to that server's upstream: this one still answers.
    const next = await adapter.read();
    expect(next.status, next.text).toBe(200);
  });

  it('slow: a write that is answered before the limit is relayed and sent exactly once', async () => {
    const o = await exchange(adapter, { kind: 'answer', delayMs: 300 }, () => adapter.write());
    expect(o.answer.status, o.answer.text).toBe(200);
    expect(o.ms).toBeGreaterThanOrEqual(290);
    expectPrompt(o.ms - 300);
    expect(o.calls).toBe(1);
    expect(o.requests[0]!.method).toBe('POST');
  });

  it('500 to a write: relayed, sent exactly once', async () => {
    const body = '{"message":"internal error"}';
    const o = await exchange(adapter, { kind: 'answer', status: 500, body }, () => adapter.write());
    expectRelayedError(adapter, o.answer, 500, body, /internal error/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('503 with a short Retry-After to a DELETE: not retried, the error says when to retry', async () => {
    const body = '{"message":"busy"}';
    const o = await exchange(
      adapter,
      { kind: 'answer', status: 503, headers: { 'retry-after': '1' }, body },
      () => adapter.remove(),
    );
    expectRelayedError(adapter, o.answer, 503, body, /busy/);
    if (adapter.name === 'REST') expect(o.answer.headers?.get('retry-after')).toBe('1');
    else expect(o.answer.text).toMatch(/Retry-After: 1\b/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
    expect(o.requests[0]!.method).toBe('DELETE');
  });

  it('500: relayed, not retried', async () => {
    const body = '{"message":"internal error"}';
    const o = await exchange(adapter, { kind: 'answer', status: 500, body }, () => adapter.read());
    expectRelayedError(adapter, o.answer, 500, body, /internal error/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('503 without Retry-After: relayed, not retried', async () => {
    const body = '{"message":"service unavailable"}';
    const o = await exchange(adapter, { kind: 'answer', status: 503, body }, () => adapter.read());
    expectRelayedError(adapter, o.answer, 503, body, /service unavailable/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('429 with a short Retry-After: a read waits and is retried once', async () => {
    const body = '{"message":"too many requests"}';
    const o = await exchange(
      adapter,
      (_r, n) =>
        n === 0 ? { kind: 'answer', status: 429, headers: { 'retry-after': '1' }, body } : { kind: 'answer' },
      () => adapter.read(),
    );
    expect(o.answer.status, o.answer.text).toBe(200);
    expect(o.ms).toBeGreaterThanOrEqual(950);
    expect(o.calls).toBe(2);
  });

  it('503 with a short Retry-After twice: a read is retried only once, and the error says when to retry', async () => {
    const body = '{"message":"busy"}';
    const o = await exchange(
      adapter,
      { kind: 'answer', status: 503, headers: { 'retry-after': '1' }, body },
      () => adapter.read(),
    );
    expectRelayedError(adapter, o.answer, 503, body, /busy/);
    if (adapter.name === 'REST') expect(o.answer.headers?.get('retry-after')).toBe('1');
    else expect(o.answer.text).toMatch(/Retry-After: 1\b/);
    expect(o.calls).toBe(2);
  });

  it('429 with a Retry-After beyond the bound: relayed at once, carrying Retry-After', async () => {
    const body = '{"message":"slow down"}';
    const o = await exchange(
      adapter,
      { kind: 'answer', status: 429, headers: { 'retry-after': '3600' }, body },
      () => adapter.read(),
    );
    expectRelayedError(adapter, o.answer, 429, body, /slow down/);
    if (adapter.name === 'REST') expect(o.answer.headers?.get('retry-after')).toBe('3600');
    else expect(o.answer.text).toMatch(/Retry-After: 3600\b/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('429 with a short Retry-After: a write is never retried', async () => {
    const body = '{"message":"too many requests"}';
    const o = await exchange(
      adapter,
      { kind: 'answer', status: 429, headers: { 'retry-after': '1' }, body },
      () => adapter.write(),
    );
    expectRelayedError(adapter, o.answer, 429, body, /too many requests/);
    if (adapter.name === 'MCP') expect(o.answer.text).toMatch(/Retry-After: 1\b/);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('truncated JSON: REST relays the bytes it was given, MCP says the JSON is invalid', async () => {
    const body = NORMAL_BODY.slice(0, 25);
    const o = await exchange(adapter, { kind: 'answer', body }, () => adapter.read());
    if (adapter.name === 'REST') {
      expect(o.answer.status).toBe(200);
      expect(o.answer.text).toBe(body);
    } else {
      expect(o.answer.isError, o.answer.text).toBe(true);
      expect(o.answer.text).toMatch(/not valid JSON/);
    }
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('HTML error page from a gateway: REST relays it, MCP shows an excerpt', async () => {
    const body =
      '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';
    const o = await exchange(
      adapter,
      { kind: 'answer', status: 502, headers: { 'content-type': 'text/html' }, body },
      () => adapter.read(),
    );
    expectRelayedError(adapter, o.answer, 502, body, /Bad Gateway/);
    if (adapter.name === 'REST') expect(o.answer.headers?.get('content-type')).toBe('text/html');
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('drip: a body that arrives one byte at a time is bounded by the limit as a whole', async () => {
    // 120 bytes, one every 250 ms: 30 s in all, far past the limit, with no gap near it.
    const o = await exchange(adapter, { kind: 'drip', chunk: ' ', count: 120, intervalMs: 250 }, () =>
      adapter.read(bounded),
    );
    expectProxyError(adapter, o.answer, 504, 'upstream_timeout', new RegExp(`${LIMIT_MS} ms`));
    expectBoundedByLimit(o.ms);
    expect(o.calls).toBe(1);
    await o.requests[0]!.closed;
  });

  it('oversized: a body past the cap is refused naming the cap, without reading it all', async () => {
    const size = 50 * 1_048_576;
    const o = await exchange(adapter, { kind: 'big', bytes: size }, () => adapter.read());
    expectProxyError(adapter, o.answer, 502, 'upstream_too_large', new RegExp(`${CAP} bytes`));
    expect(o.calls).toBe(1);
    await o.requests[0]!.closed;
    expect(o.requests[0]!.written()).toBeLessThan(size / 2);
  });

  it('204 with a body: the answer is empty and the connection does not poison the next call', async () => {
    const o = await exchange(
      adapter,
      {
        kind: 'raw',
        bytes:
          'HTTP/1.1 204 No Content\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"deleted":1}',
      },
      () => adapter.remove(),
    );
    if (adapter.name === 'REST') {
      expect(o.answer.status).toBe(204);
      expect(o.answer.text).toBe('');
    } else {
      expect(o.answer.isError, o.answer.text).toBe(false);
    }
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('echo of the request headers: the credential is replaced by a marker', async () => {
    const o = await exchange(adapter, { kind: 'echo' }, () => adapter.read());
    expect(o.answer.status, o.answer.text).toBe(200);
    expect(o.answer.text).toContain('[redacted]');
    expect(o.answer.text).not.toContain(KEY);
    if (adapter.name === 'MCP') expect(JSON.stringify(o.answer.structured)).not.toContain(KEY);
    expect(o.requests[0]!.headers['x-auth-token']).toBe(KEY);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('echo in an error answer and in a relayed header: the credential is replaced in both', async () => {
    // rest() and tool() also fail on the credential anywhere in the answer (expectNoSecret).
    const o = await exchange(adapter, { kind: 'echo', status: 400, headers: true }, () => adapter.read());
    expect(o.requests[0]!.headers['x-auth-token']).toBe(KEY);
    if (adapter.name === 'REST') {
      expect(o.answer.status).toBe(400);
      expect(o.answer.text).toContain('"x-auth-token":"[redacted]"');
      const link = o.answer.headers?.get('link') ?? '';
      expect(link).toContain('/x-auth-token/[redacted]>');
    } else {
      expect(o.answer.isError, o.answer.text).toBe(true);
      expect(o.answer.text).toMatch(/upstream answered 400/);
      expect(o.answer.text).toContain('[redacted]');
    }
    expect(o.answer.text).not.toContain(KEY);
    expectPrompt(o.ms);
    expect(o.calls).toBe(1);
  });

  it('echo with the credential in a relayed header of a success: replaced there too', async () => {
    const o = await exchange(adapter, { kind: 'echo', headers: true }, () => adapter.read());
    expect(o.answer.status, o.answer.text).toBe(200);
    if (adapter.name === 'REST') expect(o.answer.headers?.get('link')).toContain('/x-auth-token/[redacted]>');
    expect(o.calls).toBe(1);
  });
});
