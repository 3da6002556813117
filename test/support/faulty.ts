// A scripted faulty upstream for tests: a real HTTP/1.1 server on 127.0.0.1, written on node:net
// so that a test controls every byte and every moment of an answer (a reset half-way through a
// body, a 204 that carries a body, a body dripped one byte at a time, an answer that never comes).
// It records every request it reads and when the caller closed the connection it came on.
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { watchCredentials } from './secrets.js';

interface FaultyRequest {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Resolves when the connection this request came on is closed, by either side. */
  closed: Promise<void>;
  /** Bytes of the answer written to the socket (for bodies the caller should stop reading). */
  written(): number;
}

/** How to answer one request. */
export type Fault =
  /** A complete answer, after `delayMs` (default at once). */
  | {
      kind: 'answer';
      status?: number;
      headers?: Record<string, string>;
      body?: string | Buffer;
      delayMs?: number;
    }
  /** Read the request and never answer. */
  | { kind: 'hang' }
  /** Close the connection before any byte of the answer. */
  | { kind: 'reset-before' }
  /** Send the status line, the headers and `sent` of the declared body, then close the connection. */
  | { kind: 'reset-during'; status?: number; body: string; sent: number }
  /** A valid head and then the body one chunk every `intervalMs`. */
  | { kind: 'drip'; chunk: string; count: number; intervalMs: number }
  /** A JSON body of `bytes` bytes, written as fast as the caller reads it. */
  | { kind: 'big'; bytes: number }
  /** These exact bytes, then the connection is kept (for answers that break HTTP framing). */
  | { kind: 'raw'; bytes: string }
  /**
   * A JSON body that repeats the request: method, target and every header (200 unless `status`);
   * with `headers`, the request's headers are also repeated as a `link` answer header, one that
   * the REST adapter relays and MCP shows.
   */
  | { kind: 'echo'; status?: number; headers?: boolean };

/** Chooses the answer for the `n`th request (0-based) since the script was set. */
export type Script = (request: FaultyRequest, n: number) => Fault;

export interface FaultyUpstream {
  url: string;
  /** Every request read, in order. */
  requests: FaultyRequest[];
  /** Answers the next requests with this script (until the next call of `script` or `reset`). */
  script(script: Script | Fault): void;
  /** Back to normal answers. */
  reset(): void;
  close(): Promise<void>;
}

/** The normal answer: 200 with a small image body. */
export const NORMAL_BODY = JSON.stringify({
  image: { id: '6a0c2b4e-1d3f-4a5b-9c7d-8e9f0a1b2c3d', name: 'normal', state: 'available' },
});

const NORMAL: Fault = { kind: 'answer', status: 200, body: NORMAL_BODY };

function head(status: number, headers: Record<string, string>): string {
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  const requests: FaultyRequest[] = [];
  let current: Script = () => NORMAL;
  let since = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let written = 0;
    const write = (data: string | Buffer): boolean => {
      if (socket.destroyed) return false;
      written += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      return socket.write(data);
    };
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let busy = false;

    const answer = (fault: Fault, request: FaultyRequest, done: () => void) => {
      switch (fault.kind) {
        case 'answer': {
          const send = () => {
            const body = fault.body === undefined ? NORMAL_BODY : fault.body;
            const bytes = typeof body === 'string' ? Buffer.from(body) : body;
            write(
              head(fault.status ?? 200, {
                'content-type': 'application/json',
                ...fault.headers,
                'content-length': String(bytes.length),
              }),
            );
            write(bytes);
            done();
          };
          if (fault.delayMs) later(fault.delayMs, send);
          else send();
          return;
        }
        case 'hang':
          return;
        case 'reset-before':
          socket.destroy();
          return;
        case 'reset-during': {
          const body = Buffer.from(fault.body);
          write(
            head(fault.status ?? 200, {
              'content-type': 'application/json',
              'content-length': String(body.length),
            }),
          );
          write(body.subarray(0, fault.sent));
          // Let the partial answer reach the caller before the connection goes.
          later(20, () => socket.destroy());
          return;
        }
        case 'drip': {
          write(
            head(200, {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(fault.chunk) * fault.count),
            }),
          );
          let left = fault.count;
          const tick = () => {
            if (socket.destroyed || left === 0) return;
            left--;
            write(fault.chunk);
            if (left === 0) done();
            else later(fault.intervalMs, tick);
          };
          tick();
          return;
        }
        case 'big': {
          const open = '{"images":[';
          const close = ']}';
          const item = Buffer.from(`"${'x'.repeat(1022)}",`);
          const items = Math.max(1, Math.floor((fault.bytes - open.length - close.length) / item.length));
          const total = open.length + close.length + items * item.length - 1;
          write(head(200, { 'content-type': 'application/json', 'content-length': String(total) }));
          write(open);
          let left = items;
          const pump = () => {
            while (left > 0 && !socket.destroyed) {
              left--;
              const ok = write(left === 0 ? item.subarray(0, item.length - 1) : item);
              if (!ok) {
                socket.once('drain', pump);
                return;
              }
            }
            if (!socket.destroyed) {
              write(close);
              done();
            }
          };
          pump();
          return;
        }
        case 'raw':
          write(fault.bytes);
          done();
          return;
        case 'echo': {
          const body = JSON.stringify({ method: request.method, url: request.url, headers: request.headers });
          const echoed = Object.entries(request.headers)
            .map(
              ([name, value]) =>
                `<https://upstream.test/${encodeURIComponent(name)}/${String(value)}>; rel="echo"`,
            )
            .join(', ');
          write(
            head(fault.status ?? 200, {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              ...(fault.headers ? { link: echoed } : {}),
            }),
          );
          write(body);
          done();
          return;
        }
      }
    };

    const next = () => {
      if (busy) return;
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const [method = '', url = ''] = (lines[0] ?? '').split(' ');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) {
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      buffer = buffer.subarray(end + 4 + length);
      const request: FaultyRequest = { method, url, headers, body, closed, written: () => written };
      const n = requests.length - since;
      watchCredentials(headers, url);
      requests.push(request);
      busy = true;
      answer(current(request, n), request, () => {
        busy = false;
        next();
      });
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      next();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(script) {
      current = typeof script === 'function' ? script : () => script;
      since = requests.length;
    },
    reset() {
      current = () => NORMAL;
      since = requests.length;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
