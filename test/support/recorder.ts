// A recording upstream: a real HTTP server on 127.0.0.1 that logs every request exactly as
// received and answers with whatever the test scripts. The tests use it directly; the corpus
// runner's echo upstream (tools/corpus/echo.ts) is this server with an echoing answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { watchCredentials } from './secrets.js';

export interface Recorded {
  /** A marker unique to this request (among every recorder's), for answers that echo it. */
  id: string;
  method: string;
  /** The raw request target: path and query string as sent. */
  url: string;
  /** The raw path (percent-encoding kept, dot segments unresolved), without the query string. */
  path: string;
  query: [string, string][];
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Reply =
  | { status?: number; headers?: Record<string, string>; body?: string | object | null }
  /** Never answer (for timeout tests). */
  | 'hang'
  /** Destroy the connection before answering. */
  | 'reset';

export interface Recorder {
  url: string;
  requests: Recorded[];
  /** Sets how the next requests are answered (default: 200 `{"ok":true}`). */
  respond(fn: (req: Recorded) => Reply): void;
  last(): Recorded;
  /** Forgets the recorded requests (in place: a held `requests` array empties too). */
  reset(): void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const requests: Recorded[] = [];
  let responder: (req: Recorded) => Reply = () => ({ status: 200, body: { ok: true } });
  const salt = Math.random().toString(36).slice(2, 8);
  let seq = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://upstream');
      const recorded: Recorded = {
        id: `upstream-${salt}-${++seq}`,
        method: req.method ?? '',
        url,
        path: url.split('?')[0] ?? url,
        query: [...parsed.searchParams.entries()],
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
      };
      watchCredentials(recorded.headers, url);
      requests.push(recorded);
      const reply = responder(recorded);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      const body =
        reply.body === undefined
          ? JSON.stringify({ ok: true })
          : reply.body === null
            ? ''
            : typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(fn) {
      responder = fn;
    },
    reset() {
      requests.length = 0;
    },
    last() {
      const r = requests[requests.length - 1];
      if (!r) throw new Error('the upstream received no request');
      return r;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
