/**
 * Shutdown under real signals: the generated seed server run as `npm run dev` runs it (node with the
 * tsx loader, no wrapper process; `npm start` is node on the built dist/), in its own process group, with 64 requests in flight against
 * a slow upstream. SIGTERM to the whole group, once or twice 100 ms apart: every request is
 * answered and the process exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultyUpstream, startFaultyUpstream } from './support/faulty.js';
import { unusedPort } from './support/ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'shutdown-key-5f1e3d7c9b2a';
const IN_FLIGHT = 64;

let upstream: FaultyUpstream;

beforeAll(async () => {
  upstream = await startFaultyUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

async function until(check: () => boolean, what: string, child: ChildProcess): Promise<void> {
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`the server exited before ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each([
  ['one SIGTERM', 1],
  ['two SIGTERMs 100 ms apart', 2],
])('%s to the process group', (_name, signals) => {
  it(`answers all ${IN_FLIGHT} in-flight requests and exits 0`, async () => {
    const port = await unusedPort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'out/instance-images/server.ts'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SCALEWAY_API_KEY: KEY,
        INSTANCE_IMAGES_BASE_URL: upstream.url,
        INSTANCE_IMAGES_REST_PORT: String(port),
        INSTANCE_IMAGES_MCP_PORT: '0',
        LOG_LEVEL: 'error',
      },
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // Ready when the REST port answers.
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the server exited at start-up:\n${output}`);
        const ok = await fetch(`http://127.0.0.1:${port}/openapi.json`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The upstream holds every answer for a while, so that all of them are in flight at once.
      upstream.script({ kind: 'answer', delayMs: 1500 });
      const before = upstream.requests.length;
      const answers = Array.from({ length: IN_FLIGHT }, () =>
        fetch(`http://127.0.0.1:${port}/v1/instance/v1/zones/fr-par-1/images`).then(
          async (r) => ({ status: r.status, body: await r.text() }),
          (e: unknown) => ({ status: 0, body: String(e) }),
        ),
      );
      await until(() => upstream.requests.length - before >= IN_FLIGHT, 'the requests arrived', child);
      process.kill(-child.pid!, 'SIGTERM');
      if (signals === 2) {
        await new Promise((r) => setTimeout(r, 100));
        process.kill(-child.pid!, 'SIGTERM');
      }
      const results = await Promise.all(answers);
      expect(results.filter((r) => r.status !== 200)).toEqual([]);
      const [code, signal] = await exited;
      expect({ code, signal, output: output.trim() === '' ? '' : output }).toMatchObject({
        code: 0,
        signal: null,
      });
      expect(output).not.toContain(KEY);
    } finally {
      upstream.reset();
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
