// End to end: the demo (`npm run demo`) as a child process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { FAKE_API_KEY } from '../fake/scaleway.js';
import { portIsFree, unusedPort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether a process still exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once `condition` holds, checked every 50 ms. No deadline: on a loaded machine any
 * fixed one can be hit, and a condition that never comes is a hang for the suite's guard.
 */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    let done: boolean;
    try {
      done = await condition();
    } catch (err) {
      throw new Error(`while waiting for ${what}: ${(err as Error).message}`);
    }
    if (done) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the demo', () => {
  it('prints working REST and MCP URLs and stops cleanly on SIGTERM', async () => {
    const [restPort, mcpPort] = [await unusedPort(), await unusedPort()];
    // --no-generate: the suite must not rewrite out/ under the other test files; the manual
    // tryout covers regeneration.
    const child = spawn('npx', ['tsx', 'tools/demo.ts', '--no-generate'], {
      cwd: ROOT,
      env: {
        ...process.env,
        INSTANCE_IMAGES_REST_PORT: String(restPort),
        INSTANCE_IMAGES_MCP_PORT: String(mcpPort),
        SCALEWAY_API_KEY: '',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let exited = false;
    child.once('exit', () => (exited = true));
    let demoPid: number | undefined;
    let client: Client | undefined;
    try {
      await waitFor('the demo to be ready', () => {
        if (exited) throw new Error(`demo exited early:\n${stdout}\n${stderr}`);
        return /Ctrl-C/.test(stdout);
      });

      expect(stdout).toMatch(/BUILT-IN FAKE Scaleway API/);
      expect(stdout).toContain('not Scaleway');
      expect(stdout).toMatch(/API key .* fake/);
      const restUrl = /REST\s+(http:\/\/\S+)/.exec(stdout)?.[1];
      const mcpUrl = /MCP\s+(http:\/\/\S+\/mcp)/.exec(stdout)?.[1];
      expect(restUrl).toBe(`http://127.0.0.1:${restPort}`);
      expect(mcpUrl).toBe(`http://127.0.0.1:${mcpPort}/mcp`);
      expect(stdout).toMatch(
        new RegExp(`Docs\\s+http://127\\.0\\.0\\.1:${restPort}/docs/ .*/openapi\\.json`),
      );
      expect(stdout).toContain(`curl -s 'http://127.0.0.1:${restPort}/v1/instance/v1/zones/fr-par-1/images'`);
      expect(stdout).toContain(
        `npx @modelcontextprotocol/inspector@2.12.0 --cli http://127.0.0.1:${mcpPort}/mcp --method tools/list`,
      );
      // One configuration per client, each in its own shape (test/clients.test.ts checks them).
      expect(stdout).toContain(
        `{"mcpServers":{"instance-images":{"type":"http","url":"http://127.0.0.1:${mcpPort}/mcp"}}}`,
      );
      expect(stdout).toContain(
        `{"servers":{"instance-images":{"type":"http","url":"http://127.0.0.1:${mcpPort}/mcp"}}}`,
      );
      expect(stdout).toMatch(
        /# Claude Desktop: claude_desktop_config\.json\n\s+\{"mcpServers":\{"instance-images":\{"command":/,
      );
      expect(stdout).not.toContain(FAKE_API_KEY);
      demoPid = Number(/pid (\d+)/.exec(stdout)?.[1]);
      expect(alive(demoPid)).toBe(true);

      // One REST call through the printed URL: the demo's fake holds three seed images.
      const res = await fetch(`${restUrl}/v1/instance/v1/zones/fr-par-1/images`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-total-count')).toBe('3');
      const body = (await res.json()) as { images: { name: string }[] };
      expect(body.images.map((img) => img.name)).toEqual([
        'seed-image-001',
        'seed-image-002',
        'seed-image-003',
      ]);
      // The printed create names a snapshot the fake has, so copying it works first time.
      const create = /curl -s -X POST '(\S+)' -H 'content-type: application\/json' -d '(\{.*\})'/.exec(
        stdout,
      );
      expect(create?.[1]).toBe(`${restUrl}/v1/instance/v1/zones/fr-par-1/images`);
      const created = await fetch(create![1]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: create![2],
      });
      expect(created.status).toBeLessThan(300);
      expect(((await created.json()) as { image?: { name?: string } }).image?.name).toBe('my-image');
      // The docs URL serves the OpenAPI document.
      const docs = await fetch(`${restUrl}/openapi.json`);
      expect(docs.status).toBe(200);
      expect(((await docs.json()) as { openapi?: string }).openapi).toMatch(/^3\./);

      // One MCP call through the printed URL.
      client = new Client({ name: 'capgen-e2e-demo', version: '1.0.0' }, {});
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl!)));
      const result = (await client.callTool({
        name: 'get-instance-image',
        arguments: { zone: 'fr-par-1', image_id: '00000000-0000-4000-8000-000000000002' },
      })) as { isError?: boolean; structuredContent?: { image?: { name?: string } } };
      expect(result.isError).not.toBe(true);
      expect(result.structuredContent?.image?.name).toBe('seed-image-002');
      await client.close();
      client = undefined;

      // SIGTERM to the process we started (npx), as a user would with `kill <pid>`. npm does not
      // pass it on through its `sh -c`; the demo notices its launcher is gone and stops cleanly.
      child.kill('SIGTERM');
      await waitFor('the demo to stop', () => !alive(demoPid!));
      await waitFor('npx to exit', () => exited);
      expect(stdout.trimEnd()).toMatch(/stopping the server and the fake…\nstopped\.$/);
      expect(stderr).not.toMatch(/demo: (?!--no-generate)/);
      expect(await portIsFree(restPort)).toBe(true);
      expect(await portIsFree(mcpPort)).toBe(true);
    } finally {
      await client?.close().catch(() => undefined);
      if (!exited) child.kill('SIGKILL');
      if (demoPid !== undefined && alive(demoPid)) process.kill(demoPid, 'SIGKILL');
    }
  });

  it('stops cleanly on SIGTERM sent to the demo process itself', async () => {
    const [restPort, mcpPort] = [await unusedPort(), await unusedPort()];
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'tools/demo.ts', '--no-generate'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          INSTANCE_IMAGES_REST_PORT: String(restPort),
          INSTANCE_IMAGES_MCP_PORT: String(mcpPort),
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.resume();
    const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitFor('the demo to be ready', () => /Ctrl-C/.test(stdout) || child.exitCode !== null);
      expect(await portIsFree(restPort)).toBe(false);
      // tsx relays the signal to the demo and exits with its code.
      child.kill('SIGTERM');
      const [code, signal] = await exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(stdout).toMatch(/SIGTERM: stopping the server and the fake…\nstopped\.\n$/);
      expect(await portIsFree(restPort)).toBe(true);
      expect(await portIsFree(mcpPort)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
