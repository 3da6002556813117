/**
 * `npm run demo`: the generated Instance images server, running against the built-in fake
 * Scaleway API, with nothing to configure (no key, no network).
 *
 * 1. Regenerates out/instance-images/ from specs/instance-images.yaml (skip with --no-generate).
 * 2. Starts the fake Scaleway images API (test/fake/scaleway.ts, a test double) on an ephemeral port, seeded
 *    with three images, and a fake API key.
 * 3. Starts the generated server in-process against it: REST on 8080 and MCP on 9090, unless
 *    INSTANCE_IMAGES_REST_PORT / INSTANCE_IMAGES_MCP_PORT say otherwise.
 * 4. Prints the URLs and three commands to copy, then runs until Ctrl-C or SIGTERM.
 *
 * `npm run demo` runs this file as npm → sh → tsx → node. A SIGTERM sent to npm's PID reaches
 * sh, which dies without passing it on, and would leave the demo running (ports still bound)
 * under init. So the demo also watches the processes that launched it and stops cleanly when
 * any of them goes away (Linux, through /proc; elsewhere only the signals count).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunningServer, StartOptions } from '../out/instance-images/server.js';
import { FAKE_SNAPSHOTS, type FakeScaleway, startFakeScaleway } from '../test/fake/scaleway.js';
import { demoClientConfigs } from './demo-clients.js';

/** The project root, wherever the demo is started from. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPEC = 'specs/instance-images.yaml';
const SERVER = new URL('../out/instance-images/server.ts', import.meta.url);
const RUNTIME = new URL('../out/instance-images/runtime/log.ts', import.meta.url);
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

const say = (line = '') => process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
};

/** Runs the generator as a child process in the project root; its messages go to stderr. */
async function regenerate(): Promise<void> {
  const cli = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const [command, args] = existsSync(cli)
    ? [process.execPath, [cli, 'generator/cli.ts', SPEC]]
    : ['npx', ['tsx', 'generator/cli.ts', SPEC]];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) fail(`regenerating from ${SPEC} failed (exit ${code}); see the messages above`);
  if (!existsSync(fileURLToPath(SERVER)))
    fail(`regenerating from ${SPEC} produced no server.ts (no REST or MCP adapter); see the warnings above`);
}

/** The parent PID of `pid`, read from /proc; undefined when unknown or gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …", where comm may itself contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onGone` when one of the (up to three) processes above this one dies or is re-parented,
 * i.e. when whoever started the demo (tsx, sh, npm) has gone away.
 */
