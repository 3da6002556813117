// `npm start`: runs a generated server from this checkout (default out/instance-images), like
// `npx tsx out/<name>/server.ts`, but a missing setting also points at `npm run demo`, which
// serves the seed with no key at all.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface GeneratedServer {
  start(options?: {
    stdio?: boolean;
  }): Promise<{ urls: Record<string, string>; stdio: boolean; close(): Promise<void> }>;
}

const dir = resolve(process.argv[2] ?? 'out/instance-images');
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
    err instanceof runtime.ConfigError ? '; to try it with no key and no network, run `npm run demo`' : '';
  process.stderr.write(`${err instanceof runtime.ConfigError ? '' : 'cannot start: '}${message}${hint}\n`);
  process.exit(1);
}
