// Forward (proxy) resources: a request under a resource's path that no operation matched goes to
// the target API's base URL with the same method and body. Only the trusted headers are copied,
// the target's own credentials are applied by its client, and the path can never leave the base
// URL: dot segments, encoded separators and anything that is not a plain path segment are refused
// before anything is sent.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpApi, Query, UpstreamRequest } from './http.js';
import type { RestExtension } from './rest.js';

/** One forward resource, as the generated rest.ts declares it. */
export interface ForwardRoute {
  /** The literal part of the resource path before its trailing placeholder: `/notion/`. */
  prefix: string;
  /** The target API's connection; it applies the target's credentials and fixed parameters. */
  http: HttpApi;
  /** Request headers copied to the target (case-insensitive); no other header is. */
  trustedHeaders: readonly string[];
}

/** Why a forwarded path is refused; nothing was sent. */
export class ForwardPathError extends Error {
  override name = 'ForwardPathError';
}

/** What RFC 3986 allows in a path segment (pchar), percent escapes included. */
const PCHAR = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;

/**
 * The path below the prefix, as it is sent to the target (`/a/b%20c`): each raw segment checked
 * and kept as the caller wrote it. Refused: an empty path or segment, `.` and `..` however they
 * are encoded, encoded `/` or `\`, control characters, and anything outside RFC 3986's pchar.
 */
export function forwardedPath(rawPath: string, prefix: string): string {
  if (!rawPath.startsWith(prefix)) throw new ForwardPathError('the path is outside the forwarded resource');
  const rest = rawPath.slice(prefix.length);
  if (rest === '') throw new ForwardPathError('nothing to forward below the resource path');
  for (const segment of rest.split('/')) {
    if (segment === '') throw new ForwardPathError('empty path segments are not forwarded');
    if (!PCHAR.test(segment))
      throw new ForwardPathError('the path has characters a path segment cannot hold');
    const decoded = decodeURIComponent(segment);
    if (decoded === '.' || decoded === '..')
      throw new ForwardPathError('dot segments are not forwarded, encoded or not');
    if (/[/\\]/.test(decoded)) throw new ForwardPathError('encoded separators are not forwarded');
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(decoded))
      throw new ForwardPathError('control characters are not forwarded');
  }
  return `/${rest}`;
}

/** Headers that frame this hop's message; the client writes its own, trusted or not. */
const FRAMING = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

/** The trusted headers the caller sent, by lower-case name; nothing else. */
export function trustedHeaders(
  headers: Record<string, string | string[] | undefined>,
  trusted: readonly string[],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of trusted) {
    if (FRAMING.has(name.toLowerCase())) continue;
    const value = headers[name.toLowerCase()];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/** The parsed query as pairs, repeated keys kept (the caller's query goes along with the path). */
function queryPairs(query: unknown): Query {
  if (query === null || typeof query !== 'object') return [];
  return Object.entries(query as Record<string, unknown>).map(([k, v]): [string, unknown] => [k, v]);
}

const FORWARDED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The forward resources of an adapter, for createRestApp: each a catch-all route under its
 * prefix. Routes of operations win: the router prefers a static or parametric match to the
 * wildcard. Bodies are taken as bytes in any media type and sent on unchanged, with their
 * Content-Type.
 */
export function forwardRoutes(forwards: readonly ForwardRoute[]): RestExtension {
  return {
    prefixes: forwards.map((f) => f.prefix),
    register(app, answer) {
      void app.register((scope, _options, done) => {
        // In this scope every body is raw bytes: JSON is forwarded as written, not re-encoded.
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
        for (const forward of forwards) {
          scope.route({
            method: [...FORWARDED_METHODS],
            url: `${forward.prefix}*`,
            handler: async (request: FastifyRequest, reply: FastifyReply) => {
              let path: string;
              try {
                path = forwardedPath((request.raw.url ?? '/').split('?')[0]!, forward.prefix);
              } catch (err) {
                if (err instanceof ForwardPathError) return answer.refuse(reply, err.message);
                throw err;
              }
              const body =
                Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
              const upstream: UpstreamRequest = {
                method: request.method as UpstreamRequest['method'],
                path,
                query: queryPairs(request.query),
                headers: trustedHeaders(request.headers, forward.trustedHeaders),
                ...(body
                  ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
                  : {}),
              };
              const res = await forward.http.send(upstream, { signal: answer.signal(reply) });
              return answer.relay(reply, res);
            },
          });
        }
        done();
      });
    },
  };
}
