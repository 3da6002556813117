/**
 * The seed's MCP server as a child process over stdio: the official stdio client, and a raw spawn
 * that checks every stdout line is JSON-RPC and that logs and the credential stay off stdout.
 */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilOutput } from './support/child.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import {
  callTool,
  expectSuccess,
  header,
  IMAGE,
  IMAGE_ID,
  KEY,
  onlyRequestSince,
  parsedText,
  ROOT,
  serverEnv,
  TOOL_NAMES,
} from './support/seed-mcp.js';

let recorder: Recorder;

beforeAll(async () => {
  recorder = await startRecorder();
});

afterAll(async () => {
  await recorder?.close();
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
