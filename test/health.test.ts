// /healthz and /readyz (runtime/health.ts) over real sockets: on both adapters of the generated
// seed server, open to callers without credentials and with any Host, not ready once shutdown
// begins; and `servers` in the served OpenAPI naming the real listen address.
import { Buffer } from 'node:buffer';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StartOptions } from '../out/instance-images/server.js';
import { Health, readiness } from '../runtime/health.js';
import { ApiResponse } from '../runtime/http.js';
import { setLogLevel } from '../runtime/log.js';
import { createToolServer, serveMcpHttp } from '../runtime/mcp.js';
import { createRestApp, route } from '../runtime/rest.js';
import { type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';

// The seed's own copy of the runtime logs for it.
const seedLog = (await import('../out/instance-images/runtime/log.js')) as { setLogLevel(l?: string): void };

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, type: String(res.headers['content-type']), text };
};

describe('readiness', () => {
  it('is UP only while every business adapter is started and shutdown has not begun', () => {
    const health = new Health();
    const rest = health.adapter('rest', 'r');
    const mcp = health.adapter('mcp', 'm');
    expect(health.ready().status).toBe('DEGRADED');
    rest.listening(8080);
    expect(health.ready()).toEqual({
      status: 'DEGRADED',
      adapters: [
        { type: 'rest', namespace: 'r', port: 8080, state: 'started' },
        { type: 'mcp', namespace: 'm', state: 'stopped' },
      ],
    });
    mcp.listening(9090);
    expect(health.ready().status).toBe('UP');
    health.stop();
    expect(health.ready().status).toBe('DEGRADED');
    expect(health.ready().adapters.map((a) => a.state)).toEqual(['stopped', 'stopped']);
  });

  it('leaves a stopped control adapter out of the verdict, as the control adapter reports it', () => {
    expect(readiness([{ type: 'control', started: () => false }]).status).toBe('UP');
  });
});

describe('the generated seed server', () => {
  let fake: FakeScaleway;
  let server: RunningServer;

  beforeAll(async () => {
    seedLog.setLogLevel('silent');
    fake = await startFakeScaleway();
    const { start } = (await import('../out/instance-images/server.js')) as {
      start: (options?: StartOptions) => Promise<RunningServer>;
    };
    server = await start({
      env: {
        SCALEWAY_API_KEY: fake.apiKey,
        INSTANCE_IMAGES_BASE_URL: fake.url,
        INSTANCE_IMAGES_REST_PORT: '0',
        INSTANCE_IMAGES_MCP_PORT: '0',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    seedLog.setLogLevel(undefined);
  });

  it('answers /healthz and /readyz on both adapters, naming the ports they really got', async () => {
    const rest = server.urls['instance-images-rest']!;
    const mcp = server.urls['instance-images-mcp']!.replace(/\/mcp$/, '');
    const ports = [rest, mcp].map((u) => Number(new URL(u).port));
    for (const base of [rest, mcp]) {
      const live = await get(`${base}/healthz`);
      expect(live.status).toBe(200);
      expect(live.type).toMatch(/^application\/json/);
      expect(JSON.parse(live.text)).toEqual({ status: 'UP' });
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.text)).toEqual({
        status: 'UP',
        adapters: [
          { type: 'rest', namespace: 'instance-images-rest', port: ports[0], state: 'started' },
          { type: 'mcp', namespace: 'instance-images-mcp', port: ports[1], state: 'started' },
        ],
      });
    }
    // No upstream call: health says nothing about Scaleway's own state.
    expect(fake.requests).toHaveLength(0);
  });

  it('serves the OpenAPI document with `servers` at the address it listens on', async () => {
    const rest = server.urls['instance-images-rest']!;
    const doc = JSON.parse((await get(`${rest}/openapi.json`)).text) as { servers: { url: string }[] };
    expect(doc.servers.map((s) => s.url)).toEqual([rest]);
    // The file on disk names the spec's port, which is not the one the test got.
    expect(rest).not.toBe('http://127.0.0.1:8080');
  });
});

describe('health routes are outside inbound credentials and the Host check', () => {
  const auth = { kind: 'bearer' as const, token: 'inbound-secret-token' };
  const health = new Health();
  const restState = health.adapter('rest', 'r');
  const mcpState = health.adapter('mcp', 'm');
  const app = createRestApp(
    [
      route({
        method: 'GET',
        url: '/items',
        schema: {},
        call: () => Promise.resolve(new ApiResponse(200, {}, Buffer.from(''))),
      }),
    ],
    { name: 'r', bodyLimit: 1024, openapi: Buffer.from('{"openapi":"3.1.0","paths":{}}'), auth, health },
  );
  let restUrl: string;
  let mcp: Awaited<ReturnType<typeof serveMcpHttp>>;
  let mcpUrl: string;

  beforeAll(async () => {
    setLogLevel('silent');
    restUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    restState.listening(Number(new URL(restUrl).port));
    mcp = await serveMcpHttp(
      () => createToolServer({ name: 't', version: '1.0.0' }, [], { maxTextLength: 100 }),
      {
        name: 'm',
        host: '127.0.0.1',
        port: 0,
        allowedHosts: ['localhost', '127.0.0.1'],
        maxBodyBytes: 1024,
        auth,
        health,
      },
    );
    const address = mcp.server.address();
    mcpUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    mcpState.listening(Number(new URL(mcpUrl).port));
  });
  afterAll(async () => {
    await app.close();
    await mcp.close();
    setLogLevel(undefined);
  });

  it('REST: a probe without credentials is answered, a route is refused', async () => {
    expect((await get(`${restUrl}/items`)).status).toBe(401);
    expect((await get(`${restUrl}/healthz`)).status).toBe(200);
    expect((await get(`${restUrl}/readyz`)).status).toBe(200);
  });

  it('MCP: a probe by IP (a kubelet) without credentials is answered; /mcp with that Host is refused', async () => {
    const podHost = { host: '10.1.2.3:8080' };
    expect((await get(`${mcpUrl}/healthz`, podHost)).status).toBe(200);
    expect((await get(`${mcpUrl}/readyz`, podHost)).status).toBe(200);
    expect((await get(`${mcpUrl}/mcp`, podHost)).status).toBeGreaterThanOrEqual(400);
    expect((await get(`${mcpUrl}/mcp`)).status).toBe(401);
  });

  it('once shutdown begins, /readyz is 503 DEGRADED on both while /healthz stays 200', async () => {
    health.stop();
    for (const base of [restUrl, mcpUrl]) {
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect((JSON.parse(ready.text) as { status: string }).status).toBe('DEGRADED');
      expect((await get(`${base}/healthz`)).status).toBe(200);
    }
  });
});
