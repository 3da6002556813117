// Forwarded paths and headers (runtime/forward.ts): what may be sent below a target's base URL.
import { describe, expect, it } from 'vitest';
import { forwardedPath, ForwardPathError, trustedHeaders } from '../../runtime/forward.js';

describe('forwardedPath', () => {
  it('keeps plain segments as the caller encoded them', () => {
    expect(forwardedPath('/p/v1/pages/a%20b', '/p/')).toBe('/v1/pages/a%20b');
    expect(forwardedPath("/p/a:b@c!$&'()*+,;=~_-.", '/p/')).toBe("/a:b@c!$&'()*+,;=~_-.");
    expect(forwardedPath('/p/a/...', '/p/')).toBe('/a/...');
  });

  it.each([
    ['/p/..', 'dot segments'],
    ['/p/a/../b', 'dot segments'],
    ['/p/%2e%2E', 'dot segments'],
    ['/p/.', 'dot segments'],
    ['/p/%2e', 'dot segments'],
    ['/p/a%2fb', 'encoded separators'],
    ['/p/a%5Cb', 'encoded separators'],
    ['/p/a%0d%0aX:1', 'control characters'],
    ['/p/a\\b', 'characters a path segment cannot hold'],
    ['/p/a%zz', 'characters a path segment cannot hold'],
    ['/p/a//b', 'empty path segments'],
    ['/p/a/', 'empty path segments'],
    ['/p/', 'nothing to forward'],
    ['/q/a', 'outside the forwarded resource'],
  ])('refuses %s (%s)', (path, reason) => {
    expect(() => forwardedPath(path, '/p/')).toThrow(ForwardPathError);
    expect(() => forwardedPath(path, '/p/')).toThrow(reason);
  });
});

describe('trustedHeaders', () => {
  it('copies only the trusted headers, case-insensitively, and never framing headers', () => {
    const headers = { 'notion-version': '1', 'x-other': 'no', host: 'evil', 'content-length': '9' };
    expect(trustedHeaders(headers, ['Notion-Version', 'Host', 'Content-Length', 'X-Absent'])).toEqual({
      'notion-version': '1',
    });
  });
});
