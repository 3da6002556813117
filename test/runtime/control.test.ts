// The control adapter (runtime/control.ts) over a real socket: health, readiness with a stopped
// adapter, status, Prometheus metrics read back by a Prometheus text parser, and the trace ring.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlApp } from '../../runtime/control.js';
import { Telemetry } from '../../runtime/telemetry.js';

const telemetry = new Telemetry({ traceBuffer: 3 });
let mcpStarted = true;
const app = createControlApp({
  telemetry,
  health: true,
  info: true,
  metrics: true,
  traces: true,
  capability: { label: 'Shipyard', specVersion: '1.0.0-alpha2', generatorVersion: '0.1.0' },
  adapters: [
    { type: 'rest', namespace: 'shipyard-api', port: 3003, started: () => true },
    { type: 'mcp', namespace: 'shipyard-tools', port: 3001, started: () => mcpStarted },
    { type: 'control', port: 9090, started: () => true },
  ],
  authorize: (req) => req.headers.authorization === 'Bearer ops-token',
});
let base: string;

beforeAll(async () => {
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

const get = async (path: string, token = 'ops-token') => {
  const res = await request(base + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
};

describe('control adapter', () => {
  it('refuses a caller without the control credentials', async () => {
    expect((await get('/health/live', 'wrong')).status).toBe(401);
  });

  it('is live, and ready only while every business adapter is started', async () => {
    expect(JSON.parse((await get('/health/live')).text)).toEqual({ status: 'UP' });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).status).toBe('UP');
    mcpStarted = false;
    const degraded = await get('/health/ready');
    mcpStarted = true;
    expect(degraded.status).toBe(503);
    expect(JSON.parse(degraded.text)).toEqual({
      status: 'DEGRADED',
      adapters: [
        { type: 'rest', namespace: 'shipyard-api', port: 3003, state: 'started' },
        { type: 'mcp', namespace: 'shipyard-tools', port: 3001, state: 'stopped' },
        { type: 'control', port: 9090, state: 'started' },
      ],
    });
  });

  it('reports the capability, version and uptime on /status', async () => {
    const status = JSON.parse((await get('/status')).text);
    expect(status.capability).toEqual({ label: 'Shipyard', specVersion: '1.0.0-alpha2' });
    expect(status.engine.name).toBe('capgen');
    expect(status.uptime).toMatch(/^PT/);
    expect(status.adapters).toHaveLength(3);
  });

  it('counts requests and upstream calls in Prometheus text that a Prometheus parser reads', async () => {
    for (const status of [200, 200, 404]) {
      const trace = telemetry.trace('shipyard-api', 'GET /ships');
      trace.upstream('registry', 'registry.list-ships')(status);
      trace.end(status);
    }
    const res = await get('/metrics');
    expect(res.type).toContain('text/plain');
    const families = new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
    const requests = families.get('capgen_requests_total')!;
    expect(requests.type).toBe('COUNTER');
    const count = (labels: Record<string, string>) =>
      Number(requests.metrics.find((m) => JSON.stringify(m.labels) === JSON.stringify(labels))?.value);
    expect(count({ adapter: 'shipyard-api', operation: 'GET /ships', status: '200' })).toBe(2);
    expect(count({ adapter: 'shipyard-api', operation: 'GET /ships', status: '404' })).toBe(1);
    const latency = families.get('capgen_request_duration_seconds')!;
    expect(latency.type).toBe('HISTOGRAM');
    expect(Number(latency.metrics[0]!.buckets!['+Inf'])).toBe(3);
    expect(Number(latency.metrics[0]!.buckets!['10'])).toBe(3);
    const upstream = families.get('capgen_upstream_requests_total')!;
    expect(upstream.metrics.map((m) => [m.labels, Number(m.value)])).toEqual([
      [{ api: 'registry', status: '200' }, 2],
      [{ api: 'registry', status: '404' }, 1],
    ]);
  });

  it('keeps the newest traces in a bounded ring, filterable, each with its spans', async () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const trace = telemetry.trace('shipyard-tools', 'get-ship', parent);
    trace.upstream('registry', 'registry.get-ship')(502);
    trace.end(502);
    const list = JSON.parse((await get('/traces')).text);
    expect(list.bufferSize).toBe(3);
    expect(list.bufferUsed).toBe(3);
    expect(list.traces[0]).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      operation: 'shipyard-tools get-ship',
      status: 'ERROR',
      spanCount: 2,
    });
    const errors = JSON.parse((await get('/traces?status=error')).text);
    expect(errors.traces).toHaveLength(1);
    const one = JSON.parse((await get('/traces/4bf92f3577b34da6a3ce929d0e0e4736')).text);
    expect(one.spans.map((s: { kind: string; name: string }) => [s.kind, s.name])).toEqual([
      ['server', 'shipyard-tools get-ship'],
      ['client', 'registry.get-ship'],
    ]);
    expect(one.spans[1].parentSpanId).toBe(one.spans[0].spanId);
    expect((await get('/traces/ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });
});
