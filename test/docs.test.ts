// The REST adapter's docs page (runtime/docs.ts) in a real headless Chromium (Debian's, driven
// by playwright-core): the seed server runs on 127.0.0.1; the page loads the served OpenAPI and
// lists every operation in it, the server selector names the real listen address, a screenshot
// is taken, and the browser asks nothing of any other origin (the page works offline).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StartOptions } from '../out/instance-images/server.js';
import { type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';

const CHROMIUM = '/usr/bin/chromium';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const seedLog = (await import('../out/instance-images/runtime/log.js')) as { setLogLevel(l?: string): void };

let fake: FakeScaleway;
let server: RunningServer;
let browser: Browser;
let rest: string;
const scratch = mkdtempSync(join(tmpdir(), 'capgen-docs-'));

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
  rest = server.urls['instance-images-rest']!;
  // Running as root (CI, containers) needs --no-sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 0 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
  seedLog.setLogLevel(undefined);
  rmSync(scratch, { recursive: true, force: true });
});

describe('GET /docs in Chromium', () => {
  it('loads the served OpenAPI and lists every operation, from this server alone', async () => {
    // The oracle: the document the server serves, read without the page.
    const served = await request(`${rest}/openapi.json`);
    const openapi = (await served.body.json()) as {
      info: { title: string };
      paths: Record<string, Record<string, { summary?: string }>>;
      servers: { url: string }[];
    };
    const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThanOrEqual(6);

    const context = await browser.newContext();
    const page = await context.newPage();
    // No fixed limit a loaded machine can hit: the suite's hang guard bounds the test.
    page.setDefaultTimeout(0);
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    try {
      const answer = await page.goto(`${rest}/docs`);
      expect(answer?.status()).toBe(200);
      expect(page.url()).toBe(`${rest}/docs/`);
      // Swagger UI renders once it has fetched and parsed the document.
      await page
        .locator('#swagger-ui .opblock')
        .nth(operations.length - 1)
        .waitFor();
      const listed = await page.$$eval('#swagger-ui .opblock', (blocks) =>
        blocks.map(
          (b) =>
            `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b
              .querySelector('.opblock-summary-path')
              ?.getAttribute('data-path')}`,
        ),
      );
      expect([...listed].sort()).toEqual([...operations].sort());
      // The title, and the server the "Try it out" calls go to: where the server really listens.
      await expect(page.title()).resolves.toBe(`${openapi.info.title} · API docs`);
      await expect(page.textContent('#swagger-ui .info .title')).resolves.toContain(openapi.info.title);
      expect(openapi.servers).toEqual([{ url: rest, description: 'This server' }]);
      const servers = await page.$$eval('#swagger-ui .servers select option', (options) =>
        options.map((o) => o.getAttribute('value')),
      );
      expect(servers).toEqual([rest]);

      const shot = join(scratch, 'docs.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.length).toBeGreaterThan(10_000);

      // Offline: every request the page made went to this server (no CDN, no validator badge).
      expect(requested.length).toBeGreaterThanOrEqual(4);
      expect(requested.filter((u) => new URL(u).origin !== new URL(rest).origin)).toEqual([]);
      expect(requested).toContain(`${rest}/openapi.json`);
      // favicon.ico is the browser's own guess (a 404); nothing else failed, and no CSP violation.
      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('serves the assets with their types and a policy that allows only this server', async () => {
    const page = await request(`${rest}/docs/`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    const html = await page.body.text();
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      // Relative, so the page also works under a path prefix.
      expect(src).not.toMatch(/^(?:[a-z]+:|\/)/);
      const asset = await request(new URL(src, `${rest}/docs/`).href);
      await asset.body.dump();
      expect(asset.statusCode, src).toBe(200);
    }
    const bundle = await request(`${rest}/docs/swagger-ui-bundle.js`);
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await bundle.body.text()).length).toBeGreaterThan(100_000);
    const unknown = await request(`${rest}/docs/../../package.json`);
    await unknown.body.dump();
    expect(unknown.statusCode).toBe(404);
  });
});
