// The corpus runner's upstream: one recording echo server on 127.0.0.1 that every consumed API
// of every spec points at (each API under its own path prefix). It records each request exactly
// as received and answers 200 with a JSON body carrying a unique marker, so a caller can tell
// that the answer it got is the one this request produced.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EchoRequest {
  /** The marker echoed back in the answer's body. */
  id: string;
  method: string;
  /** The raw request target, query string included. */
  url: string;
  /** The raw path (percent-encoding kept), without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface EchoServer {
  url: string;
  /** Every request received since the last reset. */
  requests: EchoRequest[];
  /** Forgets the recorded requests (between specs, to keep memory bounded). */
  reset(): void;
  close(): Promise<void>;
}

export async function startEcho(): Promise<EchoServer> {
  let requests: EchoRequest[] = [];
  let seq = 0;
  const salt = Math.random().toString(36).slice(2, 8);
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const id = `echo-${salt}-${++seq}`;
      const path = url.split('?')[0] ?? url;
      requests.push({
        id,
        method: req.method ?? '',
        url,
        path,
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const body = JSON.stringify({ echo: id, method: req.method, path });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    reset() {
      requests = [];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
