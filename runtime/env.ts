// Settings read from the environment, and where a started server listens.
import type { Server } from 'node:http';
import { isLoopbackAddress, LOOPBACK_NAMES } from './guard.js';

/** Reads a required environment variable; the error names it and never shows a value. */
export function requireEnv(env: Record<string, string | undefined>, name: string, purpose: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new ConfigError(`missing environment variable ${name} (${purpose})`);
  return value;
}

/** The server cannot start as configured. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a port variable; a bad value is a configuration error naming the variable. */
export function portFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`${name} must be a port number (0-65535), not ${JSON.stringify(raw)}`);
  return port;
}

/** The URL a listening server answers on. */
export function urlOf(server: Server, host: string, path = ''): string {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/**
 * Reads a whole-number setting; absent or empty gives `fallback`. Anything else that is not an
 * integer from `min` to `max` stops start-up naming the variable, rather than misbehaving later.
 */
export function intFrom(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number = 0,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return value;
}

/**
 * The host names an adapter bound to `bind` accepts in Host and Origin headers: ALLOWED_HOSTS
 * (comma-separated, `*` for any) when set; else the loopback names for a loopback address. An
 * adapter bound elsewhere without ALLOWED_HOSTS does not start: which names reach it is known
 * only to whoever deploys it.
 */
export function allowedHostsFor(
  env: Record<string, string | undefined>,
  bind: string,
): readonly string[] | '*' {
  const raw = env.ALLOWED_HOSTS ?? env.MCP_ALLOWED_HOSTS;
  if (raw !== undefined && raw.trim() !== '') {
    if (raw.trim() === '*') return '*';
    return raw
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
  }
  if (isLoopbackAddress(bind)) return LOOPBACK_NAMES;
  throw new ConfigError(
    `ALLOWED_HOSTS is required when binding to ${bind}, which is not a loopback address: ` +
      'list the host names callers use (comma-separated), or * to accept any',
  );
}

/** The port a listening server got (the real one when it asked for 0). */
export function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
