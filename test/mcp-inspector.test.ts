/**
 * The MCP Inspector CLI against the seed's MCP server over HTTP, in both protocol eras.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { inspector as runInspector, type Ran } from './support/inspector.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import {
  header,
  IMAGE,
  IMAGE_ID,
  KEY,
  type ListedTool,
  mcpUrl,
  onlyRequestSince,
  serverEnv,
  TOOL_NAMES,
  type ToolResult,
} from './support/seed-mcp.js';

let recorder: Recorder;
let main: RunningServer;

beforeAll(async () => {
  // The generated server logs one JSON line per request on stdout; keep the test output readable.
  setLogLevel('silent');
  recorder = await startRecorder();
  main = await start({ env: serverEnv(recorder) });
});

afterAll(async () => {
  await main?.close();
  await recorder?.close();
});

// ---------------------------------------------------------------------------------------------
// The MCP Inspector CLI against the HTTP server.

describe('MCP Inspector CLI', () => {
  const timings: string[] = [];

  afterAll(() => {
    if (timings.length > 0) console.info(`Inspector CLI timings: ${timings.join('; ')}`);
  });

  async function inspector(label: string, args: string[]): Promise<Ran & { ms: number }> {
    const started = performance.now();
    const run = await runInspector(mcpUrl(main), args);
    const ms = Math.round(performance.now() - started);
    timings.push(`${label} ${ms} ms (exit ${run.code})`);
    return { ...run, ms };
  }

  interface CliToolsList {
    result: { tools: ListedTool[] };
  }
  interface CliCall {
    result: ToolResult;
  }

  it('tools/list --strict exits 0 and lists the six tools', async () => {
    const run = await inspector('tools/list --strict', [
      '--method',
      'tools/list',
      '--strict',
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliToolsList;
    expect(out.result.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('tools/call list-instance-images exits 0 and prints the upstream body', async () => {
    const body = { images: [IMAGE], total_count: 1 };
    recorder.respond(() => ({ status: 200, body }));
    const before = recorder.requests.length;
    const run = await inspector('tools/call list-instance-images', [
      '--method',
      'tools/call',
      '--tool-name',
      'list-instance-images',
      '--tool-args-json',
      '{"zone":"fr-par-1"}',
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const req = onlyRequestSince(recorder, before);
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/instance/v1/zones/fr-par-1/images');
    expect(header(req, 'x-auth-token')).toBe(KEY);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.structuredContent).toEqual(body);
    expect(JSON.parse(out.result.content[0]?.text ?? '')).toEqual(body);
    expect(out.result._meta?.['capgen/upstream']).toEqual({ status: 200, headers: {} });
    expect(out.result._meta?.['io.modelcontextprotocol/serverInfo']).toBeUndefined(); // legacy era: no per-result server info
    expect(run.stdout).not.toContain(KEY);
  });

  it('tools/call that gets an upstream 404 exits 5', async () => {
    recorder.respond(() => ({ status: 404, body: { message: 'image not found', type: 'not_found' } }));
    const run = await inspector('tools/call 404', [
      '--method',
      'tools/call',
      '--tool-name',
      'get-instance-image',
      '--tool-args-json',
      JSON.stringify({ zone: 'fr-par-1', image_id: IMAGE_ID }),
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(5);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.isError).toBe(true);
    expect(out.result.content[0]?.text).toMatch(/404.*image not found/);
  });

  it('--protocol-era modern: tools/list --strict exits 0', async () => {
    const run = await inspector('tools/list --strict --protocol-era modern', [
      '--method',
      'tools/list',
      '--strict',
      '--format',
      'json',
      '--protocol-era',
      'modern',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliToolsList;
    expect(out.result.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('--protocol-era modern: tools/call exits 0 and the result carries the modern-era server info', async () => {
    const body = { images: [], total_count: 0 };
    recorder.respond(() => ({ status: 200, body }));
    const run = await inspector('tools/call --protocol-era modern', [
      '--method',
      'tools/call',
      '--tool-name',
      'list-instance-images',
      '--tool-args-json',
      '{"zone":"fr-par-1"}',
      '--format',
      'json',
      '--protocol-era',
      'modern',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as CliCall;
    expect(out.result.structuredContent).toEqual(body);
    expect(out.result._meta).toMatchObject({
      'io.modelcontextprotocol/serverInfo': { name: 'instance-images-mcp' },
    });
  });
});
