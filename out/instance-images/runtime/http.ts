// Copied from capgen 0.1.0 runtime/http.ts. Do not edit: regenerate instead.
// Requests to an upstream API: a keep-alive pool per API, encoded paths and queries, and the
// errors a call can end in. The client (client.ts) is built on this module alone.
import { Buffer } from 'node:buffer';
import { Pool } from 'undici';

export type Query = [name: string, value: unknown][];

/** One request to an upstream API, relative to its base URL. */
export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with every parameter already encoded, without the base path. */
  path: string;
  query?: Query;
  headers?: Record<string, unknown>;
  cookies?: Query;
  /** A JSON value, or a string sent as it is with `contentType`. */
  body?: unknown;
  contentType?: string;
}

export interface CallOptions {
  /** Cancels the call; the REST router passes the client's disconnect, MCP the request's signal. */
  signal?: AbortSignal;
  /** Overrides the client's default time limit for this call, in milliseconds. */
  timeoutMs?: number;
}

/** What an upstream answered. The body is parsed on first read, so proxies can skip parsing. */
export class ApiResponse<T = unknown> {
  #parsed: { value: T } | undefined;
  #decode: ((raw: Buffer) => unknown) | undefined;
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly raw: Buffer,
  ) {}

  /**
   * The same answer, a success's body read by `decode` (the operation's non-JSON format) instead
   * of as JSON. The raw bytes stay as they came, for pass-through.
   */
  decodeWith(decode: (raw: Buffer) => unknown): this {
    this.#decode = decode;
    this.#parsed = undefined;
    return this;
  }

  get contentType(): string | undefined {
    const value = this.headers['content-type'];
    return Array.isArray(value) ? value[0] : value;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body: parsed JSON when the upstream says JSON, the text otherwise, null when empty. */
  get body(): T {
    this.#parsed ??= {
      value: (this.#decode && this.ok && this.raw.length > 0
        ? this.#decode(this.raw)
        : parseBody(this.raw, this.contentType)) as T,
    };
    return this.#parsed.value;
  }
}

