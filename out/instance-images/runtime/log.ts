// Copied from capgen 0.1.0 runtime/log.ts. Do not edit: regenerate instead.
// Logging: one pino logger for the whole server, the one Fastify logs through and the MCP adapter
// too: one JSON line per event on stdout (pino's format: numeric `level`, `time` in ms, `msg`).
// Nothing that could hold a credential is logged on purpose (headers, query strings, bodies);
// as configuration on top, header fields that carry credentials are redacted wherever they
// appear, and every credential value the server holds is replaced in each line before it is
// written.
import pino, { type Logger } from 'pino';

/** LOG_LEVEL's values: pino's levels. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACTED = '[redacted]';

/**
 * Header fields that carry credentials, in the places a logged object has headers. Named paths
 * only: a wildcard (`*.headers`) makes pino walk every object logged, about 40 µs a line in the
 * bench's profile, where these cost about 2.
 */
const REDACT_PATHS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
].flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`, `res.headers["${h}"]`, `err.headers["${h}"]`]);

/** Credential values the server holds; shorter ones would match ordinary text by chance. */
const secrets = new Set<string>();
const SHORTEST = 4;

function scrub(line: string): string {
  for (const secret of secrets) if (line.includes(secret)) line = line.split(secret).join(REDACTED);
  return line;
}

/**
 * The lines of one turn of the event loop, written together when it ends: under load a server
 * finishes many requests per turn, and one write per line was most of what logging cost. The
 * rest is written on exit, so a line logged before process.exit is never lost.
 */
class Lines {
  readonly #stream: NodeJS.WriteStream;
  #pending: string[] = [];
  #scheduled = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  write(line: string): boolean {
    this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
    this.#pending = [];
    this.#stream.write(text);
  };
}

// Through process.stdout/stderr, which Node writes synchronously to files, pipes and terminals
// on Linux, so what is flushed on exit is out before the process ends; and whatever watches
// those streams (the test suite's credential check) sees every line.
const sinks = { 1: new Lines(process.stdout), 2: new Lines(process.stderr) };
process.once('exit', () => {
  sinks[1].flush();
  sinks[2].flush();
});

function create(fd: 1 | 2, level: LogLevel): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: scrub },
    },
    sinks[fd],
  );
}

let current: Logger = create(1, 'info');
let currentFd: 1 | 2 = 1;

/** The server's logger (Fastify's `loggerInstance`); children add the adapter's name. */
export function logger(): Logger {
  return current;
}

/** Under stdio MCP, stdout carries the protocol, so logs go to stderr. */
export function logToStderr(): void {
  if (currentFd === 2) return;
  currentFd = 2;
  current = create(2, current.level as LogLevel);
}

/** Whether `level` is one of pino's levels; undefined and '' mean the default, info. */
export function isLogLevel(level: string | undefined): boolean {
  return level === undefined || level === '' || (LOG_LEVELS as readonly string[]).includes(level);
}

/** Sets the level; undefined or '' is info. An unknown level is refused by the caller (isLogLevel). */
export function setLogLevel(level: string | undefined): void {
  current.level = level === undefined || level === '' || !isLogLevel(level) ? 'info' : level;
}

/** Credential values that must never appear in a log line, in any field. */
export function redactInLogs(values: Iterable<string | undefined>): void {
  for (const value of values) if (value !== undefined && value.length >= SHORTEST) secrets.add(value);
}

/** One event: `fields.msg` is the message. */
export function log(level: Exclude<LogLevel, 'silent'>, fields: Record<string, unknown>): void {
  const { msg, ...rest } = fields;
  current[level](rest, typeof msg === 'string' ? msg : undefined);
}
