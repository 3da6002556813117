// What every generated server.ts does alike: check the settings the adapters share, keep what
// start-up has opened so it can be closed, and, run as a program, start, log the URLs and stop
// gracefully on SIGTERM and SIGINT. The adapters themselves are in server.ts, one by one.
import { pathToFileURL } from 'node:url';
import { ConfigError, intFrom } from './env.js';
import { Health } from './health.js';
import { isLogLevel, log, LOG_LEVELS, redactInLogs, setLogLevel } from './log.js';

export interface StartOptions {
  /** Where settings and credentials are read from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Where relative bind files (`file:///./…`) are read from; defaults to the working directory. */
  cwd?: string;
  /** Serve the MCP adapter on stdin/stdout instead of HTTP, opening no port at all. */
  stdio?: boolean;
}

export interface RunningServer {
  /** Adapter namespace → the URL it answers on (`stdio` for MCP on stdin/stdout). */
  urls: Record<string, string>;
  /** True when MCP is served on stdin/stdout: the server stops when stdin ends. */
  stdio: boolean;
  close(): Promise<void>;
}

/** The settings every adapter shares. */
export interface ServerSettings {
  /** HOST; undefined lets each adapter listen on the address its spec gives. */
  host: string | undefined;
  bodyLimit: number;
  maxTextLength: number;
  maxResultLength: number;
  maxJsonDepth: number;
}

/**
 * Checks every shared setting, naming the variable, before anything starts; applies LOG_LEVEL;
 * and has every credential the server holds (`bindings`: bind variable → environment variable)
 * replaced by [redacted] in any log line that would carry it.
 */
export function serverSettings(
  env: Record<string, string | undefined>,
  bindings: Readonly<Record<string, string>>,
): ServerSettings {
  const settings: ServerSettings = {
    host: env.HOST || undefined,
    bodyLimit: intFrom(env, 'BODY_LIMIT_BYTES', 1_048_576, 1),
    maxTextLength: intFrom(env, 'MCP_MAX_TEXT_LENGTH', 25_000, 1),
    maxResultLength: intFrom(env, 'MCP_MAX_RESULT_LENGTH', 1_000_000, 1),
    maxJsonDepth: intFrom(env, 'MAX_JSON_DEPTH', 64, 1, 10_000),
  };
  // LOG_LEVEL takes pino's levels; a misspelt one is refused rather than read as info.
  if (!isLogLevel(env.LOG_LEVEL))
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(env.LOG_LEVEL)}`,
    );
  if (env.LOG_LEVEL) setLogLevel(env.LOG_LEVEL);
  redactInLogs(Object.values(bindings).map((name) => env[name]));
  return settings;
}

/** A server as start() builds it up: its URLs so far, its adapters' health, and what to close. */
export class Startup implements RunningServer {
  readonly urls: Record<string, string> = {};
  stdio = false;
  /** /healthz and /readyz on every HTTP adapter: not ready from the moment shutdown begins. */
  readonly health: Health = new Health();
  readonly #adapters: (() => Promise<void>)[] = [];
  readonly #clients: (() => Promise<void>)[] = [];

  /** Records an adapter (or a listener) to close. */
  adapter(close: () => Promise<void>): void {
    this.#adapters.push(close);
  }

  /** Records a client to close, after every adapter. */
  client(close: () => Promise<void>): void {
    this.#clients.push(close);
  }

  /**
   * Every adapter stops accepting at once and lets its in-flight requests finish; the clients
   * close after them, since those requests still call upstreams.
   */
  readonly close = async (): Promise<void> => {
    this.health.stop();
    await Promise.all(this.#adapters.map((close) => close().catch(() => undefined)));
    await Promise.all(this.#clients.map((close) => close().catch(() => undefined)));
  };
}

/**
 * When the module at `url` is the program node was started with (not imported): starts it
 * (`--stdio` serves MCP on stdin/stdout), logs its URLs, and stops it on SIGTERM and SIGINT.
 */
export function runAsProgram(url: string, start: (options: StartOptions) => Promise<RunningServer>): void {
  if (process.argv[1] === undefined || url !== pathToFileURL(process.argv[1]).href) return;
  const fail = (err: unknown) => {
    process.stderr.write(
      `${err instanceof ConfigError ? err.message : `cannot start: ${err instanceof Error ? err.message : String(err)}`}\n`,
    );
    process.exit(1);
  };
  let grace = 10_000;
  try {
    grace = intFrom(process.env, 'SHUTDOWN_GRACE_MS', 10_000);
  } catch (err) {
    fail(err);
  }
  const starting = start({ stdio: process.argv.includes('--stdio') });
  // SIGTERM and SIGINT, once or repeatedly, to this process or its whole group (Ctrl-C, systemd,
  // `kill -- -PGID`): the first starts a graceful stop, later ones are ignored; the exit is forced
  // only when in-flight requests outlast the grace period. Installed before start-up ends, so
  // that a signal during start-up is not fatal either.
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return log('info', { msg: 'already stopping', why });
    stopping = true;
    log('info', { msg: 'stopping', why, graceMs: grace });
    setTimeout(() => {
      log('error', { msg: 'in-flight requests outlasted the grace period; exiting', graceMs: grace });
      process.exit(1);
    }, grace).unref();
    void starting
      .then((running) => running.close())
      .then(
        () => process.exit(0),
        () => process.exit(0),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  starting.then((running) => {
    // An MCP client ends a stdio session by closing our stdin.
    if (running.stdio) process.stdin.once('end', () => stop('stdin closed'));
    log('info', { msg: 'listening', urls: running.urls });
  }, fail);
}
