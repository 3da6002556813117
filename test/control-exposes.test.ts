// Control exposes end to end: test/fixtures/exposes/control.yaml generated and started on
// 127.0.0.1 against a real upstream; real REST and MCP calls are made, then the control port is
// read over HTTP: health, status, Prometheus metrics (read by a Prometheus text parser) and traces.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generated } from '../generator/pipeline.js';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'exposes', 'control.yaml');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let upstream: Server;
let generated: Generated;
let running: RunningServer;

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${running.urls.control}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"berths":[]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const built = await generateInto(SPEC);
  generated = built.generated;
  const port = (upstream.address() as AddressInfo).port;
  running = await startGenerated(generated, built.out, {
    [generated.model.apis[0]!.baseUrlEnv]: `http://127.0.0.1:${port}/v1`,
    CONTROL_PORT: '0',
  });
  // Traffic to measure: two REST calls (one carrying a W3C traceparent), one 404, one MCP tool call.
  const rest = running.urls['harbour-rest']!;
  expect((await fetch(`${rest}/berths`, { headers: { traceparent: TRACEPARENT } })).status).toBe(200);
  expect((await fetch(`${rest}/berths`)).status).toBe(200);
  expect((await fetch(`${rest}/nowhere`)).status).toBe(404);
  const client = new Client({ name: 'control-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['harbour-tools']!)));
  const result = await client.callTool({ name: 'list-berths', arguments: {} });
  expect(result.isError).toBeFalsy();
  await client.close();
}, 300_000);

afterAll(async () => {
  await running?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

describe('control exposes', () => {
  it('is in the model with the spec switches', () => {
    expect(generated.model.control).toMatchObject({ port: 3129, info: true, metrics: true, traceBuffer: 10 });
  });

  it('answers live and ready with every adapter started', async () => {
    expect(JSON.parse((await get('/health/live')).text)).toEqual({ status: 'UP' });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    const body = JSON.parse(ready.text) as { status: string; adapters: { type: string; state: string }[] };
    expect(body.status).toBe('UP');
    expect(body.adapters.map((a) => [a.type, a.state])).toEqual([
      ['rest', 'started'],
      ['mcp', 'started'],
      ['control', 'started'],
    ]);
  });

  it('reports the capability on /status (info is on)', async () => {
    const status = JSON.parse((await get('/status')).text);
    expect(status.capability).toEqual({ label: 'Harbour control', specVersion: '1.0.0-alpha2' });
    expect(status.engine.name).toBe('capgen');
  });

  it('counts the REST and MCP requests in Prometheus text that a Prometheus parser reads', async () => {
    const res = await get('/metrics');
    expect(res.type).toContain('text/plain');
    const families = new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
    const requests = families.get('capgen_requests_total')!;
    expect(requests.type).toBe('COUNTER');
    const count = (labels: Record<string, string>) =>
      Number(requests.metrics.find((m) => JSON.stringify(m.labels) === JSON.stringify(labels))?.value ?? 0);
    expect(count({ adapter: 'harbour-rest', operation: 'GET /berths', status: '200' })).toBe(2);
    expect(count({ adapter: 'harbour-rest', operation: 'GET (no route)', status: '404' })).toBe(1);
    const mcp = requests.metrics.filter((m) => m.labels?.adapter === 'harbour-tools');
    expect(mcp.length).toBeGreaterThan(0);
    expect(mcp.every((m) => m.labels?.operation === 'POST /mcp' || m.labels?.operation === 'GET /mcp')).toBe(
      true,
    );
    const latency = families.get('capgen_request_duration_seconds')!;
    expect(latency.type).toBe('HISTOGRAM');
    // This parser folds labelled histogram series into one, so only the family is checked here;
    // the request counts above are per series.
    expect(latency.metrics.length).toBeGreaterThan(0);
    // The clients record every upstream call: two REST calls and one MCP tool call, per API.
    const upstream = families.get('capgen_upstream_requests_total')!;
    expect(upstream.type).toBe('COUNTER');
    expect(upstream.metrics.map((m) => [m.labels, Number(m.value)])).toEqual([
      [{ api: 'harbour', status: '200' }, 3],
    ]);
    const upstreamLatency = families.get('capgen_upstream_duration_seconds')!;
    expect(upstreamLatency.type).toBe('HISTOGRAM');
    // One API, so the folded series is its: all three calls are under the +Inf bucket.
    const [series] = upstreamLatency.metrics as { buckets?: Record<string, string> }[];
    expect(Number(series!.buckets?.['+Inf'])).toBe(3);
  });

  it('keeps the traces in a bounded ring, with the caller trace id', async () => {
    const list = JSON.parse((await get('/traces')).text) as {
      traces: { traceId: string; operation: string }[];
      bufferSize: number;
    };
    expect(list.bufferSize).toBe(10);
    const mine = list.traces.find((t) => t.traceId === '4bf92f3577b34da6a3ce929d0e0e4736');
    expect(mine?.operation).toBe('harbour-rest GET /berths');
    const one = await get('/traces/4bf92f3577b34da6a3ce929d0e0e4736');
    expect(one.status).toBe(200);
    expect((await get('/traces/ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });

  it('checks the Host name', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const url = new URL(running.urls.control!);
      import('node:http').then(({ request }) => {
        const req = request(
          { host: url.hostname, port: url.port, path: '/health/live', headers: { host: 'attacker.example' } },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(res).toBe(403);
  });
});
