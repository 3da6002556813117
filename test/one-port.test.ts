// Single-port mode: with PORT set, the seed server's REST and MCP adapters answer on one
// listener (MCP at /mcp), as a PaaS or a Kubernetes Service expects; health, OpenAPI and a real
// MCP client over that port; the port is given back on close.
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StartOptions } from '../out/instance-images/server.js';
import { type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';
import { portIsFree, unusedPort } from './support/ports.js';

const seedLog = (await import('../out/instance-images/runtime/log.js')) as { setLogLevel(l?: string): void };
const { start } = (await import('../out/instance-images/server.js')) as {
  start: (options?: StartOptions) => Promise<RunningServer>;
};

let fake: FakeScaleway;
let server: RunningServer | undefined;
let port: number;

beforeAll(async () => {
  seedLog.setLogLevel('silent');
  fake = await startFakeScaleway({ seedImages: 2 });
  port = await unusedPort();
  server = await start({
    env: {
      SCALEWAY_API_KEY: fake.apiKey,
      INSTANCE_IMAGES_BASE_URL: fake.url,
      PORT: String(port),
      // Were these used, the test would see them: PORT wins.
      INSTANCE_IMAGES_REST_PORT: '1',
      INSTANCE_IMAGES_MCP_PORT: '1',
    },
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  seedLog.setLogLevel(undefined);
});

describe('PORT', () => {
  it('serves REST and MCP on that one port', async () => {
    expect(server!.urls).toEqual({
      'instance-images-rest': `http://127.0.0.1:${port}`,
      'instance-images-mcp': `http://127.0.0.1:${port}/mcp`,
    });
    const res = await fetch(`http://127.0.0.1:${port}/v1/instance/v1/zones/fr-par-1/images`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { images: unknown[] }).images).toHaveLength(2);

    const client = new Client({ name: 'one-port-test', version: '1.0.0' }, {});
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('list-instance-images');
      const result = (await client.callTool({
        name: 'list-instance-images',
        arguments: { zone: 'fr-par-1' },
      })) as {
        isError?: boolean;
        structuredContent?: { images?: unknown[] };
      };
      expect(result.isError).not.toBe(true);
      expect(result.structuredContent?.images).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('answers health, readiness and the OpenAPI document there, naming that port', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { adapters: { port?: number; state: string }[] }).adapters).toEqual([
      { type: 'rest', namespace: 'instance-images-rest', port, state: 'started' },
      { type: 'mcp', namespace: 'instance-images-mcp', port, state: 'started' },
    ]);
    const doc = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
      servers: { url: string }[];
    };
    expect(doc.servers[0]!.url).toBe(`http://127.0.0.1:${port}`);
    // A path neither adapter has is REST's 404.
    expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
  });

  it('gives the port back on close', async () => {
    await server!.close();
    server = undefined;
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('PORT with more adapters than one port can hold', () => {
  it('refuses to start, naming them', async () => {
    const { OnePort } = await import('../runtime/port.js');
    expect(() => new OnePort(0, ['harbour-skills'])).toThrow(
      "PORT serves one REST and one MCP adapter on one port; this server also has harbour-skills: set each adapter's own port variable instead",
    );
  });
});
