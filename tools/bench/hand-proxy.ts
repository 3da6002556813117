/**
 * Contender (b): the minimal hand-written proxy the generated REST server is compared with.
 * node:http in front of an undici 7 Pool (128 keep-alive connections); the request path is sent
 * upstream unchanged (a POST with its body and content type) and the status, content-type and
 * body are copied back. A child process on
 * 127.0.0.1 (ephemeral port); UPSTREAM is the fake upstream's origin.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM;
if (!upstream) throw new Error('UPSTREAM is not set');
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });

const server = createServer((req, res) => {
  // A POST's body is streamed upstream as it comes, with its content type.
  const post = req.method === 'POST';
  pool
    .request(
      post
        ? {
            method: 'POST',
            path: req.url ?? '/',
            headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
            body: req,
          }
        : { method: 'GET', path: req.url ?? '/' },
    )
    .then(async (answer) => {
      const body = Buffer.from(await answer.body.arrayBuffer());
      const type = answer.headers['content-type'];
      res.writeHead(answer.statusCode, {
        'content-type': (Array.isArray(type) ? type[0] : type) ?? 'application/octet-stream',
        'content-length': body.length,
      });
      res.end(body);
    })
    .catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bad gateway: ${(err as Error).message}`);
    });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ bench: 'listening', port })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void pool.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
