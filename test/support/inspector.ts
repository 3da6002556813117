// The MCP Inspector CLI (the real package, run with node), with a throwaway HOME so it reads and
// writes no user configuration.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `inspector <url> ...args` to its end. */
export async function inspector(url: string, args: string[]): Promise<Ran> {
  const home = await mkdtemp(join(tmpdir(), 'capgen-inspector-'));
  try {
    return await new Promise<Ran>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, url, ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          HOME: home,
          MCP_CATALOG_PATH: join(home, 'mcp.json'),
          MCP_CLIENT_CONFIG_PATH: join(home, 'client.json'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
