// runtime/mcp.ts: tool results and errors (toolResult), and the HTTP front of serveMcpHttp.
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiResponse, RequestError, UpstreamError } from '../../runtime/http.js';
import { setLogLevel } from '../../runtime/log.js';
import {
  createToolServer,
  jsonSchema,
  serveMcpHttp,
  tool,
  toolError,
  toolResult,
} from '../../runtime/mcp.js';

const limits = { maxTextLength: 1000 };
const reply =
  (status: number, body: string, headers: Record<string, string> = {}) =>
  () =>
    Promise.resolve(
      new ApiResponse(status, { 'content-type': 'application/json', ...headers }, Buffer.from(body)),
    );

describe('toolResult', () => {
  it('an object body is the structured content and its JSON the text; status and paging go in _meta', async () => {
    const result = await toolResult(
      reply(200, '{"a":1}', { 'x-total-count': '3', location: '/x/1', 'set-cookie': 'k=v' }),
      limits,
    );
    expect(result).toEqual({
      content: [{ type: 'text', text: '{"a":1}' }],
      structuredContent: { a: 1 },
      _meta: { 'capgen/upstream': { status: 200, headers: { location: '/x/1', 'x-total-count': '3' } } },
    });
  });

  it('anything but an object is wrapped as {result}', async () => {
    expect((await toolResult(reply(200, '[1,2]'), limits)).structuredContent).toEqual({ result: [1, 2] });
    expect((await toolResult(reply(204, ''), limits)).structuredContent).toEqual({ result: null });
    const text = await toolResult(reply(200, 'plain', { 'content-type': 'text/plain' }), limits);
    expect(text.structuredContent).toEqual({ result: 'plain' });
  });

  it('applies the output shape', async () => {
    const result = await toolResult(reply(200, '{"server":{"id":"s1","name":"n"}}'), limits, {
      kind: 'object',
      properties: [['id', { kind: 'value', path: ['server', 'id'] }]],
    });
    expect(result.structuredContent).toEqual({ id: 's1' });
  });

  it("an upstream error is a tool error with the upstream's message, kind and field details", async () => {
    const body = JSON.stringify({
      message: 'invalid argument(s)',
      type: 'invalid_arguments',
      details: [{ argument_name: 'image_id', help_message: 'must be a UUID' }, { other: 1 }],
    });
    expect(await toolResult(reply(400, body), limits)).toEqual(
      toolError('upstream answered 400: invalid argument(s) (invalid_arguments): image_id: must be a UUID'),
    );
    expect(await toolResult(reply(404, '{"error":"not found"}'), limits)).toEqual(
      toolError('upstream answered 404: not found'),
    );
    expect(await toolResult(reply(502, ' bad gateway ', { 'content-type': 'text/plain' }), limits)).toEqual(
      toolError('upstream answered 502: bad gateway'),
    );
    expect(await toolResult(reply(500, ''), limits)).toEqual(toolError('upstream answered 500: no body'));
  });

  it('thrown errors: invalid argument, upstream failure, and nothing of any other error', async () => {
    const fails = (err: Error) => () => Promise.reject(err);
    expect(
      await toolResult(fails(new RequestError('path parameter "id" is required', 'id')), limits),
    ).toEqual(toolError('invalid argument: path parameter "id" is required'));
    expect(await toolResult(fails(new UpstreamError('GET /x: too slow', 'timeout')), limits)).toEqual(
      toolError('GET /x: too slow'),
    );
    expect(await toolResult(fails(new Error('key SECRET')), limits)).toEqual(toolError('internal error'));
  });

  it('cuts long text with a visible marker, keeping the structured content whole', async () => {
    const result = await toolResult(reply(200, JSON.stringify({ t: 'x'.repeat(50) })), { maxTextLength: 20 });
    const text = (result.content[0] as { text: string }).text;
    expect(text).toBe(`{"t":"${'x'.repeat(14)}\n[truncated: 38 of 58 characters not shown]`);
    expect(result.structuredContent).toEqual({ t: 'x'.repeat(50) });
  });

  it('toolError is an isError result with one text', () => {
    expect(toolError('m')).toEqual({ isError: true, content: [{ type: 'text', text: 'm' }] });
  });
});

describe('serveMcpHttp', () => {
  let served: Awaited<ReturnType<typeof serveMcpHttp>>;
  let base: string;
  beforeAll(async () => {
    setLogLevel('silent');
    const echo = tool({
      name: 'echo',
      description: 'Echoes.',
      inputSchema: jsonSchema({ type: 'object', properties: {}, additionalProperties: false }),
      outputSchema: jsonSchema({ type: 'object', additionalProperties: true }),
      annotations: { readOnlyHint: true },
      call: reply(200, '{"ok":true}'),
    });
    served = await serveMcpHttp(() => createToolServer({ name: 't', version: '1.0.0' }, [echo], limits), {
      port: 0,
      host: '127.0.0.1',
      allowedHosts: ['127.0.0.1'],
      maxBodyBytes: 1024,
      name: 't',
      auth: { kind: 'bearer', token: 'tok' },
    });
    base = `http://127.0.0.1:${(served.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await served.close();
    setLogLevel(undefined);
  });

  it('refuses missing credentials with 401 and a challenge', async () => {
    const res = await fetch(`${base}/mcp`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ error: 'unauthorized', message: 'missing or invalid credentials' });
  });

  it('answers 404 off /mcp, and refuses a foreign Host', async () => {
    const other = await fetch(`${base}/other`, { headers: { authorization: 'Bearer tok' } });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: 'not_found', message: 'the MCP endpoint is /mcp' });
    const origin = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok', origin: 'http://evil.example' },
    });
    expect(origin.status).toBe(403);
  });

  it('lists the tools over JSON-RPC for an authorised caller', async () => {
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer tok',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const data = JSON.parse(
      text
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as {
      result: { tools: { name: string }[] };
    };
    expect(data.result.tools.map((t) => t.name)).toEqual(['echo']);
  });
});
