// Copied from capgen 0.1.0 runtime/scrub.ts. Do not edit: regenerate instead.
// Credential scrubbing: an upstream that echoes the request (a gateway, a WAF, a debug endpoint)
// must not hand the client's credentials to whoever calls the proxy. Every credential value the
// client holds is replaced by a fixed marker in what the upstream answered, before anything reads
// it. The hot path is one byte search per secret form on the raw body; nothing is parsed.
import { Buffer } from 'node:buffer';

/** What a credential is replaced by, in bodies and headers. */
export const REDACTED = '[redacted]';

/** Shorter values would match ordinary text by chance and mangle answers; they are not searched. */
const SHORTEST = 4;

interface Credentials {
  headers?: Record<string, string>;
  query?: [name: string, value: unknown][];
}

/**
 * Every form in which a client's credentials could come back: each header and query value, the
 * token of a Bearer header, the base64 `user:pass` of a Basic header and its password, each also
 * URL-encoded and JSON-escaped where that differs. Longest first, so a value that contains another
 * is replaced whole.
 */
export function secretForms(credentials: Credentials | undefined): string[] {
  const values = new Set<string>();
  const add = (value: string) => {
    if (value.length < SHORTEST) return;
    values.add(value);
    values.add(encodeURIComponent(value));
    values.add(JSON.stringify(value).slice(1, -1));
  };
  for (const value of Object.values(credentials?.headers ?? {})) {
    add(value);
    const scheme = /^(\S+)\s+(.+)$/.exec(value.trim());
    if (scheme === null) continue;
    add(scheme[2]!);
    if (scheme[1]!.toLowerCase() === 'basic') {
      const decoded = Buffer.from(scheme[2]!, 'base64').toString('utf8');
      add(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) add(decoded.slice(colon + 1));
    }
  }
  for (const [, value] of credentials?.query ?? []) {
    if (value !== undefined && value !== null) add(String(value));
  }
  return [...values].filter((v) => v.length >= SHORTEST).sort((a, b) => b.length - a.length);
}

/** Replaces every secret in buffers and header values; built once per client. */
export class Scrubber {
  readonly #texts: string[];
  readonly #buffers: Buffer[];
  readonly #marker = Buffer.from(REDACTED);

  constructor(secrets: string[]) {
    this.#texts = secrets;
    this.#buffers = secrets.map((s) => Buffer.from(s));
  }

  get empty(): boolean {
    return this.#texts.length === 0;
  }

  /** The same buffer when no secret occurs in it (the usual case), else a scrubbed copy. */
  buffer(raw: Buffer): Buffer {
    let out = raw;
    for (const secret of this.#buffers) {
      let at = out.indexOf(secret);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), this.#marker);
        from = at + secret.length;
        at = out.indexOf(secret, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.#texts) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  headers(
    headers: Record<string, string | string[] | undefined>,
  ): Record<string, string | string[] | undefined> {
    if (this.empty) return headers;
    let out: Record<string, string | string[] | undefined> | undefined;
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const scrubbed = Array.isArray(value) ? value.map((v) => this.text(v)) : this.text(value);
      const changed = Array.isArray(value)
        ? (scrubbed as string[]).some((v, i) => v !== value[i])
        : scrubbed !== value;
      if (changed) (out ??= { ...headers })[name] = scrubbed;
    }
    return out ?? headers;
  }
}
