/**
 * A TCP port free on 127.0.0.1 right now: the kernel picks one for a throw-away listener.
 * Another process could take it before the server binds it; for loopback test servers that
 * window is accepted (the server then fails to start with "address in use", loudly).
 */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
