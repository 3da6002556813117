// Starting the generated server as a user does: a missing credential is one line naming it (and,
// through `npm start`, pointing at the demo); with credentials it serves and stops on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { untilOutput } from './support/child.js';

const ROOT = new URL('..', import.meta.url).pathname;
const { SCALEWAY_API_KEY: _drop, ...baseEnv } = process.env;

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd: ROOT, env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Lines of our own, without npm's banner and warnings. */
const own = (text: string) =>
  text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('>') && !l.startsWith('npm '));

describe('starting the generated server', () => {
  it('server.ts without SCALEWAY_API_KEY exits 1 with one line naming the variable', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'out/instance-images/server.ts'], baseEnv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(own(r.stderr)).toEqual([
      'missing environment variable SCALEWAY_API_KEY (credential for "instance-images")',
    ]);
  });

  it('npm start without SCALEWAY_API_KEY exits 1 with one line suggesting npm run demo', async () => {
    const r = await run('npm', ['start', '--silent'], baseEnv);
    expect(r.code).not.toBe(0);
    const lines = own(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SCALEWAY_API_KEY');
    expect(lines[0]).toContain('npm run demo');
  });

  it('with a key it listens, logs its URLs in a JSON line, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'out/instance-images/server.ts'], {
      cwd: ROOT,
      env: {
        ...baseEnv,
        SCALEWAY_API_KEY: 'not-a-real-key',
        INSTANCE_IMAGES_REST_PORT: '0',
        INSTANCE_IMAGES_MCP_PORT: '0',
      },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    await untilOutput([child.stdout], () => stdout.includes('"listening"'), 'the listening line', child);
    // Fastify's pino says where each adapter listens; the server's own line lists them all.
    const line = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; urls: Record<string, string> })
      .find((l) => l.msg === 'listening')!;
    expect(line.msg).toBe('listening');
    expect(line.urls['instance-images-rest']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.urls['instance-images-mcp']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(stdout).not.toContain('not-a-real-key');
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
