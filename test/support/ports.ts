// Ports on 127.0.0.1 for tests: one that nothing listens on, and whether one is free again.
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port that nothing listens on: bound to 0, then released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something else could listen on `port` now (a closed server gave it back). */
export function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
