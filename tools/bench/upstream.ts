/**
 * Fake upstream for the benchmark (a child process): node:http on 127.0.0.1, ephemeral port.
 * `GET /instance/v1/zones/{zone}/images/{id}` answers 200 with a fixed JSON body of about 1 KB,
 * `{"image":{…}}`, with content-length; `POST /instance/v1/zones/{zone}/images` reads its body and
 * answers 201 with the same image; anything else is a JSON 404. Prints one JSON line
 * `{"bench":"listening","port":N,"bytes":N}` when ready.
 */
import { createServer } from 'node:http';
import { BODY } from './fixture.js';

const MATCH = /^\/instance\/v1\/zones\/[^/]+\/images\/[^/?]+(\?.*)?$/;
const NOT_FOUND = Buffer.from('{"message":"resource not found","type":"not_found"}');

const COLLECTION = /^\/instance\/v1\/zones\/[^/]+\/images(\?.*)?$/;

const server = createServer((req, res) => {
  if (req.method === 'POST' && COLLECTION.test(req.url ?? '')) {
    // A create: the body is read whole, then answered with the image.
    req.resume();
    req.once('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': BODY.length });
      res.end(BODY);
    });
  } else if (req.method === 'GET' && MATCH.test(req.url ?? '')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  } else {
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': NOT_FOUND.length });
    res.end(NOT_FOUND);
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ bench: 'listening', port, bytes: BODY.length })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
