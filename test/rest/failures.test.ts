// The generated REST adapter: upstream failures, and the server's own routes, start-up and logs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../../out/instance-images/runtime/log.js';
import { start } from '../../out/instance-images/server.js';
import { unusedPort } from '../support/ports.js';
import { startRecorder } from '../support/recorder.js';
import {
  base,
  call,
  COLLECTION,
  envFor,
  extraRecorders,
  extraServers,
  ITEM,
  KEY,
  OPENAPI,
  proxyError,
  recorder,
  startExtra,
  UP_ITEM,
  useRestServer,
} from '../support/rest-server.js';

useRestServer();

describe('upstream failures', () => {
  it('a caller that goes away cancels the upstream call', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const upstream = createServer((req) => {
      received();
      // Never answers; resolves when the proxy gives up on this request.
      req.socket.once('close', () => upstreamClosed());
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const url = await startExtra(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
      const controller = new AbortController();
      const pending = fetch(`${url}${ITEM}`, { signal: controller.signal }).catch((e: unknown) => e);
      await arrived;
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      // The upstream request is cancelled: its connection closes (if it never did, the suite's
      // hang guard reports this test).
      await closed;
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it('an unreachable upstream → 502 JSON', async () => {
    const port = await unusedPort();
    const url = await startExtra(`http://127.0.0.1:${port}`);
    for (const [method, path, json] of [
      ['GET', `${COLLECTION}?name=secret-name`, undefined],
      ['POST', COLLECTION, { a: 1 }],
      ['DELETE', ITEM, undefined],
    ] as const) {
      const res = await call(method, path, { baseUrl: url, ...(json === undefined ? {} : { json }) });
      const body = proxyError(res, 502, 'upstream_unreachable');
      expect(body.message).not.toContain('secret-name');
    }
  });

  it('an upstream that resets the connection → 502 JSON', async () => {
    recorder.respond(() => 'reset');
    const res = await call('POST', COLLECTION, { json: { a: 1 } });
    proxyError(res, 502, 'upstream_unreachable');
    expect(recorder.requests).toHaveLength(1);
  });

  it('an upstream that never answers → 504 after INSTANCE_IMAGES_TIMEOUT_MS', async () => {
    const slow = await startRecorder();
    extraRecorders.push(slow);
    slow.respond(() => 'hang');
    const url = await startExtra(slow.url, { INSTANCE_IMAGES_TIMEOUT_MS: '300' });
    const started = performance.now();
    const res = await call('GET', `${ITEM}`, { baseUrl: url });
    const elapsed = performance.now() - started;
    proxyError(res, 504, 'upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    // Bounded by the built-in default (30 s), which would apply if the variable were ignored.
    expect(elapsed).toBeLessThan(30_000);
    expect(slow.requests).toHaveLength(1);
    expect(slow.last().url).toBe(UP_ITEM);
  });
});

describe('the server itself', () => {
  it('GET /openapi.json returns the committed openapi.json, its servers the address it listens on', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    // Since /healthz (5edaae5), servers names the real listen address, not the spec's port.
    const committed = JSON.parse(OPENAPI.toString('utf8')) as Record<string, unknown>;
    expect(JSON.parse(res.bytes.toString('utf8'))).toEqual({
      ...committed,
      servers: [{ url: base, description: 'This server' }],
    });
    expect(recorder.requests).toHaveLength(0);
  });

  it('a missing SCALEWAY_API_KEY stops start-up with an error naming it', async () => {
    let err: unknown;
    try {
      const s = await start({ env: { ...envFor(recorder.url), SCALEWAY_API_KEY: '' } });
      extraServers.push(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('SCALEWAY_API_KEY');
  });

  it('request logs name the path but never the query string or the key', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    // start() applies the env's LOG_LEVEL, and the other servers here run silent: one that logs.
    const baseUrl = await startExtra(recorder.url, { LOG_LEVEL: 'info' });
    try {
      await call('GET', `${COLLECTION}?name=query-secret-value`, { baseUrl });
      await call('GET', `${COLLECTION}?per_page=abc&name=query-secret-value`, { baseUrl });
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.stdout.write = write;
      setLogLevel('silent');
    }
    const logged = lines.join('');
    expect(logged).toContain(COLLECTION);
    expect(logged).not.toContain('query-secret-value');
    expect(logged).not.toContain(KEY);
  });
});
