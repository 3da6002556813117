// Host/Origin checks and the JSON depth scan (runtime/guard.ts).
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { hostRefusal, isLoopbackAddress, LOOPBACK_NAMES, nestsDeeperThan } from '../../runtime/guard.js';

describe('hostRefusal', () => {
  it.each([
    ['127.0.0.1:8080', undefined],
    ['localhost:9090', undefined],
    ['LOCALHOST', undefined],
    ['[::1]:8080', undefined],
    ['localhost:8080', 'http://localhost:3000'],
  ])('accepts Host %s, Origin %s on loopback names', (host, origin) => {
    expect(hostRefusal(LOOPBACK_NAMES, host, origin)).toBeUndefined();
  });

  it.each([
    ['evil.example', undefined, /host name "evil.example"/],
    ['evil.example:8080', undefined, /host name "evil.example"/],
    ['127.0.0.1.nip.io', undefined, /not allowed/],
    [undefined, undefined, /Host header is missing/],
    ['localhost:8080', 'http://evil.example', /origin "http:\/\/evil.example"/],
    ['localhost:8080', 'null', /not a URL/],
  ])('refuses Host %s, Origin %s', (host, origin, reason) => {
    expect(hostRefusal(LOOPBACK_NAMES, host, origin)).toMatch(reason);
  });

  it('accepts anything with *, and exactly the names given otherwise', () => {
    expect(hostRefusal('*', 'evil.example', 'http://evil.example')).toBeUndefined();
    expect(
      hostRefusal(['api.example.com'], 'api.example.com:443', 'https://api.example.com'),
    ).toBeUndefined();
    expect(hostRefusal(['api.example.com'], 'localhost', undefined)).toMatch(/not allowed/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopbackAddress)).toBe(false);
  });
});

describe('nestsDeeperThan', () => {
  const deep = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(nestsDeeperThan(deep(64), 64)).toBe(false);
    expect(nestsDeeperThan(deep(65), 64)).toBe(true);
    expect(nestsDeeperThan(Buffer.from(`{"a":"${'['.repeat(500)}","b":{"c":[1]}}`), 3)).toBe(false);
    expect(nestsDeeperThan(Buffer.from(`{"a":"\\"${'{'.repeat(10)}"}`), 2)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('{"a":{"b":{"c":{}}}}'), 3)).toBe(true);
  });
});
