// The emitted package as a deployment builds it: the seed's Dockerfile read and its steps run
// for real, without Docker (there is none on this machine): the build stage's RUN lines in a
// copy of out/instance-images/ (npm ci from the emitted lockfile, npm run build, npm prune), the
// final stage's COPY --from=build into a second folder, then its CMD with its ENV, against the
// fake Scaleway. It must answer from dist/ with no TypeScript, tsx or source file present.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_API_KEY, startFakeScaleway } from './fake/scaleway.js';
import { untilOutput } from './support/child.js';

const SEED = new URL('../out/instance-images/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'capgen-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Stage {
  from: string;
  name?: string;
  lines: [instruction: string, rest: string][];
}

/** The Dockerfile's stages and their instructions (no line continuations in ours). */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      out.push({ from: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, lines: [] });
    } else out.at(-1)!.lines.push([instruction!, args]);
  }
  return out;
}

function sh(command: string, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) =>
    execFile(
      'sh',
      ['-c', command],
      // The npm cache already holds every pinned version (capgen's own npm ci put them there).
      { cwd, env: { ...process.env, npm_config_prefer_offline: 'true' }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

describe('the emitted Dockerfile, run step by step', () => {
  it('builds to dist/ from the lockfile and serves from there with production dependencies only', async () => {
    const dockerfile = readFileSync(join(SEED, 'Dockerfile'), 'utf8');
    const [build, final, ...more] = stages(dockerfile);
    expect(more).toEqual([]);
    expect(build!.name).toBe('build');
    expect(final!.from).toBe(build!.from);
    expect(build!.from).toMatch(/^node:20\b/);

    // The build stage: the context is the package (less what .dockerignore leaves out).
    const ignored = readFileSync(join(SEED, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    const buildDir = join(work, 'build');
    cpSync(SEED, buildDir, {
      recursive: true,
      filter: (src) => !ignored.some((i) => src === join(SEED, i) || src.startsWith(join(SEED, i) + '/')),
    });
    for (const [instruction, args] of build!.lines) {
      if (instruction !== 'RUN') continue;
      const run = await sh(args, buildDir);
      expect(run.code, `RUN ${args}\n${run.output}`).toBe(0);
    }
    // The lockfile pinned the tree that npm ci installed: npm ls finds nothing missing or invalid.
    const ls = await sh('npm ls --all --omit=dev', buildDir);
    expect(ls.code, ls.output).toBe(0);
    expect(existsSync(join(buildDir, 'dist', 'server.js'))).toBe(true);
    expect(existsSync(join(buildDir, 'node_modules', 'typescript'))).toBe(false);

    // The final stage: only what COPY --from=build brings.
    const finalDir = join(work, 'final');
    mkdirSync(finalDir);
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    for (const [instruction, args] of final!.lines) {
      if (instruction === 'COPY') {
        const m = /^--from=build \/app\/(\S+) \.\/(\S*)$/.exec(args);
        expect(m, `COPY ${args}`).not.toBeNull();
        cpSync(join(buildDir, m![1]!), join(finalDir, m![2]! || m![1]!), { recursive: true });
      } else if (instruction === 'ENV') {
        for (const pair of args.split(/\s+/)) {
          const [k, v] = pair.split('=');
          env[k!] = v!;
        }
      } else if (instruction === 'CMD') cmd = JSON.parse(args) as string[];
    }
    expect(cmd).toEqual(['node', 'dist/server.js']);
    expect(env.NODE_ENV).toBe('production');
    const files = readdirSync(finalDir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => !f.startsWith('node_modules'),
    );
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    for (const tool of ['typescript', 'tsx', '@types/node'])
      expect(existsSync(join(finalDir, 'node_modules', tool)), tool).toBe(false);

    const fake = await startFakeScaleway({ seedImages: 3 });
    const started = performance.now();
    const child = spawn(process.execPath, cmd.slice(1), {
      cwd: finalDir,
      env: {
        PATH: process.env.PATH,
        ...env,
        // Loopback only in tests, and ports the kernel picks.
        HOST: '127.0.0.1',
        PORT: '0',
        INSTANCE_IMAGES_REST_PORT: '0',
        INSTANCE_IMAGES_MCP_PORT: '0',
        SCALEWAY_API_KEY: FAKE_API_KEY,
        INSTANCE_IMAGES_BASE_URL: fake.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await untilOutput([child.stdout], () => stdout.includes('"listening"'), 'the listening line', child);
      const coldStartMs = performance.now() - started;
      console.log(`cold start of node dist/server.js to listening: ${Math.round(coldStartMs)} ms`);
      const listening = JSON.parse(stdout.split('\n').find((l) => l.includes('"listening"'))!) as {
        urls: Record<string, string>;
      };
      const rest = Object.entries(listening.urls).find(([name]) => name.endsWith('-rest'))![1];
      const res = await fetch(`${rest}/v1/instance/v1/zones/fr-par-1/images`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { images: unknown[] }).images).toHaveLength(3);
      // The OpenAPI document the build copied beside rest.js.
      expect((await fetch(`${rest}/openapi.json`)).status).toBe(200);
      // The docs page's Swagger UI assets, from the image's production node_modules.
      for (const asset of ['docs/', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css']) {
        const answer = await fetch(`${rest}/${asset}`);
        await answer.arrayBuffer();
        expect(answer.status, asset).toBe(200);
      }
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit, stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await fake.close();
    }
  });
});
