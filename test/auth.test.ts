// Inbound authentication on exposed adapters: callers without the spec's credentials get a 401,
// the credential never travels upstream, and an auth type capgen cannot enforce is never served open.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../generator/diagnostics.js';
import { generateText } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { edit } from './support/text.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = readFileSync(join(ROOT, 'specs/instance-images.yaml'), 'utf8');
const REST_TOKEN = 'rest-token-5d1b7c';
const MCP_KEY = 'mcp-key-9a4e02';
const UPSTREAM_KEY = '3f9c2a8e-6b1d-4e7a-9c0f-5a2b8d4e6f10';

/** The seed with a bearer token on REST and an API key in the query on MCP. */
const SPEC = [
  (t: string) =>
    edit(
      t,
      /^( *)SCALEWAY_API_KEY: SCALEWAY_API_KEY$/m,
      (i) =>
        `${i}SCALEWAY_API_KEY: SCALEWAY_API_KEY\n${i}REST_TOKEN: PROXY_REST_TOKEN\n${i}MCP_KEY: PROXY_MCP_KEY`,
    ),
  (t: string) =>
    edit(
      t,
      /^( *)namespace: instance-images-rest\n\1port: 8080$/m,
      (i) =>
        `${i}namespace: instance-images-rest\n${i}port: 8080\n${i}authentication:\n${i}  type: bearer\n${i}  token: '{{REST_TOKEN}}'`,
    ),
  (t: string) =>
    edit(
      t,
      /^( *)namespace: instance-images-mcp\n\1port: 9090$/m,
      (i) =>
        `${i}namespace: instance-images-mcp\n${i}port: 9090\n${i}authentication:\n${i}  type: apikey\n${i}  key: key\n${i}  placement: query\n${i}  value: '{{env.MCP_KEY}}'`,
    ),
].reduce((text, step) => step(text), SEED);

let dir: string;
let upstream: Recorder;
let running: { urls: Record<string, string>; close(): Promise<void> };
let start: (o: { env: Record<string, string> }) => Promise<typeof running>;

beforeAll(async () => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.tmp', 'auth-'));
  const generated = await generateText('secured.yaml', SPEC);
  await writeOutput(dir, generated.files);
  ({ start } = (await import(join(dir, 'server.ts'))) as { start: typeof start });
  upstream = await startRecorder();
  upstream.respond(() => ({ status: 200, body: { images: [] } }));
  running = await start({
    env: {
      SCALEWAY_API_KEY: UPSTREAM_KEY,
      PROXY_REST_TOKEN: REST_TOKEN,
      PROXY_MCP_KEY: MCP_KEY,
      INSTANCE_IMAGES_BASE_URL: upstream.url,
      INSTANCE_IMAGES_REST_PORT: '0',
      INSTANCE_IMAGES_MCP_PORT: '0',
    },
  });
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('REST adapter with bearer authentication', () => {
  const list = () => `${running.urls['instance-images-rest']}/v1/instance/v1/zones/fr-par-1/images`;

  it('refuses a caller without a token, or with a wrong one, before calling upstream', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: REST_TOKEN }] as Record<
      string,
      string
    >[]) {
      const before = upstream.requests.length;
      const res = await fetch(list(), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ error: 'unauthorized', message: 'missing or invalid credentials' });
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('serves a caller with the token, and the token does not travel upstream', async () => {
    const res = await fetch(list(), { headers: { authorization: `Bearer ${REST_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ images: [] });
    const sent = upstream.last();
    expect(sent.headers['x-auth-token']).toBe(UPSTREAM_KEY);
    expect(JSON.stringify(sent)).not.toContain(REST_TOKEN);
  });
});

describe('MCP adapter with an API key in the query', () => {
  it('refuses a caller without the key with a 401', async () => {
    const res = await fetch(running.urls['instance-images-mcp']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    const client = new Client({ name: 'test', version: '1' });
    await expect(
      client.connect(
        new StreamableHTTPClientTransport(new URL(`${running.urls['instance-images-mcp']}?key=wrong`)),
      ),
    ).rejects.toThrow();
  });

  it('serves the official client when the key is in the URL, and the key does not travel upstream', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${running.urls['instance-images-mcp']}?key=${MCP_KEY}`)),
    );
    const result = await client.callTool({ name: 'list-instance-images', arguments: { zone: 'fr-par-1' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ images: [] });
    expect(JSON.stringify(upstream.last())).not.toContain(MCP_KEY);
    await client.close();
  });

  it('fails to start, naming the variable, when a proxy credential is missing', async () => {
    await expect(
      start({
        env: {
          SCALEWAY_API_KEY: UPSTREAM_KEY,
          PROXY_REST_TOKEN: REST_TOKEN,
          INSTANCE_IMAGES_REST_PORT: '0',
          INSTANCE_IMAGES_MCP_PORT: '0',
        },
      }),
    ).rejects.toThrow(/missing environment variable PROXY_MCP_KEY/);
  });
});

describe('authentication capgen cannot enforce', () => {
  it('skips the adapter with a located warning rather than serving it open, and --strict refuses', async () => {
    const oauth = edit(
      SEED,
      /^( *)namespace: instance-images-mcp\n\1port: 9090$/m,
      (i) =>
        `${i}namespace: instance-images-mcp\n${i}port: 9090\n${i}authentication:\n${i}  type: oauth2\n${i}  authorizationServerUri: https://auth.example`,
    );
    const generated = await generateText('oauth.yaml', oauth, { skipVerify: true });
    expect(generated.files.has('mcp.ts')).toBe(false);
    expect(generated.files.has('rest.ts')).toBe(true);
    const warning = generated.diagnostics.find((d) => d.code === 'unsupported');
    expect(warning?.message).toContain('unsupported: oauth2 authentication on an exposed adapter');
    expect(warning?.line).toBe(oauth.split('\n').findIndex((l) => l.includes('type: oauth2')) + 1);
    await expect(
      generateText('oauth.yaml', oauth, { strict: true, skipVerify: true }),
    ).rejects.toBeInstanceOf(SpecError);
  });
});
