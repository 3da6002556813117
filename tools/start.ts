// `npm start [-- DIR] [--stdio]`: runs a generated server from this checkout (default
// out/instance-images; any folder capgen wrote, e.g. `npm start -- out/todos`), like
// `node --import tsx DIR/server.ts`. For the seed, a missing setting also points at
// `npm run demo`, which serves it with no key at all.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface GeneratedServer {
  start(options?: {
    stdio?: boolean;
  }): Promise<{ urls: Record<string, string>; stdio: boolean; close(): Promise<void> }>;
}

const SEED = resolve('out/instance-images');
const given = process.argv.slice(2).find((a) => !a.startsWith('-'));
// npm runs the script in the project root; a folder given on the command line is relative to
// where the user typed it (INIT_CWD).
const dir = given === undefined ? SEED : resolve(process.env.INIT_CWD ?? process.cwd(), given);
if (!existsSync(resolve(dir, 'server.ts'))) {
  process.stderr.write(
    `no server.ts in ${dir}: pass a folder capgen generated with a REST or MCP adapter (npm run gen -- SPEC writes out/<name>/)\n`,
  );
  process.exit(1);
}
const stdio = process.argv.includes('--stdio');
const server = (await import(pathToFileURL(resolve(dir, 'server.ts')).href)) as GeneratedServer;
const runtime = {
  ...((await import(pathToFileURL(resolve(dir, 'runtime/env.ts')).href)) as {
    ConfigError: new (message: string) => Error;
  }),
  ...((await import(pathToFileURL(resolve(dir, 'runtime/log.ts')).href)) as {
    log(level: 'info', fields: Record<string, unknown>): void;
    setLogLevel(level: string | undefined): void;
  }),
};

runtime.setLogLevel(process.env.LOG_LEVEL);
try {
  const running = await server.start({ stdio });
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (running.stdio) process.stdin.once('end', stop);
  runtime.log('info', { msg: 'listening', urls: running.urls });
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    err instanceof runtime.ConfigError && dir === SEED
      ? '; to try it with no key and no network, run `npm run demo`'
      : '';
  process.stderr.write(`${err instanceof runtime.ConfigError ? '' : 'cannot start: '}${message}${hint}\n`);
  process.exit(1);
}
