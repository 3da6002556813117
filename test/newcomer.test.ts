// The README's "Your own spec" section, followed as written in a fresh copy of the checkout:
// the spec from its YAML block, `validate`, `gen`, `npm start -- out/todos` from the checkout,
// then `npm ci && npm run build && npm start` inside out/todos, each answering a real GET.
// The one step not run is the first `npm ci` of capgen itself: CI has just run it with the same
// lockfile, so the copy links that node_modules instead of installing it a second time. The
// upstream is a local stand-in for JSONPlaceholder (no network), reached through TODOS_BASE_URL.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilOutput } from './support/child.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(README.indexOf('## Your own spec'), README.indexOf('## Walkthrough'));
const clone = mkdtempSync(join(tmpdir(), 'capgen-newcomer-'));

/** The checkout's files as a clone has them (tracked and new, not ignored). */
async function copyCheckout(): Promise<void> {
  const list = await new Promise<string>((resolve, reject) =>
    execFile(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { cwd: ROOT, maxBuffer: 1 << 24 },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
  for (const file of list.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(clone, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
}

let upstream: Server;
let upstreamUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  await copyCheckout();
  upstream = createServer((req, res) => {
    seen.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const todos = [
      { userId: 1, id: 1, title: 'delectus aut autem', completed: false },
      { userId: 2, id: 2, title: 'quis ut nam facilis', completed: true },
    ];
    const one = /^\/todos\/(\d+)$/.exec(url.pathname);
    const body =
      url.pathname === '/todos'
        ? todos.filter(
            (t) => !url.searchParams.has('userId') || String(t.userId) === url.searchParams.get('userId'),
          )
        : one
          ? todos.find((t) => t.id === Number(one[1]))
          : undefined;
    res
      .writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? {}));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  rmSync(clone, { recursive: true, force: true });
});

/** Runs one documented command line in `cwd`, after checking the README says it. */
function documented(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  expect(SECTION, command).toContain(command);
  return new Promise((resolve) =>
    execFile(
      'sh',
      ['-c', command],
      { cwd, env: { ...process.env, npm_config_prefer_offline: 'true' }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Starts a documented long-running command in its own process group; resolves with its URLs. */
async function serve(
  command: string,
  cwd: string,
): Promise<{ child: ChildProcess; urls: Record<string, string> }> {
  expect(SECTION, command).toContain(command);
  const child = spawn('sh', ['-c', command], {
    cwd,
    detached: true,
    env: {
      ...process.env,
      TODOS_BASE_URL: upstreamUrl,
      TODOS_REST_PORT: '0',
      TODOS_MCP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await untilOutput(
    [child.stdout, child.stderr],
    () => stdout.includes('"listening"'),
    `${command} to listen`,
    child,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${stdout}\n${stderr}`);
  });
  const line = stdout.split('\n').find((l) => l.includes('"listening"'))!;
  return { child, urls: (JSON.parse(line) as { urls: Record<string, string> }).urls };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
}

describe('the README, from a fresh clone to a server from your own spec', () => {
  it('validates, generates, runs from the checkout, then builds and runs from dist/', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(SECTION)?.[1];
    expect(yaml).toBeDefined();
    // The block is indented under its list item.
    const indent = /^ */.exec(yaml!)![0].length;
    writeFileSync(
      join(clone, 'specs', 'todos.yaml'),
      yaml!
        .split('\n')
        .map((l) => l.slice(indent))
        .join('\n'),
    );

    const validate = await documented('npm run gen -- validate specs/todos.yaml', clone);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain('valid (0 warnings)');
    expect(SECTION).toContain('valid (0 warnings)');

    const gen = await documented('npm run gen -- specs/todos.yaml', clone);
    expect(gen.code, gen.stderr).toBe(0);
    expect(existsSync(join(clone, 'out', 'todos', 'server.ts'))).toBe(true);

    // From the checkout, through tsx.
    const dev = await serve('npm start -- out/todos', clone);
    try {
      const res = await fetch(`${dev.urls['todos-rest']}/todos?userId=1`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ userId: 1, id: 1, title: 'delectus aut autem', completed: false }]);
      expect(seen).toContain('/todos?userId=1');
      expect(dev.urls['todos-mcp']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    } finally {
      await stop(dev.child);
    }

    // Built, from dist/.
    const pkg = join(clone, 'out', 'todos');
    expect(SECTION).toContain('cd out/todos');
    for (const command of ['npm ci', 'npm run build']) {
      const run = await documented(command, pkg);
      expect(run.code, `${command}\n${run.stdout}\n${run.stderr}`).toBe(0);
    }
    expect(existsSync(join(pkg, 'dist', 'server.js'))).toBe(true);
    const built = await serve('npm start', pkg);
    try {
      const res = await fetch(`${built.urls['todos-rest']}/todos/2`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { title: string }).title).toBe('quis ut nam facilis');
      // The docs page the README points at, from the built package's own node_modules.
      expect(SECTION).toContain('http://127.0.0.1:8081/docs/');
      const docs = await fetch(`${built.urls['todos-rest']}/docs/`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui-bundle.js');
    } finally {
      await stop(built.child);
    }
  });
});
