// Requests to an upstream API: a keep-alive pool per API, encoded paths and queries, and the
// errors a call can end in. The client (client.ts) is built on this module alone.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FormData, Pool } from 'undici';
import { Scrubber, secretForms } from './scrub.js';

export type Query = [name: string, value: unknown][];

/** One request to an upstream API, relative to its base URL. */
export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  /** Path with every parameter already encoded, without the base path. */
  path: string;
  query?: Query;
  headers?: Record<string, unknown>;
  cookies?: Query;
  /**
   * A JSON value, a string or bytes sent as they are with `contentType`, or a FormData that the
   * HTTP client encodes as multipart/form-data with a boundary of its own choosing.
   */
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
    /** The client's base URL and the URL it requested (absent for answers built in-process). */
    readonly origin?: { base: string; url: string },
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

  /** True when the upstream says the body is JSON and it does not parse (a decoder's answer never is). */
  get invalidJson(): boolean {
    if (
      (this.#decode && this.ok) ||
      this.raw.length === 0 ||
      !saysJson(this.contentType) ||
      typeof this.body !== 'string'
    )
      return false;
    try {
      JSON.parse(this.raw.toString('utf8'));
      return false;
    } catch {
      return true;
    }
  }
}

const saysJson = (contentType: string | undefined) =>
  contentType === undefined || /[/+]json\b/i.test(contentType);

export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (saysJson(contentType)) {
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
    readonly kind: 'timeout' | 'unreachable' | 'aborted' | 'too_large',
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
  /** Default time limit of one whole call, in milliseconds: connect, headers and the whole body. */
  timeoutMs?: number;
  /** Keep-alive connections kept open to the upstream. */
  connections?: number;
  /** Largest upstream body read, in bytes (default 10 MiB); a longer one fails the call. */
  maxResponseBytes?: number;
  /** A GET is retried once after a 429 or 503 whose Retry-After is at most this, in ms (default 2000). */
  retryAfterMaxMs?: number;
  /** Told of every call when it ends: the final status (0: no answer) and its seconds. */
  observe?: (status: number, seconds: number) => void;
}

/** Retried once when the connection failed before the answer's headers arrived. Never POST or PATCH. */
const RETRIED = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Also retried once after a 429 or 503 with a short Retry-After. */
const SAFE = new Set(['GET', 'HEAD']);
/** Statuses that have no body whatever the headers say. */
const NO_BODY = new Set([204, 304]);

