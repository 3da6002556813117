// A port on 127.0.0.1 that nothing listens on: bound to 0, then released.
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