export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (contentType === undefined || /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A request that cannot be sent as given; nothing reached the upstream. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

/** The upstream could not be reached, timed out, or the call was cancelled. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unreachable' | 'aborted',
  ) {
    super(message);
  }
}

/**
 * A step of an orchestration failed: its call could not be sent or reached (`cause`), or the
 * upstream answered with an error status (`response`). The message names the step.
 */
export class StepError extends Error {
  override name = 'StepError';
  constructor(
    readonly step: string,
    readonly failure: { response: ApiResponse } | { cause: RequestError | UpstreamError },
  ) {
    super(
      'response' in failure
        ? `step "${step}": upstream answered ${failure.response.status}`
        : `step "${step}": ${failure.cause.message}`,
    );
  }
}

/** Credentials and fixed parameters resolved once, when the client is created. */
export interface Credentials {
  headers?: Record<string, string>;
  query?: Query;
}

export interface HttpApiOptions {
  credentials?: Credentials;
  /** Default time limit of one call, in milliseconds (headers and then body). */
  timeoutMs?: number;
  /** Keep-alive connections kept open to the upstream. */
  connections?: number;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/**
 * Sends requests to one upstream over a pool of keep-alive connections. Error messages name the
 * method and path but never the query string or headers, where credentials travel.
 */
export class HttpApi {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #query: string;

  constructor(baseUrl: string, options: HttpApiOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new RequestError(`invalid base URL ${JSON.stringify(baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RequestError(`base URL must be http or https, not ${url.protocol}`);
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#pool = new Pool(url.origin, { connections: options.connections ?? 128, keepAliveTimeout: 60_000 });
    this.#headers = { ...options.credentials?.headers };
    this.#query = encodeQuery(options.credentials?.query ?? []);
  }

  async send(request: UpstreamRequest, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = headerValue(name, value);
    }
    // The credentials and fixed values win over a parameter of the same name, as in the engine: a
    // bearer or basic credential is the challenge response (a plain `Authorization` is dropped) and
    // a fixed `value` is written over the caller's.
    Object.assign(headers, this.#headers);
    const cookies = (request.cookies ?? []).filter(([, v]) => v !== undefined && v !== null);
    if (cookies.length > 0)
      headers.cookie = cookies.map(([n, v]) => `${n}=${encodeURIComponent(String(v))}`).join('; ');
    let body: string | undefined;
    if (request.body !== undefined) {
      body =
        typeof request.body === 'string' && request.contentType !== undefined
          ? request.body
          : JSON.stringify(request.body);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const query = joinQuery(this.#query, encodeQuery(request.query ?? []));
    const path = this.#basePath + request.path + (query === '' ? '' : `?${query}`);
    const timeout = options.timeoutMs ?? this.timeoutMs;
    const what = `${request.method} ${this.#basePath}${request.path}`;
    // Only idempotent calls are retried, once, and only when the connection failed before any
    // answer arrived (a keep-alive socket the upstream had just closed).
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.#pool.request({
          method: request.method,
          path,
          headers,
          body,
          signal: options.signal,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
        const raw = Buffer.from(await res.body.arrayBuffer());
        return new ApiResponse(res.statusCode, res.headers, raw);
      } catch (err) {
        // A cancelled call rejects with the signal's reason, whatever it is.
        if (options.signal?.aborted) throw new UpstreamError(`${what}: the call was cancelled`, 'aborted');
        const failure = classify(err, what, timeout);
        if (failure.retryable && attempt === 0 && IDEMPOTENT.has(request.method) && !options.signal?.aborted)
          continue;
        throw failure.error;
      }
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function classify(err: unknown, what: string, timeout: number): { error: Error; retryable: boolean } {
  const code = (err as { code?: string }).code ?? '';
  const name = (err as { name?: string }).name ?? '';
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return {
      error: new UpstreamError(`${what}: the upstream did not answer within ${timeout} ms`, 'timeout'),
      retryable: false,
    };
  }
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return { error: new UpstreamError(`${what}: the call was cancelled`, 'aborted'), retryable: false };
  }
  if (err instanceof RequestError) return { error: err, retryable: false };
  if (code === 'UND_ERR_INVALID_ARG')
    return { error: new RequestError(`${what}: ${(err as Error).message}`), retryable: false };
  const retryable = code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
  return {
    error: new UpstreamError(
      `${what}: the upstream is unreachable (${code || name || 'error'})`,
      'unreachable',
    ),
    retryable,
  };
}

/**
 * One path segment. The value is percent-encoded, so `../../servers` stays inside its segment;
 * `.` and `..` are refused because URL resolution treats them as directory moves even when
 * encoded, which would send the credentials to another endpoint.
 */
export function segment(name: string, value: unknown): string {
  if (value === undefined || value === null)
    throw new RequestError(`path parameter "${name}" is required`, name);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '') throw new RequestError(`path parameter "${name}" must not be empty`, name);
  if (text === '.' || text === '..')
    throw new RequestError(`path parameter "${name}" must not be "${text}"`, name);
  return encodeURIComponent(text);
}

/** Query string without `?`: undefined values are left out and arrays repeat their key. */
export function encodeQuery(query: Query): string {
  let out = '';
  for (const [name, value] of query) {
    if (value === undefined || value === null) continue;
    const key = encodeURIComponent(name);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      const text = typeof item === 'object' ? JSON.stringify(item) : String(item);
      out += `${out === '' ? '' : '&'}${key}=${encodeURIComponent(text)}`;
    }
  }
  return out;
}

function joinQuery(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}&${b}`;
}

function headerValue(name: string, value: unknown): string {
  const text = Array.isArray(value)
    ? value.map(String).join(', ')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
  if (/[\r\n\0]/.test(text))
    throw new RequestError(`header parameter "${name}" must not contain line breaks`, name);
  return text;
}