/** Retry-After (delay-seconds or an HTTP date) in milliseconds, or undefined when absent or unreadable. */
export function retryAfterMs(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sends requests to one upstream over a pool of keep-alive connections. Error messages name the
 * method and path but never the query string or headers, where credentials travel.
 */
export class HttpApi {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #origin: string;
  readonly #headers: Record<string, string>;
  readonly #query: string;
  readonly #scrub: Scrubber;
  readonly maxResponseBytes: number;
  readonly retryAfterMaxMs: number;
  readonly #observe: ((status: number, seconds: number) => void) | undefined;

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
    this.#origin = url.origin;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#pool = new Pool(url.origin, { connections: options.connections ?? 128, keepAliveTimeout: 60_000 });
    this.#headers = { ...options.credentials?.headers };
    this.#query = encodeQuery(options.credentials?.query ?? []);
    this.#scrub = new Scrubber(secretForms(options.credentials));
    this.maxResponseBytes = options.maxResponseBytes ?? 10 * 1_048_576;
    this.retryAfterMaxMs = options.retryAfterMaxMs ?? 2000;
    this.#observe = options.observe;
  }

  async send(request: UpstreamRequest, options: CallOptions = {}): Promise<ApiResponse> {
    const observe = this.#observe;
    if (!observe) return this.#send(request, options);
    const start = performance.now();
    try {
      const answer = await this.#send(request, options);
      observe(answer.status, (performance.now() - start) / 1000);
      return answer;
    } catch (err) {
      observe(0, (performance.now() - start) / 1000);
      throw err;
    }
  }

  async #send(request: UpstreamRequest, options: CallOptions): Promise<ApiResponse> {
    // The credentials and fixed values win over a parameter of the same name, as in the engine: a
    // bearer or basic credential is the challenge response (a plain `Authorization` is dropped) and
    // a fixed `value` is written over the caller's. A call with no headers of its own sends the
    // client's object as it is (undici copies what it is given and never writes to it).
    let headers = this.#headers;
    if (request.headers !== undefined || request.cookies !== undefined || request.body !== undefined) {
      headers = {};
      for (const name in request.headers) {
        const value = request.headers[name];
        if (value !== undefined && value !== null) headers[name.toLowerCase()] = headerValue(name, value);
      }
      Object.assign(headers, this.#headers);
      const cookies = (request.cookies ?? []).filter(([, v]) => v !== undefined && v !== null);
      if (cookies.length > 0)
        headers.cookie = cookies.map(([n, v]) => `${n}=${encodeURIComponent(String(v))}`).join('; ');
    }
    let body: string | Buffer | FormData | undefined;
    if (request.body instanceof FormData) {
      // undici writes the parts and sets the content type, boundary included; a content type
      // given as a parameter would lack that boundary.
      body = request.body;
      delete headers['content-type'];
    } else if (request.body !== undefined) {
      body =
        (typeof request.body === 'string' || Buffer.isBuffer(request.body)) &&
        request.contentType !== undefined
          ? request.body
          : JSON.stringify(request.body, finiteNumbers);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const query =
      request.query === undefined ? this.#query : joinQuery(this.#query, encodeQuery(request.query));
    const path = this.#basePath + request.path + (query === '' ? '' : `?${query}`);
    const timeout = options.timeoutMs ?? this.timeoutMs;
    // Error messages are built only when a call fails.
    const what = () => `${request.method} ${this.#basePath}${request.path}`;
    const timedOut = () =>
      new UpstreamError(`${what()}: the upstream did not answer within ${timeout} ms`, 'timeout');
    const cancelled = () => new UpstreamError(`${what()}: the call was cancelled`, 'aborted');
    // One deadline for the whole call, retries and waits included: connect, headers and every
    // byte of the body. undici's own timers only bound the gaps between bytes.
    const deadline = performance.now() + timeout;
    for (let attempt = 0; ; attempt++) {
      // The first attempt's timer has the whole limit, a whole number of ms: Node keeps one timer
      // list per duration, so calls with the same limit share one.
      const remaining = attempt === 0 ? timeout : Math.ceil(deadline - performance.now());
      if (remaining <= 0) throw timedOut();
      const abort = new CallAbort(options.signal, cancelled);
      const clock = setTimeout(() => abort.abort(timedOut()), remaining);
      let answered = false;
      try {
        const res = await this.#pool.request({
          method: request.method,
          path,
          headers,
          body,
          signal: abort,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
        answered = true;
        const raw = await this.#read(res, what);
        const answer = new ApiResponse(
          res.statusCode,
          this.#scrub.headers(res.headers),
          this.#scrub.buffer(raw),
          { base: this.baseUrl, url: this.#origin + path },
        );
        if ((answer.status === 429 || answer.status === 503) && attempt === 0 && SAFE.has(request.method)) {
          const wait = retryAfterMs(answer.headers['retry-after']);
          if (wait !== undefined && wait <= this.retryAfterMaxMs && performance.now() + wait < deadline) {
            clearTimeout(clock);
            abort.release();
            try {
              await sleep(wait, undefined, { signal: options.signal });
            } catch {
              throw cancelled();
            }
            continue;
          }
        }
        return answer;
      } catch (err) {
        // The deadline and a cancellation reject with the UpstreamError they were given.
        if (err instanceof UpstreamError || err instanceof RequestError) throw err;
        if (options.signal?.aborted) throw cancelled();
        if (abort.aborted) throw timedOut();
        const failure = classify(err, what(), timeout);
        // Retried only when nothing of the answer arrived (a keep-alive socket the upstream had
        // just closed): once the headers are in, the upstream has acted on the request.
        if (failure.retryable && !answered && attempt === 0 && RETRIED.has(request.method)) continue;
        throw failure.error;
      } finally {
        clearTimeout(clock);
        abort.release();
      }
    }
  }

  /** The whole body, refusing one over the cap before reading past it. */
  #read(
    res: {
      statusCode: number;
      headers: Record<string, string | string[] | undefined>;
      body: Readable;
    },
    what: () => string,
  ): Promise<Buffer> {
    const cap = this.maxResponseBytes;
    const tooLarge = () =>
      new UpstreamError(
        `${what()}: the upstream answer is larger than the limit of ${cap} bytes`,
        'too_large',
      );
    const declared = Number(res.headers['content-length']);
    const body = res.body;
    if (Number.isFinite(declared) && declared > cap && !NO_BODY.has(res.statusCode)) {
      body.destroy();
      return Promise.reject(tooLarge());
    }
    // Events rather than an async iterator, which costs a promise per chunk.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > cap) {
          body.destroy();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
      body.once('error', (err: Error & { code?: string }) => {
        // A 204 or 304 that carries a body breaks HTTP framing; the status is what counts.
        if (NO_BODY.has(res.statusCode) && err.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
          resolve(Buffer.alloc(0));
        else reject(err);
      });
    });
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/**
 * The abort signal of one attempt: fired by its deadline or by the caller's signal, and rejecting
 * the call with the UpstreamError it is given. undici accepts an EventEmitter-like signal
 * (`on`/`once`/`removeListener`, `aborted`, `reason`); this one costs an object and at most one
 * listener on the caller's signal, where an AbortController and AbortSignal.any per call cost
 * several microseconds and a FinalizationRegistry entry.
 */
class CallAbort {
  aborted = false;
  reason: UpstreamError | undefined;
  #listener: (() => void) | undefined;
  readonly #caller: AbortSignal | undefined;
  readonly #onCaller: (() => void) | undefined;

  constructor(caller: AbortSignal | undefined, cancelled: () => UpstreamError) {
    if (caller === undefined) return;
    if (caller.aborted) {
      this.aborted = true;
      this.reason = cancelled();
      return;
    }
    this.#caller = caller;
    this.#onCaller = () => this.abort(cancelled());
    caller.addEventListener('abort', this.#onCaller, { once: true });
  }

  abort(reason: UpstreamError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** Stops listening to the caller's signal once the attempt is over. */
  release(): void {
    if (this.#onCaller) this.#caller!.removeEventListener('abort', this.#onCaller);
  }

  // undici registers exactly one listener, for 'abort'.
  on(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
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
  checkNumber(value, `path parameter "${name}"`, name);
  const text = typeof value === 'object' ? JSON.stringify(value, finiteNumbers) : String(value);
  if (text === '') throw new RequestError(`path parameter "${name}" must not be empty`, name);
  if (text === '.' || text === '..')
    throw new RequestError(`path parameter "${name}" must not be "${text}"`, name);
  return encodeURIComponent(text);
}

/** The names between braces in a path template: `'/a/{x}/b/{y}'` → `'x' | 'y'`. */
type Holes<T extends string> = T extends `${string}{${infer K}}${infer Rest}` ? K | Holes<Rest> : never;

/**
 * A path template as the spec writes it, each `{name}` replaced by its value as one segment (see
 * segment()). The template's names are checked against the values' type, so a renamed parameter
 * is a type error, not a request to the wrong path.
 */
export function fillPath<T extends string>(
  template: T,
  values: { readonly [K in Holes<T>]: unknown },
): string {
  const byName = values as Readonly<Record<string, unknown>>;
  return template.replace(/\{([^{}]*)\}/g, (_, name: string) => segment(name, byName[name]));
}

/** Query string without `?`: undefined values are left out and arrays repeat their key. */
export function encodeQuery(query: Query): string {
  let out = '';
  for (const [name, value] of query) {
    if (value === undefined || value === null) continue;
    const key = encodeURIComponent(name);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      checkNumber(item, `query parameter "${name}"`, name);
      const text = typeof item === 'object' ? JSON.stringify(item, finiteNumbers) : String(item);
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

/**
 * Numbers that would change on the way (`1e400` is Infinity, sent as `Infinity` or `null`; an
 * integer past 2^53 is rounded) are refused before anything is sent.
 */
function checkNumber(value: unknown, where: string, parameter?: string): void {
  if (typeof value !== 'number') return;
  if (!Number.isFinite(value)) throw new RequestError(`${where} must be a finite number`, parameter);
  if (Number.isInteger(value) && !Number.isSafeInteger(value))
    throw new RequestError(
      `${where} is outside the safe integer range (±${Number.MAX_SAFE_INTEGER})`,
      parameter,
    );
}

/** A JSON.stringify replacer that applies checkNumber to every number of a body. */
function finiteNumbers(this: unknown, key: string, value: unknown): unknown {
  checkNumber(value, key === '' ? 'the request body' : `"${key}" in the request body`);
  return value;
}
