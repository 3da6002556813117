// The credential must never reach a caller or a log line. Every upstream a test runs (the
// recorder, the fake Scaleway, the faulty upstream) hands the credentials it receives to
// `watchCredentials`, so whatever key a test configures is watched without the test naming it.
// The call helpers of the REST, MCP and end-to-end tests pass every answer to `expectNoSecret`,
// and test/support/setup.ts checks everything the test process writes to stdout and stderr
// (where the in-process servers log) after each test.
import { Buffer } from 'node:buffer';

const watched = new Set<string>();

/** Values shorter than this are too likely to occur by chance in a body to be watched. */
const SHORTEST = 8;

/** Watches a secret in the forms it can take on the way out: as is, URL-encoded, JSON-escaped. */
export function watchSecret(value: string | undefined): void {
  if (value === undefined || value.length < SHORTEST) return;
  watched.add(value);
  watched.add(encodeURIComponent(value));
  watched.add(JSON.stringify(value).slice(1, -1));
}

const CREDENTIAL_NAME = /key|token|secret|auth|password|signature/i;

/**
 * Watches every credential in a request an upstream received: `Authorization` (the bearer token;
 * for Basic, the base64 `user:pass` and the password), and any header or query parameter whose name
 * says it holds a key, a token or a secret.
 */
export function watchCredentials(headers: Record<string, string | string[] | undefined>, url = '/'): void {
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || !CREDENTIAL_NAME.test(name)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const scheme = /^(bearer|basic|token|apikey)\s+(.+)$/i.exec(value.trim());
      if (scheme === null) {
        watchSecret(value);
        continue;
      }
      watchSecret(scheme[2]);
      if (scheme[1]!.toLowerCase() === 'basic') {
        const decoded = Buffer.from(scheme[2]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0) watchSecret(decoded.slice(colon + 1));
      }
    }
  }
  const query = new URL(url, 'http://upstream').searchParams;
  for (const [name, value] of query) if (CREDENTIAL_NAME.test(name)) watchSecret(value);
}

/** The first watched secret in `data`, if any. */
export function findSecret(data: unknown): string | undefined {
  if (watched.size === 0 || data === undefined || data === null) return undefined;
  const text =
    typeof data === 'string'
      ? data
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : data instanceof Uint8Array
          ? Buffer.from(data).toString('utf8')
          : safeJson(data);
  for (const secret of watched) if (text.includes(secret)) return secret;
  return undefined;
}

function safeJson(data: unknown): string {
  try {
    return JSON.stringify(data) ?? String(data);
  } catch {
    return String(data);
  }
}

/** Throws, naming where, when `data` holds a watched secret; the error never shows the secret. */
export function expectNoSecret(where: string, data: unknown): void {
  const secret = findSecret(data);
  if (secret !== undefined) throw new Error(`a credential (${secret.length} characters) appears in ${where}`);
}

/** Output of the test process that held a secret since the last `takeLeaks`. */
const leaks: string[] = [];

export function recordLeak(where: string): void {
  leaks.push(where);
}

export function takeLeaks(): string[] {
  return leaks.splice(0);
}
