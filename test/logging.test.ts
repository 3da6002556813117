// The generated seed server's logs, as its process writes them: pino lines from one logger for
// REST and MCP, one per request with reqId, adapter, route or tool, status and responseTime;
// LOG_LEVEL as pino's levels (debug adds lines, a misspelt level stops the start); the API key
// never in any line, even at trace level with an upstream that fails. Under --stdio, one line per
// tool call on stderr, stdout carrying only the protocol.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';
import { untilOutput } from './support/child.js';

const ROOT = new URL('..', import.meta.url).pathname;
const { SCALEWAY_API_KEY: _drop, LOG_LEVEL: _level, ...baseEnv } = process.env;
const SERVER = ['--import', 'tsx', 'out/instance-images/server.ts'];

let fake: FakeScaleway;
beforeAll(async () => {
  fake = await startFakeScaleway({ seedImages: 2 });
});
afterAll(() => fake?.close());

interface Line {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

async function startServer(
  level: string,
): Promise<{ child: ChildProcess; urls: Record<string, string>; lines: () => Line[]; raw: () => string }> {
  const child = spawn(process.execPath, SERVER, {
    cwd: ROOT,
    env: {
      ...baseEnv,
      LOG_LEVEL: level,
      SCALEWAY_API_KEY: fake.apiKey,
      INSTANCE_IMAGES_BASE_URL: fake.url,
      INSTANCE_IMAGES_REST_PORT: '0',
      INSTANCE_IMAGES_MCP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await untilOutput([child.stdout], () => stdout.includes('"msg":"listening"'), 'the listening line', child);
  const lines = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  const urls = lines().find((l) => l.msg === 'listening')!.urls as Record<string, string>;
  return { child, urls, lines, raw: () => stdout + stderr };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

const mcpCall = (url: string, name: string, args: Record<string, unknown>) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  }).then((r) => r.text());

/** Waits until the server has written the line a finished request produces. */
const until = async (lines: () => Line[], test: (l: Line) => boolean) => {
  while (!lines().some(test)) await new Promise((r) => setImmediate(r));
  return lines().find(test)!;
};

describe('the seed server logs', () => {
  it('one pino line per REST and MCP request, with request id, adapter, route or tool, status and time', async () => {
    const { child, urls, lines, raw } = await startServer('info');
    try {
      const rest = urls['instance-images-rest']!;
      const res = await fetch(`${rest}/v1/instance/v1/zones/fr-par-1/images?per_page=1`, {
        headers: { 'x-request-id': 'from-the-proxy-1' },
      });
      expect(res.status).toBe(200);
      const restLine = await until(lines, (l) => l.reqId === 'from-the-proxy-1');
      expect(restLine).toMatchObject({
        level: 30,
        msg: 'request completed',
        adapter: 'instance-images-rest',
        method: 'GET',
        route: '/v1/instance/v1/zones/:zone/images',
        path: '/v1/instance/v1/zones/fr-par-1/images',
        status: 200,
      });
      expect(typeof restLine.responseTime).toBe('number');
      // The query string, where credentials may travel, is not in the line.
      expect(JSON.stringify(restLine)).not.toContain('per_page');

      await mcpCall(urls['instance-images-mcp']!, 'get-instance-image', {
        zone: 'fr-par-1',
        image_id: '00000000-0000-4000-8000-000000000001',
      });
      const mcpLine = await until(lines, (l) => l.adapter === 'instance-images-mcp');
      expect(mcpLine).toMatchObject({
        level: 30,
        msg: 'request completed',
        method: 'POST',
        path: '/mcp',
        tool: 'get-instance-image',
        status: 200,
      });
      expect(mcpLine.reqId).toMatch(/^mcp-\d+$/);
      expect(typeof mcpLine.responseTime).toBe('number');
      // At info there is no debug line.
      expect(lines().filter((l) => l.level < 30)).toEqual([]);
      expect(raw()).not.toContain(fake.apiKey);
    } finally {
      await stop(child);
    }
  });

  it('LOG_LEVEL=trace adds debug lines; the key stays out of every line, even when the upstream fails', async () => {
    const { child, urls, lines, raw } = await startServer('trace');
    try {
      const rest = urls['instance-images-rest']!;
      await fetch(`${rest}/v1/instance/v1/zones/fr-par-1/images`, { headers: { 'x-request-id': 'trace-1' } });
      await until(lines, (l) => l.reqId === 'trace-1' && l.msg === 'request completed');
      expect(
        lines().some((l) => l.level === 20 && l.reqId === 'trace-1' && l.msg === 'upstream answered'),
      ).toBe(true);
      // An upstream that is gone: the error paths log too.
      fake.faults.resetMidBody = true;
      await fetch(`${rest}/v1/instance/v1/zones/fr-par-1/images`, { headers: { 'x-request-id': 'trace-2' } });
      await mcpCall(urls['instance-images-mcp']!, 'list-instance-images', { zone: 'fr-par-1' });
      fake.faults.resetMidBody = false;
      await until(lines, (l) => l.reqId === 'trace-2' && l.msg === 'request completed');
      await until(lines, (l) => l.adapter === 'instance-images-mcp' && l.msg === 'request completed');
      expect(raw()).not.toContain(fake.apiKey);
    } finally {
      await stop(child);
    }
  });

  it('a LOG_LEVEL that is not a pino level stops the start, naming the variable and the levels', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        SERVER,
        { cwd: ROOT, env: { ...baseEnv, LOG_LEVEL: 'verbose', SCALEWAY_API_KEY: fake.apiKey } },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "verbose"',
    );
  });

  it('under --stdio: one line per tool call on stderr, and stdout carries only JSON-RPC', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...SERVER, '--stdio'],
      cwd: ROOT,
      env: {
        ...(baseEnv as Record<string, string>),
        SCALEWAY_API_KEY: fake.apiKey,
        INSTANCE_IMAGES_BASE_URL: fake.url,
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const client = new Client({ name: 'capgen-logging-test', version: '1.0.0' }, {});
    const notJsonRpc: unknown[] = [];
    // The client parses every line of the child's stdout; a log line there would be an error.
    client.onerror = (e) => notJsonRpc.push(e);
    const lines = () =>
      stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line);
    try {
      await client.connect(transport);
      const ok = await client.callTool({ name: 'list-instance-images', arguments: { zone: 'fr-par-1' } });
      expect(ok.isError).toBeFalsy();
      const missing = await client.callTool({
        name: 'get-instance-image',
        arguments: { zone: 'fr-par-1', image_id: '00000000-0000-4000-8000-00000000dead' },
      });
      expect(missing.isError).toBe(true);
      const wait = (tool: string) =>
        untilOutput(
          [transport.stderr],
          () => lines().some((l) => l.msg === 'tool call completed' && l.tool === tool),
          `the ${tool} line`,
        );
      await wait('list-instance-images');
      await wait('get-instance-image');
      const calls = lines().filter((l) => l.msg === 'tool call completed');
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({
        level: 30,
        adapter: 'instance-images-mcp',
        tool: 'list-instance-images',
        upstreamStatus: 200,
      });
      expect(calls[0]!.isError).toBeUndefined();
      expect(calls[1]).toMatchObject({ level: 30, tool: 'get-instance-image', isError: true });
      // The request id is the JSON-RPC id, distinct per call.
      expect(calls[0]!.reqId).toMatch(/^stdio-\d+$/);
      expect(calls[1]!.reqId).not.toBe(calls[0]!.reqId);
      for (const call of calls) expect(typeof call.responseTime).toBe('number');
      expect(notJsonRpc).toEqual([]);
      expect(stderr).not.toContain(fake.apiKey);
    } finally {
      await client.close();
    }
  });
});
