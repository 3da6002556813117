// The committed REST adapter (out/instance-images/rest.ts), started in-process through the generated
// server entry in front of a recording upstream on 127.0.0.1, and the callers test/rest/*.test.ts
// use: global fetch, and a raw node:http request where fetch would rewrite the target (`%2E%2E`).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type RunningServer, start } from '../../out/instance-images/server.js';
import { type Recorder, startRecorder } from './recorder.js';
import { expectNoSecret } from './secrets.js';

export const KEY = '0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70';
const ZONE = 'fr-par-1';
export const IMAGE_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const COLLECTION = `/v1/instance/v1/zones/${ZONE}/images`;
export const ITEM = `${COLLECTION}/${IMAGE_ID}`;
export const UP_COLLECTION = `/instance/v1/zones/${ZONE}/images`;
export const UP_ITEM = `${UP_COLLECTION}/${IMAGE_ID}`;
export const OPENAPI = readFileSync(new URL('../../out/instance-images/openapi.json', import.meta.url));

export let recorder: Recorder;
let running: RunningServer;
export let base: string;
export const extraServers: RunningServer[] = [];
export const extraRecorders: Recorder[] = [];

export function envFor(upstream: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCALEWAY_API_KEY: KEY,
    INSTANCE_IMAGES_BASE_URL: upstream,
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function startExtra(upstream: string, extra: Record<string, string> = {}): Promise<string> {
  const server = await start({ env: envFor(upstream, extra) });
  extraServers.push(server);
  const url = server.urls['instance-images-rest'];
  if (url === undefined) throw new Error('no REST url');
  return url;
}

interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

/** Every answer of the proxy, checked for credential leaks after each test. */
const answers: Answer[] = [];

export async function call(
  method: string,
  path: string,
  init: { body?: string | Buffer; json?: unknown; headers?: Record<string, string>; baseUrl?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | Buffer | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${init.baseUrl ?? base}${path}`, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const answer = { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
  expectNoSecret(`the answer to ${method} ${path}`, [[...res.headers], answer.text]);
  answers.push(answer);
  return answer;
}

/** A request whose target is sent exactly as written (fetch would resolve `%2E%2E` segments). */
export function raw(method: string, path: string, baseUrl = base, json?: string): Promise<Answer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        const bytes = Buffer.concat(chunks);
        const answer = { status: res.statusCode ?? 0, headers, bytes, text: bytes.toString('utf8') };
        expectNoSecret(`the answer to ${method} ${path}`, [res.headers, answer.text]);
        answers.push(answer);
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(json);
  });
}

interface ProxyError {
  error: string;
  message: string;
  parameter?: string;
}

/** The proxy's own error: the status, a JSON ProxyError body, no stack, no secret. */
export function proxyError(res: Answer, status: number, error?: string): ProxyError {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  const body = JSON.parse(res.text) as ProxyError;
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  if (error !== undefined) expect(body.error).toBe(error);
  expect(Object.keys(body).every((k) => ['error', 'message', 'parameter'].includes(k))).toBe(true);
  expect(res.text).not.toContain(KEY);
  expect(res.text).not.toMatch(/\bat .*\(.*:\d+:\d+\)|\n\s+at |node_modules|\.ts:\d+|stack/i);
  return body;
}

export function allowSet(res: Answer): string[] {
  return (res.headers.get('allow') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .sort();
}

/**
 * Starts the server and its recording upstream for the calling file, resets the recording before
 * each test, and after each checks that no answer carried the key and stops extra servers.
 */
export function useRestServer(): void {
  beforeAll(async () => {
    recorder = await startRecorder();
    running = await start({ env: envFor(recorder.url) });
    const url = running.urls['instance-images-rest'];
    if (url === undefined) throw new Error('no REST url');
    base = url;
  });

  afterAll(async () => {
    await running.close();
    await recorder.close();
  });

  beforeEach(() => {
    recorder.requests.length = 0;
    recorder.respond(() => ({ status: 200, body: { ok: true } }));
    answers.length = 0;
  });

  afterEach(async () => {
    // No answer of any kind carries the credential header or the credential itself.
    for (const a of answers) {
      expect(a.headers.get('x-auth-token')).toBeNull();
      expect(a.text).not.toContain(KEY);
      for (const [, v] of a.headers) expect(v).not.toContain(KEY);
    }
    await Promise.all(extraServers.splice(0).map((s) => s.close()));
    await Promise.all(extraRecorders.splice(0).map((r) => r.close()));
  });
}
