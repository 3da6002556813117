// Per-tool MCP metrics on the control port: test/fixtures/exposes/control-tools.yaml generated and
// started on 127.0.0.1 against a real upstream; the official MCP client calls two tools (one of them
// failing), then /metrics is read with a Prometheus text parser.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generated } from '../generator/pipeline.js';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'exposes', 'control-tools.yaml');
const ADAPTER = 'harbour-tools';

let upstream: Server;
let generated: Generated;
let running: RunningServer;
let metrics: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/v1/berths') return res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    if (req.url === '/v1/berths/b1')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"b1"}');
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such berth"}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const built = await generateInto(SPEC);
  generated = built.generated;
  running = await startGenerated(generated, built.out, {
    [generated.model.apis[0]!.baseUrlEnv]: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
  });
  const client = new Client({ name: 'control-tools-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls[ADAPTER]!)));
  // list-berths twice; get-berth once found and once not (an isError result, still HTTP 200).
  for (let i = 0; i < 2; i++)
    expect((await client.callTool({ name: 'list-berths', arguments: {} })).isError).toBeFalsy();
  expect((await client.callTool({ name: 'get-berth', arguments: { id: 'b1' } })).isError).toBeFalsy();
  expect((await client.callTool({ name: 'get-berth', arguments: { id: 'nope' } })).isError).toBe(true);
  await client.close();
  metrics = await (await fetch(`${running.urls.control}/metrics`)).text();
});

afterAll(async () => {
  await running?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
const value = (family: Family | undefined, labels: Record<string, string>) => {
  const found = family?.metrics.filter((m) =>
    Object.entries(labels).every(([k, v]) => (m.labels as Record<string, string> | undefined)?.[k] === v),
  );
  expect(found, JSON.stringify(labels)).toHaveLength(1);
  return Number((found![0] as { value: string }).value);
};

describe('per-tool MCP metrics', () => {
  it('counts each tool call by tool and outcome', () => {
    const families = new Map(parsePrometheusTextFormat(metrics).map((f) => [f.name, f]));
    const calls = families.get('capgen_mcp_tool_calls_total');
    expect(calls?.type).toBe('COUNTER');
    expect(value(calls, { adapter: ADAPTER, tool: 'list-berths', outcome: 'ok' })).toBe(2);
    expect(value(calls, { adapter: ADAPTER, tool: 'get-berth', outcome: 'ok' })).toBe(1);
    expect(value(calls, { adapter: ADAPTER, tool: 'get-berth', outcome: 'error' })).toBe(1);
    expect(calls!.metrics).toHaveLength(3);
  });

  it('times each tool in a histogram of its own', () => {
    const families = new Map(parsePrometheusTextFormat(metrics).map((f) => [f.name, f]));
    expect(families.get('capgen_mcp_tool_duration_seconds')?.type).toBe('HISTOGRAM');
    // This parser folds the series of a labelled histogram into one. Without the TYPE lines it
    // reads each run of _bucket, _sum and _count lines as a family of its own, every series with
    // its labels; the runs of one name are put together here.
    const untyped = new Map<string, Family>();
    const lines = metrics.split('\n').filter((line) => !line.startsWith('# TYPE '));
    for (const f of parsePrometheusTextFormat(lines.join('\n'))) {
      const seen = untyped.get(f.name);
      untyped.set(f.name, seen ? { ...seen, metrics: [...seen.metrics, ...f.metrics] } : f);
    }
    const count = untyped.get('capgen_mcp_tool_duration_seconds_count');
    expect(value(count, { adapter: ADAPTER, tool: 'list-berths' })).toBe(2);
    expect(value(count, { adapter: ADAPTER, tool: 'get-berth' })).toBe(2);
    const buckets = untyped.get('capgen_mcp_tool_duration_seconds_bucket');
    expect(value(buckets, { adapter: ADAPTER, tool: 'list-berths', le: '+Inf' })).toBe(2);
    const sum = untyped.get('capgen_mcp_tool_duration_seconds_sum');
    expect(value(sum, { adapter: ADAPTER, tool: 'get-berth' })).toBeGreaterThan(0);
  });

  it('still counts the HTTP requests and the upstream calls', () => {
    const families = new Map(parsePrometheusTextFormat(metrics).map((f) => [f.name, f]));
    const upstreamCalls = families.get('capgen_upstream_requests_total');
    expect(value(upstreamCalls, { api: 'harbour', status: '200' })).toBe(3);
    expect(value(upstreamCalls, { api: 'harbour', status: '404' })).toBe(1);
    const requests = families.get('capgen_requests_total')!;
    expect(requests.metrics.some((m) => m.labels?.adapter === ADAPTER)).toBe(true);
  });
});