function watchLaunchers(onGone: () => void): void {
  if (!existsSync(`/proc/${process.pid}/stat`)) return;
  const chain: [pid: number, parent: number][] = [];
  for (let pid = process.ppid, depth = 0; pid > 1 && depth < 3; depth++) {
    const parent = parentOf(pid);
    if (parent === undefined) break;
    chain.push([pid, parent]);
    pid = parent;
  }
  const timer = setInterval(() => {
    if (chain.some(([pid, parent]) => parentOf(pid) !== parent)) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
}

/**
 * `--stdio`: what the printed Claude Desktop configuration starts. Its own fake and the generated
 * server's MCP adapter on stdin/stdout (no port, so it runs beside `npm run demo`); stdout is the
 * MCP channel, so everything else goes to stderr. It stops when the client closes stdin.
 */
async function mainStdio(): Promise<void> {
  const { start } = (await import(SERVER.href)) as {
    start: (options?: StartOptions) => Promise<RunningServer>;
  };
  const fake = await startFakeScaleway({ seedImages: 3 });
  const server = await start({
    stdio: true,
    env: { ...process.env, SCALEWAY_API_KEY: fake.apiKey, INSTANCE_IMAGES_BASE_URL: fake.url },
  });
  process.stderr.write('demo: MCP on stdio against the built-in fake Scaleway (no key, no network)\n');
  const stop = () =>
    void server
      .close()
      .then(() => fake.close())
      .then(() => process.exit(0));
  process.stdin.once('end', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(args: string[]): Promise<void> {
  if (args.includes('--stdio')) return mainStdio();
  if (args.includes('--no-generate'))
    process.stderr.write('demo: --no-generate: using out/instance-images/ as it is\n');
  else await regenerate();

  // Imported only now, so the freshly generated code is the one that runs.
  const { start } = (await import(SERVER.href)) as {
    start: (options?: StartOptions) => Promise<RunningServer>;
  };
  const { setLogLevel } = (await import(RUNTIME.href)) as {
    setLogLevel: (level: string | undefined) => void;
  };
  setLogLevel(process.env.LOG_LEVEL);

  const fake: FakeScaleway = await startFakeScaleway({ seedImages: 3 });
  const restPort = process.env.INSTANCE_IMAGES_REST_PORT || '8080';
  const mcpPort = process.env.INSTANCE_IMAGES_MCP_PORT || '9090';
  let server: RunningServer;
  try {
    server = await start({
      env: {
        ...process.env,
        // Always the fake's key and URL: a real SCALEWAY_API_KEY in the environment is never used.
        SCALEWAY_API_KEY: fake.apiKey,
        INSTANCE_IMAGES_BASE_URL: fake.url,
        INSTANCE_IMAGES_REST_PORT: restPort,
        INSTANCE_IMAGES_MCP_PORT: mcpPort,
      },
    });
  } catch (err) {
    await fake.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE')
      fail(
        `a port is already in use (REST ${restPort}, MCP ${mcpPort}); ` +
          'pick others with INSTANCE_IMAGES_REST_PORT=… INSTANCE_IMAGES_MCP_PORT=… npm run demo',
      );
    return fail(`cannot start the server: ${err instanceof Error ? err.message : String(err)}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the server and the fake…`);
    // Open keep-alive or streaming connections must not keep the demo alive for ever.
    setTimeout(() => fail('could not stop within 5 s'), 5_000).unref();
    void (async () => {
      await server.close();
      await fake.close();
      say('stopped.');
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  watchLaunchers(() => stop('the process that started the demo has gone'));

  const rest = server.urls['instance-images-rest']!;
  const mcp = server.urls['instance-images-mcp']!;
  const clients = demoClientConfigs(ROOT, mcp);

  say();
  say('capgen demo: Instance API — Images, generated from specs/instance-images.yaml');
  say();
  say(
    '  !! The upstream is the BUILT-IN FAKE Scaleway API (test/fake/scaleway.ts, a test double), not Scaleway:',
  );
  say(`  !! ${fake.url} stands in for https://api.scaleway.com, seeded with 3 images in fr-par-1.`);
  say('  !! The API key the server holds is a fake one. No Scaleway account, key or network is used.');
  say();
  say(`  REST   ${rest}`);
  say(`  MCP    ${mcp}`);
  say(`  Docs   ${rest}/docs/  (the OpenAPI document: ${rest}/openapi.json)`);
  say();
  say('Try it:');
  say();
  say('  # REST: list the images in fr-par-1');
  say(`  curl -s '${rest}/v1/instance/v1/zones/fr-par-1/images'`);
  say();
  // A create copied from Scaleway's docs names a snapshot of the reader's own account, which the
  // fake does not have (404 instance_snapshot); these are the ones it has.
  say(`  # Snapshots that exist in the fake (every zone): ${FAKE_SNAPSHOTS.join(', ')}`);
  say('  # REST: create an image from the first one');
  say(
    `  curl -s -X POST '${rest}/v1/instance/v1/zones/fr-par-1/images' -H 'content-type: application/json' ` +
      `-d '{"name":"my-image","root_volume":"${FAKE_SNAPSHOTS[0]}","arch":"x86_64"}'`,
  );
  say();
  say('  # MCP: list the tools with the MCP Inspector CLI');
  say(`  npx ${INSPECTOR} --cli ${mcp} --method tools/list`);
  say();
  say('  # MCP client configurations (Claude Desktop starts its own stdio copy of the demo)');
  for (const c of clients) {
    say(`  # ${c.client}: ${c.file}`);
    say(`  ${JSON.stringify(c.config)}`);
  }
  say();
  say(`Press Ctrl-C to stop (or send SIGTERM to the demo, pid ${process.pid}).`);
}

main(process.argv.slice(2)).catch((err: unknown) =>
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
