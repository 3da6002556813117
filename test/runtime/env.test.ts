// runtime/env.ts: required variables, port variables and listening URLs.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, portFrom, requireEnv, urlOf } from '../../runtime/env.js';

describe('requireEnv', () => {
  it('returns the value, and names a missing or empty variable without any value', () => {
    expect(requireEnv({ KEY: 'v' }, 'KEY', 'the key')).toBe('v');
    expect(() => requireEnv({}, 'KEY', 'the key')).toThrow(
      new ConfigError('missing environment variable KEY (the key)'),
    );
    expect(() => requireEnv({ KEY: '' }, 'KEY', 'the key')).toThrow(ConfigError);
  });
});

describe('portFrom', () => {
  it.each([
    [undefined, 8080],
    ['', 8080],
    ['0', 0],
    ['9090', 9090],
    ['65535', 65535],
  ])('%j gives %i', (raw, port) => {
    expect(portFrom({ PORT: raw }, 'PORT', 8080)).toBe(port);
  });

  it.each(['65536', '-1', '80.5', 'http', ' 1x'])('refuses %j, naming the variable', (raw) => {
    expect(() => portFrom({ PORT: raw }, 'PORT', 8080)).toThrow(
      new ConfigError(`PORT must be a port number (0-65535), not ${JSON.stringify(raw)}`),
    );
  });
});

describe('urlOf', () => {
  it('names the port the server got, with IPv6 hosts in brackets', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(urlOf(server, '127.0.0.1', '/mcp')).toBe(`http://127.0.0.1:${port}/mcp`);
    expect(urlOf(server, '::1')).toBe(`http://[::1]:${port}`);
    await new Promise((resolve) => server.close(resolve));
  });
});
