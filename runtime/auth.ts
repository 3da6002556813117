// Credentials: the HTTP Basic header an outbound call sends, and the inbound check of what
// callers of an exposed adapter must present.
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export type InboundAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'apikey'; name: string; placement: 'header' | 'query'; value: string }
  | { kind: 'basic'; username: string; password: string };

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

export function authorized(auth: InboundAuth, headers: IncomingHttpHeaders, url: string): boolean {
  const authorization = headers.authorization ?? '';
  switch (auth.kind) {
    case 'bearer':
      return /^bearer /i.test(authorization) && sameSecret(authorization.slice(7).trim(), auth.token);
    case 'basic':
      return sameSecret(authorization, basicAuth(auth.username, auth.password));
    case 'apikey': {
      const given =
        auth.placement === 'header'
          ? headers[auth.name.toLowerCase()]
          : new URL(url, 'http://localhost').searchParams.get(auth.name);
      return typeof given === 'string' && sameSecret(given, auth.value);
    }
  }
}

export function challenge(auth: InboundAuth): string {
  return auth.kind === 'basic'
    ? 'Basic realm="capgen"'
    : auth.kind === 'bearer'
      ? 'Bearer'
      : `ApiKey ${auth.name}`;
}
