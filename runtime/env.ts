// Settings read from the environment, and where a started server listens.
import type { Server } from 'node:http';

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

/** The port a listening server got (the real one when it asked for 0). */
export function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
