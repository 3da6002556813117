// A client-only import stays light: importing out/instance-images/client.ts must not load
// Fastify or the MCP SDK. Checked on the real module graph, in a child process that records
// every module it loads; importing server.ts, which does load both, shows the tracer sees them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const TRACER = `${ROOT}test/support/trace-loads.mjs`;
const dir = mkdtempSync(join(tmpdir(), 'capgen-loads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadedBy(file: string): Promise<string[]> {
  const out = join(dir, `${file.replace(/\W/g, '_')}.txt`);
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', TRACER, `${ROOT}out/instance-images/${file}`, out],
      { cwd: ROOT },
      (err, _stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

const fastify = (urls: string[]) => urls.filter((u) => u.includes('/node_modules/fastify/'));
const mcpSdk = (urls: string[]) => urls.filter((u) => u.includes('/node_modules/@modelcontextprotocol/'));

describe('the module graph of the generated seed', () => {
  it('client.ts loads its runtime modules but neither fastify nor @modelcontextprotocol/*', async () => {
    const urls = await loadedBy('client.ts');
    const runtime = urls
      .filter((u) => u.includes('/out/instance-images/runtime/'))
      .map((u) => u.replace(/^.*\/runtime\//, '').replace(/\?.*$/, ''));
    expect([...new Set(runtime)].sort()).toEqual(['env.ts', 'guard.ts', 'http.ts', 'scrub.ts']);
    expect(urls.some((u) => u.includes('/node_modules/undici/'))).toBe(true);
    expect(fastify(urls)).toEqual([]);
    expect(mcpSdk(urls)).toEqual([]);
  });

  it('server.ts loads both (the tracer sees ES and CommonJS packages)', async () => {
    const urls = await loadedBy('server.ts');
    expect(fastify(urls).length).toBeGreaterThan(0);
    expect(mcpSdk(urls).length).toBeGreaterThan(0);
  });
});
