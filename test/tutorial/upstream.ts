// A mock upstream for the tutorial suite: serves the OpenAPI documents in
// `../shared/naftiko/e2e/tutorial-alpha2/_upstream-mocks/` on 127.0.0.1 and answers each request
// with one of the documented examples, picked the way Microcks picks them:
// - every API lives under `/rest/<info.title>/<info.version>`;
// - `x-microcks-operation` names a dispatcher: `URI_PARTS` (the example named
//   `/name=value` for the listed path parameters), `URI_PARAMS` (the example named
//   `?name=value` for the listed query parameters that are present), `SCRIPT` (only the
//   constant form `return 'name'` is understood), and `FALLBACK` (the inner dispatcher, then the
//   named fallback example when nothing matches);
// - an operation with no dispatcher answers its first example;
// - no example for the dispatch criteria: 400, as Microcks answers;
// - `{{ request.body/field }}` in an example is replaced with that field of the JSON request
//   body (Microcks response templating).
// It records every request so that tests can look at what the generated client sent.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { parse } from 'yaml';

type Obj = Record<string, unknown>;

interface UpstreamRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface MockUpstream {
  /** `/rest/<title>/<version>` base URL of the API whose info.title is `title`. */
  baseUrl(title: string): string;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

interface Operation {
  api: string;
  method: string;
  pattern: RegExp;
  names: string[];
  spec: Obj;
}

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function load(files: string[]): Operation[] {
  const ops: Operation[] = [];
  for (const file of files) {
    const doc = obj(parse(readFileSync(file, 'utf8')));
    const info = obj(doc.info);
    const prefix = `/rest/${String(info.title)}/${String(info.version)}`;
    for (const [path, item] of Object.entries(obj(doc.paths))) {
      const names: string[] = [];
      const source = path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('');
      const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${source}$`);
      for (const [method, spec] of Object.entries(obj(item)))
        ops.push({ api: String(info.title), method: method.toUpperCase(), pattern, names, spec: obj(spec) });
    }
  }
  return ops;
}

interface Example {
  name: string;
  status: number;
  contentType: string;
  value: unknown;
}

function examples(op: Obj): Example[] {
  const out: Example[] = [];
  for (const [status, response] of Object.entries(obj(op.responses))) {
    for (const [contentType, media] of Object.entries(obj(obj(response).content))) {
      for (const [name, example] of Object.entries(obj(obj(media).examples)))
        out.push({ name, status: Number(status), contentType, value: obj(example).value });
    }
  }
  return out;
}

/** The dispatch criteria for one dispatcher, or undefined when it cannot say. */
function criteria(
  dispatcher: string,
  rules: string,
  path: Record<string, string>,
  query: URLSearchParams,
): string | undefined {
  const names = rules
    .split(/[&,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (dispatcher === 'URI_PARTS') return names.map((n) => `/${n}=${path[n] ?? ''}`).join('');
  if (dispatcher === 'URI_PARAMS') {
    const present = names.filter((n) => query.has(n));
    return present.length === 0 ? '' : `?${present.map((n) => `${n}=${query.get(n)}`).join('&')}`;
  }
  if (dispatcher === 'SCRIPT') return /^\s*return\s+'([^']*)'\s*;?\s*$/.exec(rules)?.[1];
  return undefined;
}

function pick(op: Obj, path: Record<string, string>, query: URLSearchParams): Example | string {
  const all = examples(op);
  const settings = obj(op['x-microcks-operation']);
  const dispatcher = typeof settings.dispatcher === 'string' ? settings.dispatcher : undefined;
  const rules = typeof settings.dispatcherRules === 'string' ? settings.dispatcherRules : '';
  if (dispatcher === undefined) return all[0] ?? 'no example';
  let inner = dispatcher;
  let innerRules = rules;
  let fallback: string | undefined;
  if (dispatcher === 'FALLBACK') {
    const parsed = obj(JSON.parse(rules));
    inner = String(parsed.dispatcher);
    innerRules = String(parsed.dispatcherRules);
    fallback = String(parsed.fallback);
  }
  const key = criteria(inner, innerRules, path, query);
  const found = all.find((e) => e.name === key) ?? all.find((e) => e.name === fallback);
  return found ?? `The response ${JSON.stringify(key ?? '')} does not exist`;
}

function pointer(value: unknown, path: string): unknown {
  let at = value;
  for (const part of path.split('/').filter(Boolean)) at = obj(at)[part];
  return at;
}

/** Microcks response templating, the `request.body/…` form only. */
function render(text: string, body: string): string {
  if (!text.includes('{{')) return text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return text.replace(/\{\{\s*request\.body\/([^}\s]+)\s*\}\}/g, (_, p: string) => {
    const v = pointer(json, p);
    return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMockUpstream(files: string[]): Promise<MockUpstream> {
  const ops = load(files);
  const requests: UpstreamRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://upstream');
      let match: { op: Operation; path: Record<string, string> } | undefined;
      for (const op of ops) {
        const m = op.pattern.exec(url.pathname);
        if (!m || op.method !== req.method) continue;
        const path: Record<string, string> = {};
        op.names.forEach((n, i) => (path[n] = decodeURIComponent(m[i + 1]!)));
        match = { op, path };
        break;
      }
      if (!match) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such mocked operation');
        return;
      }
      const picked = pick(match.op.spec, match.path, url.searchParams);
      if (typeof picked === 'string') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(picked);
        return;
      }
      const raw = typeof picked.value === 'string' ? picked.value : JSON.stringify(picked.value);
      res.writeHead(picked.status, { 'content-type': picked.contentType }).end(render(raw, body));
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const titles = new Map<string, string>();
  for (const file of files) {
    const info = obj(obj(parse(readFileSync(file, 'utf8'))).info);
    titles.set(String(info.title), `/rest/${String(info.title)}/${String(info.version)}`);
  }
  return {
    baseUrl(title) {
      const prefix = titles.get(title);
      if (!prefix) throw new Error(`no mocked API titled ${title}`);
      return `http://127.0.0.1:${port}${prefix}`;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
